"""switchdesk: an open-source, self-hosted omnichannel contact-center platform."""

__version__ = "0.1.0.dev0"
