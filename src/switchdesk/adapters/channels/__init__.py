"""Channel adapters: provider wire formats to and from the channel-neutral values."""
