"""The shared inbox's rules: a conversation's inbox status and its SLA clock.

Status is a view over the conversation state machine (``model.py``), not a second state:

- ``open`` (waiting for us): open, waiting, assigned, on hold, reopened;
- ``pending`` (waiting on the customer): the ``PENDING`` state, set by an agent who has
  answered; the customer's next message moves it back to waiting (open) by itself;
- ``resolved``: resolved.

The SLA clock is computed from the conversation's messages alone, in calendar time
(business hours come later): the oldest customer message that no agent has answered
since starts it; the target is the queue's first-response target while no agent has ever
answered, its next-response target after that. Internal notes and system messages (the
automatic acknowledgement, transfer notices) are not answers. A pending or resolved
conversation owes nothing, so its clock is stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from switchdesk.domain.conversations.model import (
    AuthorKind,
    ChannelKind,
    ConversationState,
    Message,
)


class InboxStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"


_STATUS: dict[ConversationState, InboxStatus] = {
    ConversationState.OPEN: InboxStatus.OPEN,
    ConversationState.WAITING: InboxStatus.OPEN,
    ConversationState.ASSIGNED: InboxStatus.OPEN,
    ConversationState.ON_HOLD: InboxStatus.OPEN,
    ConversationState.REOPENED: InboxStatus.OPEN,
    ConversationState.PENDING: InboxStatus.PENDING,
    ConversationState.RESOLVED: InboxStatus.RESOLVED,
}


def inbox_status(state: ConversationState) -> InboxStatus:
    """The inbox status of a conversation state (every state has one)."""
    return _STATUS[state]


INBOX_CHANNEL_KINDS = frozenset(
    {ChannelKind.EMAIL, ChannelKind.WHATSAPP, ChannelKind.MESSENGER, ChannelKind.SMS}
)
"""The asynchronous channels the inbox holds; web chat is live and lives on the desk."""


@dataclass(frozen=True, slots=True)
class SlaTargets:
    first_response: timedelta
    next_response: timedelta


EMAIL_DEFAULT = SlaTargets(timedelta(hours=8), timedelta(hours=8))
MESSAGING_DEFAULT = SlaTargets(timedelta(hours=1), timedelta(hours=1))


def sla_targets(
    kind: ChannelKind,
    first_response_seconds: float | None = None,
    next_response_seconds: float | None = None,
) -> SlaTargets:
    """The queue's targets, each defaulting by channel kind (email 8 h / 8 h, messaging
    and web chat 1 h / 1 h)."""
    default = EMAIL_DEFAULT if kind is ChannelKind.EMAIL else MESSAGING_DEFAULT
    first = (
        default.first_response
        if first_response_seconds is None
        else timedelta(seconds=first_response_seconds)
    )
    following = (
        default.next_response
        if next_response_seconds is None
        else timedelta(seconds=next_response_seconds)
    )
    return SlaTargets(first, following)


class SlaKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"


@dataclass(frozen=True, slots=True)
class SlaClock:
    """What is owed: by when (``due_at``), which target, and whether it is past."""

    kind: SlaKind
    since: datetime
    due_at: datetime
    breached: bool


def is_answer(message: Message) -> bool:
    """An agent's reply the customer sees (not a note, not an automatic message)."""
    return message.author_kind is AuthorKind.AGENT and not message.internal


def sla_clock(
    messages: Iterable[Message],
    targets: SlaTargets,
    now: datetime,
    status: InboxStatus = InboxStatus.OPEN,
) -> SlaClock | None:
    """The running SLA clock, or None when nothing is owed (no unanswered customer
    message, or the conversation is pending or resolved)."""
    if status is not InboxStatus.OPEN:
        return None
    answered = False
    waiting_since: datetime | None = None
    for message in sorted(messages, key=lambda m: m.at):
        if is_answer(message):
            answered = True
            waiting_since = None
        elif message.author_kind is AuthorKind.CONTACT and waiting_since is None:
            waiting_since = message.at
    if waiting_since is None:
        return None
    if answered:
        kind, target = SlaKind.NEXT_RESPONSE, targets.next_response
    else:
        kind, target = SlaKind.FIRST_RESPONSE, targets.first_response
    due = waiting_since + target
    return SlaClock(kind, waiting_since, due, now >= due)
