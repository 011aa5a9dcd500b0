"""What crosses the channel port: channel-neutral values every channel adapter produces
(inbound messages, delivery statuses, opt-outs) and consumes (outbound messages).

An adapter (web chat, email, WhatsApp, Messenger, SMS, later voice) turns its wire format
into these values and back; the conversation core never sees a MIME part or a webhook
payload. Pure values: no IO, times passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from switchdesk.domain.conversations.model import ChannelKind, Identity

ROUTING_KIND = {
    ChannelKind.WEB_CHAT: "chat",
    ChannelKind.EMAIL: "email",
    ChannelKind.WHATSAPP: "messaging",
    ChannelKind.MESSENGER: "messaging",
    ChannelKind.SMS: "messaging",
    ChannelKind.VOICE: "voice",
}
"""The routing engine's channel kind (capacity cost, per-kind maximum) for each channel
kind: the messaging apps share one capacity kind."""


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """A file that came with an inbound message, as the adapter received it.

    ``data`` holds the bytes; an adapter that did not keep them says why: ``size`` (the
    bytes it saw, with ``too_large``) or ``media_ref`` (a messaging app's media id or URL
    it did not download)."""

    filename: str
    content_type: str
    data: bytes = b""
    size: int | None = None
    too_large: bool = False
    media_ref: str = ""

    @property
    def byte_size(self) -> int:
        """The attachment's size in bytes (``-1``: unknown)."""
        if self.size is not None:
            return self.size
        return len(self.data) if self.data or not self.media_ref else -1


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message a contact sent on a channel, normalised by the channel's adapter.

    ``external_id`` is the provider's own id for the message (the email's Message-ID, a
    WhatsApp ``wamid``, a Messenger ``mid``, a Twilio ``MessageSid``): the core stores each
    external id once per channel, so a provider's retry days later is dropped.

    ``replies_to`` lists the external ids this message answers, best first (for email:
    In-Reply-To, then References newest first). ``conversation_hint`` is one of our own
    conversation ids that the adapter found in the message (our Message-ID pattern, a
    ``reply+<id>@`` address); the core only uses it when that conversation belongs to the
    same contact. ``automatic`` marks auto-replies, bulk mail and bounces: stored, but they
    never reopen a conversation or trigger automatic mail.

    ``conversation_id`` is set by a session channel (web chat), whose adapter has already
    authenticated the conversation (the customer's chat token): the core checks that it
    belongs to ``channel_id``, takes its contact as the sender (``sender`` is not looked
    up) and does no threading. ``external_id`` is then the sender's idempotency key for
    the message within that conversation (web chat: the page's ``client_id``; empty: none),
    and a repeat is answered with the message stored the first time.
    """

    channel_id: str
    sender: Identity
    sender_name: str
    text: str
    external_id: str
    received_at: datetime
    subject: str = ""
    html: str = ""
    replies_to: tuple[str, ...] = ()
    conversation_hint: str | None = None
    automatic: bool = False
    attachments: tuple[InboundAttachment, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None


class DeliveryStatus(StrEnum):
    """Where an outbound message is. Statuses only move forward (see :func:`advance`)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
}


def advance(current: DeliveryStatus, reported: DeliveryStatus) -> DeliveryStatus:
    """The status after a provider reports ``reported``: never backwards (a ``delivered``
    arriving after ``read`` changes nothing), and ``failed`` is final."""
    if current is DeliveryStatus.FAILED:
        return current
    return reported if _RANK[reported] > _RANK[current] else current


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A provider's word on one of our outbound messages (by the provider's id for it)."""

    channel_id: str
    external_id: str
    status: DeliveryStatus
    at: datetime
    error: str = ""


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """A contact opted out of (STOP) or back into (START) a channel."""

    channel_id: str
    sender: Identity
    opted_in: bool
    at: datetime
    keyword: str = ""


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery report about one of our mails: ``permanent`` (5.x.x) marks the address
    undeliverable; a temporary one (4.x.x) is only noted. ``conversation_hint`` is the
    conversation the adapter found in the bounced mail's Message-ID (our pattern); the
    core only uses it when that conversation's contact has the bounced address."""

    channel_id: str
    recipient: str
    permanent: bool
    status_code: str
    original_external_id: str | None
    at: datetime
    diagnostic: str = ""
    conversation_hint: str | None = None


InboundItem = InboundMessage | StatusReport | ConsentChange | Bounce
"""Anything an adapter hands the core."""


@dataclass(frozen=True, slots=True)
class Template:
    """An approved message template (WhatsApp), sent outside the service window."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message the core asks a channel to deliver (after its transaction commits).

    ``delivery_id`` is stable across retries: an adapter that can pass an idempotency key
    to its provider uses it. ``in_reply_to`` and ``references`` are the external ids of
    the conversation's earlier messages (email threading). ``automatic`` is set on mail no
    person wrote (acknowledgements, notifications): email adds ``Auto-Submitted``.
    ``human_agent`` marks a reply a person wrote (Messenger's HUMAN_AGENT tag).
    ``message_tag`` is set by the core when the reply goes out after the standard window
    (Messenger: ``"HUMAN_AGENT"``, from ``reply_allowance``); empty inside the window.
    """

    delivery_id: str
    message_id: str
    conversation_id: str
    channel_id: str
    to: Identity
    to_name: str
    text: str
    subject: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: bool = False
    human_agent: bool = True
    template: Template | None = None
    quoted: str = ""
    message_tag: str = ""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider's id for what it accepted (used to match later status reports)."""

    external_id: str
    status: DeliveryStatus = DeliveryStatus.SENT


class DeliveryFailed(Exception):
    """Raised by a channel sender: ``permanent`` failures (a 5xx SMTP reply, an opted-out
    number, a message outside the service window) are not retried; the others are, with
    backoff."""

    def __init__(self, detail: str, *, permanent: bool, code: str = "delivery_failed") -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.code = code
