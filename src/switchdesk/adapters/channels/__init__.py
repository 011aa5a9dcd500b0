"""Channel adapters: the wire formats of each channel to and from channel-neutral values."""
