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
