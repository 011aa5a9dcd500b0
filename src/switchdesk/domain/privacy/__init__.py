"""Personal data: what a client account's policy says must never be stored or indexed."""
