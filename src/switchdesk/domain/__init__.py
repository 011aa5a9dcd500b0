"""switchdesk.domain"""
