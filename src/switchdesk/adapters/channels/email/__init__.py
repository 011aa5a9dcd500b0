"""Email channel: parse and compose mail, SMTP in and out, IMAP polling."""
