"""What a message is about (intent) and how its writer feels (sentiment), as signals."""
