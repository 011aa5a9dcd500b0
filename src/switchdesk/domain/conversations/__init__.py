"""Contacts, conversations, messages, wrap-up and the center's live configuration."""
