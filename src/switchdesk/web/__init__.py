"""switchdesk.web"""
