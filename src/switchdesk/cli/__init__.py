"""switchdesk.cli"""
