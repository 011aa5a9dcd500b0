"""Which conversation an inbound message joins, for every channel kind.

Email threads by reference: the message's ``replies_to`` ids (In-Reply-To, then
References newest first) are looked up among the external ids of the contact's own
conversations on that channel, then our own ``conversation_hint``; with no match the mail
starts a new conversation. Never by subject, and never across contacts: a reply that
quotes another contact's thread (a newsletter, a forwarded mail) starts its own.

A phone call always starts a new conversation.

Messaging apps and SMS have no threads: a message joins the contact's conversation on
that channel that is still open, or one resolved less than ``reopen_within`` ago (which
reopens), else it starts a new one. Automatic messages (auto-replies, bounces) join a
match but never reopen it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import ChannelKind, ConversationState

REFERENCE_THREADED = frozenset({ChannelKind.EMAIL})
DEFAULT_REOPEN_WITHIN = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the sender's conversations on the message's channel."""

    conversation_id: str
    state: ConversationState
    updated_at: datetime
    external_ids: frozenset[str] = frozenset()
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ThreadChoice:
    """``conversation_id`` None: start a new conversation. ``reopen``: the chosen one was
    resolved and this message opens it again (and routes it)."""

    conversation_id: str | None
    reopen: bool = False
    matched_by: str = "new"


def _join(candidate: Candidate, message: InboundMessage, matched_by: str) -> ThreadChoice:
    resolved = candidate.state is ConversationState.RESOLVED
    return ThreadChoice(candidate.conversation_id, resolved and not message.automatic, matched_by)


def choose_thread(
    kind: ChannelKind,
    message: InboundMessage,
    candidates: Sequence[Candidate],
    *,
    reopen_within: timedelta = DEFAULT_REOPEN_WITHIN,
) -> ThreadChoice:
    """The conversation ``message`` joins among ``candidates`` (all of the same contact
    and channel; the caller scopes them)."""
    if kind is ChannelKind.VOICE:
        return ThreadChoice(None)  # every call is a conversation of its own
    if kind in REFERENCE_THREADED:
        for ref in message.replies_to:
            for candidate in candidates:
                if ref in candidate.external_ids:
                    return _join(candidate, message, "reference")
        if message.conversation_hint:
            for candidate in candidates:
                if candidate.conversation_id == message.conversation_hint:
                    return _join(candidate, message, "hint")
        return ThreadChoice(None)
    newest = sorted(candidates, key=lambda c: c.updated_at, reverse=True)
    for candidate in newest:
        if candidate.state is not ConversationState.RESOLVED:
            return ThreadChoice(candidate.conversation_id, False, "open")
    for candidate in newest:
        ended = candidate.resolved_at or candidate.updated_at
        if message.received_at - ended < reopen_within:
            return _join(candidate, message, "recent")
    return ThreadChoice(None)
