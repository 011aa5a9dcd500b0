"""The channel port: how channel adapters meet the conversation core.

Inbound, an adapter (an SMTP server, an IMAP poller, a webhook route) finds its channel
through :class:`ChannelIntake.endpoint` (by the provider's key for it), verifies and
normalises what arrived, and hands the items to :meth:`ChannelIntake.receive`: once the
returned future settles they are stored (duplicates by external id dropped) and routed.

Outbound, the core writes each reply to a delivery queue in the same transaction as the
message, and after the commit a dispatcher calls the :class:`ChannelSender` of the
channel's kind, outside the writer (senders may block on the network), retrying temporary
failures with backoff and recording the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from switchdesk.domain.conversations.channels import InboundItem, OutboundMessage, SendResult
from switchdesk.domain.conversations.model import Channel, ChannelKind


@dataclass(frozen=True, slots=True)
class ChannelEndpoint:
    """A channel with what its adapter needs: ``secrets`` are decrypted values (an app
    secret, a verify token, an auth token, an SMTP password) and are never logged."""

    channel: Channel
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def secret(self, name: str) -> str:
        return self.secrets.get(name, "")


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A provider's webhook call as it arrived. ``public_url`` is the URL the provider was
    configured to call (the configured public base plus the path), never the request's
    own Host; ``headers`` have lower-case names; ``body`` is the raw bytes."""

    method: str
    public_url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What to answer: ``status`` with ``body``; an error status carries a stable
    ``code`` (problem+json)."""

    status: int
    body: str = ""
    code: str = ""
    media_type: str = "text/plain"


class WebhookHandler(Protocol):
    """One provider's webhooks: verify, normalise, hand to the core, answer."""

    async def handle(self, slug: str, request: WebhookRequest) -> WebhookAnswer: ...


class SecretSource(Protocol):
    """Where channel credentials live outside the database (environment variables,
    mounted secret files). A channel's ``settings["secrets"]`` maps each secret's name
    (``app_secret``, ``access_token``...) to its name in the source."""

    def get(self, name: str) -> str | None: ...


class ChannelSender(Protocol):
    """Delivers outbound messages of one channel kind (raises ``DeliveryFailed``)."""

    kind: ChannelKind

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult: ...


class ChannelIntake(Protocol):
    """What inbound adapters call."""

    def endpoint(self, kind: ChannelKind, key: str) -> ChannelEndpoint | None:
        """The enabled channel of ``kind`` whose provider address is ``key`` (or, for web
        chat, whose slug is ``key``)."""
        ...

    def receive(self, items: Sequence[InboundItem]) -> Future[None]:
        """Store and route ``items``; the future settles after the commit."""
        ...
