"""switchdesk.adapters"""
