"""switchdesk.usecases"""
