"""switchdesk.simulation"""
