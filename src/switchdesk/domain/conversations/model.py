"""Contacts and conversations: plain values and the conversation state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from switchdesk.domain.errors import Conflict, ValidationFailed

MESSAGE_MAX_CHARS = 4000
NOTE_MAX_CHARS = 4000


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT_VISITOR = "chat_visitor"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    client_account_id: str
    name: str
    created_at: datetime
    identities: tuple[Identity, ...] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)
    merged_into: str | None = None
    """Set when this contact was merged into another (``contact_matching.py``): its old
    id resolves to that contact."""

    def identity(self, kind: IdentityKind) -> str | None:
        return next((i.value for i in self.identities if i.kind is kind), None)


class ConversationState(StrEnum):
    OPEN = "open"
    WAITING = "waiting"
    ASSIGNED = "assigned"
    ON_HOLD = "on_hold"
    PENDING = "pending"
    """Answered, waiting on the customer: no interaction, no agent capacity held; the
    customer's next message routes it again, preferring the agent who set it."""
    RESOLVED = "resolved"
    REOPENED = "reopened"


_S = ConversationState
TRANSITIONS: dict[ConversationState, frozenset[ConversationState]] = {
    _S.OPEN: frozenset({_S.WAITING, _S.RESOLVED}),
    _S.WAITING: frozenset({_S.ASSIGNED, _S.WAITING, _S.RESOLVED}),
    _S.ASSIGNED: frozenset({_S.ON_HOLD, _S.WAITING, _S.PENDING, _S.RESOLVED}),
    _S.ON_HOLD: frozenset({_S.ASSIGNED, _S.WAITING, _S.RESOLVED}),
    _S.PENDING: frozenset({_S.WAITING, _S.RESOLVED}),
    _S.RESOLVED: frozenset({_S.REOPENED}),
    _S.REOPENED: frozenset({_S.WAITING, _S.RESOLVED}),
}


def check_transition(current: ConversationState, new: ConversationState) -> None:
    """Raise Conflict when a conversation may not go from ``current`` to ``new``."""
    if new not in TRANSITIONS[current]:
        raise Conflict(
            f"a conversation cannot go from {current.value} to {new.value}",
            code="conversation_state",
            state=current.value,
        )


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    client_account_id: str
    contact_id: str
    channel_id: str
    channel_kind: str
    state: ConversationState
    created_at: datetime
    updated_at: datetime
    queue_id: str | None = None
    agent_id: str | None = None
    interaction_id: str | None = None
    interaction_count: int = 0
    resolved_at: datetime | None = None
    needs_wrap_up: bool = False
    wrap_up_agent_id: str | None = None
    disposition: str | None = None
    wrap_up_notes: str = ""
    csat_score: int | None = None
    csat_comment: str = ""
    customer_token_hash: str = ""


class AuthorKind(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    author_kind: AuthorKind
    author_name: str
    text: str
    at: datetime
    author_id: str | None = None
    internal: bool = False
    client_id: str | None = None


def clean_text(text: str, *, limit: int = MESSAGE_MAX_CHARS, what: str = "a message") -> str:
    """Strip and check a message or note; raise a clear error when empty or too long."""
    value = text.strip()
    if not value:
        raise ValidationFailed(f"{what} cannot be empty", code="message_empty")
    if len(value) > limit:
        raise ValidationFailed(
            f"{what} has at most {limit} characters (got {len(value)})",
            code="message_too_long",
            limit=limit,
        )
    return value


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    conversation_id: str
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: str
    contact_id: str
    due_at: datetime
    note: str
    created_by: str
    created_at: datetime
    conversation_id: str | None = None
    done: bool = False
    routed_conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class WrapUpCode:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """What the center knows about a queue beyond routing: names, wrap-up, SL threshold.

    ``routing`` is the routing engine's ``QueueConfig.to_dict()`` for this queue.
    """

    id: str
    name: str
    client_account_id: str | None
    routing: dict[str, Any]
    wrap_up_codes: tuple[WrapUpCode, ...] = ()
    wrap_up_required: bool = False
    threshold_seconds: float = 20.0
    escalation_queue_id: str | None = None
    first_response_seconds: float | None = None
    """The inbox's first-response target; None: the channel kind's default (inbox.py)."""
    next_response_seconds: float | None = None
    """The inbox's next-response target; None: the channel kind's default."""

    def has_code(self, code: str) -> bool:
        return any(c.code == code for c in self.wrap_up_codes)


class ChannelKind(StrEnum):
    WEB_CHAT = "web_chat"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    SMS = "sms"
    VOICE = "voice"


@dataclass(frozen=True, slots=True)
class Channel:
    """One way in: a web chat widget, an email inbox, a WhatsApp number...

    ``address`` is the channel's own address at its provider, by which inbound traffic
    finds it: the inbox's email address, the WhatsApp ``phone_number_id``, the Messenger
    page id, the SMS number (empty for web chat, found by ``slug``). ``settings`` holds
    the channel's options that are not secret (``channel_settings.py``); secrets are
    never stored: ``settings["secrets"]`` names them and the server's secret source holds
    them.
    """

    id: str
    slug: str
    name: str
    kind: ChannelKind
    client_account_id: str
    queue_id: str
    greeting: str = ""
    enabled: bool = True
    address: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """A user who takes contacts: routing attributes and weighted capacity."""

    user_id: str
    attributes: dict[str, Any]
    capacity: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NotReadyReason:
    code: str
    label: str
