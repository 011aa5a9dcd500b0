"""The conversation core's two writes that every channel and command shares: storing a
message (timeline entry, live messages to the customer's feed and the agent's desk)
and enqueueing a conversation as a new interaction in the routing engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from switchdesk.domain.conversations.model import (
    AuthorKind,
    Contact,
    Conversation,
    ConversationState,
    Message,
    TimelineEntry,
    check_transition,
)
from switchdesk.domain.privacy.policy import Redaction
from switchdesk.domain.routing import RoutingEngine, RoutingEvent
from switchdesk.usecases.live.views import message_view
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork


def at_time(now: float) -> datetime:
    """The batch's time (seconds) as an aware datetime."""
    return datetime.fromtimestamp(now, UTC)


def add_timeline(
    uow: LiveUnitOfWork, conv: Conversation, at: datetime, kind: str, actor: str, **detail: Any
) -> None:
    """Append an entry to the conversation's timeline (what happened, by whom)."""
    uow.append_timeline(TimelineEntry(conv.id, at, kind, actor, detail))


def move(
    conv: Conversation, state: ConversationState, at: datetime, **changes: Any
) -> Conversation:
    """The conversation in ``state`` (a transition the state machine allows) with ``changes``."""
    check_transition(conv.state, state)
    return replace(conv, state=state, updated_at=at, **changes)


class ConversationCore(Protocol):
    """The parts of the live center that storing and enqueueing use."""

    @property
    def engine(self) -> RoutingEngine: ...
    def new_id(self) -> str: ...
    def route(
        self,
        uow: LiveUnitOfWork,
        now: float,
        out: Outbox,
        action: Callable[[float], list[RoutingEvent]],
    ) -> None: ...
    def remember_interaction(self, interaction_id: str, conversation_id: str) -> None: ...
    def redact(
        self, client_account_id: str, text: str, *, before: str | None, same_author: bool
    ) -> Redaction:
        """``text`` with the client account's redaction policy applied."""
        ...


def open_conversation(
    core: ConversationCore,
    uow: LiveUnitOfWork,
    contact: Contact,
    channel_id: str,
    kind: str,
    at: datetime,
    *,
    customer_token_hash: str = "",
) -> Conversation:
    """Store a new open conversation with ``contact`` (capacity ``kind``), in their
    client account."""
    conv = Conversation(
        id=core.new_id(),
        client_account_id=contact.client_account_id,
        contact_id=contact.id,
        channel_id=channel_id,
        channel_kind=kind,
        state=ConversationState.OPEN,
        created_at=at,
        updated_at=at,
        customer_token_hash=customer_token_hash,
    )
    uow.add_conversation(conv)
    return conv


def add_message(
    core: ConversationCore,
    uow: LiveUnitOfWork,
    out: Outbox,
    conv: Conversation,
    author: AuthorKind,
    author_name: str,
    text: str,
    at: datetime,
    *,
    author_id: str | None = None,
    internal: bool = False,
    client_id: str | None = None,
    attach: Callable[[Message], Sequence[dict[str, Any]]] | None = None,
) -> Message:
    """Store a message; the customer's feed gets it unless ``internal``, the agent's
    desk (or the agent in wrap-up) always. ``attach`` stores the message's attachments
    (after the message, before it is published) and returns their views."""
    text = _redacted(core, uow, out, conv, author, author_id, text)
    message = Message(
        core.new_id(), conv.id, author, author_name, text, at, author_id, internal, client_id
    )
    uow.add_message(message)
    add_timeline(
        uow,
        conv,
        at,
        "internal_note" if internal else "message",
        f"{author.value}:{author_name}",
        message_id=message.id,
        text=text[:200],
    )
    view = message_view(message, list(attach(message)) if attach else None)
    if not internal:
        out.send(f"conversation:{conv.id}", {"type": "message", **view})
    agent = conv.agent_id or conv.wrap_up_agent_id
    if agent:
        out.send(f"agent:{agent}", {"type": "message", **view})
    return message


def _redacted(
    core: ConversationCore,
    uow: LiveUnitOfWork,
    out: Outbox,
    conv: Conversation,
    author: AuthorKind,
    author_id: str | None,
    text: str,
) -> str:
    """``text`` as it may be stored: personal data the client account's policy names is
    replaced before anything is written. When it finishes a card number that the same
    author began at the end of the conversation's last message, that message is
    redacted too (and the desk told)."""
    stored = uow.messages(conv.id)
    last = stored[-1] if stored else None
    same = last is not None and last.author_kind is author and last.author_id == author_id
    redaction = core.redact(
        conv.client_account_id, text, before=last.text if last else None, same_author=same
    )
    if redaction.previous is not None and last is not None:
        uow.redact_message(conv.id, last.id, redaction.previous)
        frame = {
            "type": "message_redacted",
            "conversation_id": conv.id,
            "id": last.id,
            "text": redaction.previous,
        }
        if not last.internal:
            out.send(f"conversation:{conv.id}", frame)
        agent = conv.agent_id or conv.wrap_up_agent_id
        if agent:
            out.send(f"agent:{agent}", frame)
    return redaction.text


def enqueue(
    core: ConversationCore,
    uow: LiveUnitOfWork,
    now: float,
    out: Outbox,
    conv: Conversation,
    queue_id: str,
    kind: str,
    preferred_agent_id: str | None = None,
) -> Conversation:
    """Wait in ``queue_id`` as the conversation's next interaction (capacity ``kind``)."""
    count = conv.interaction_count + 1
    ix_id = f"{conv.id}/{count}"
    waiting = move(
        conv,
        ConversationState.WAITING,
        at_time(now),
        queue_id=queue_id,
        agent_id=None,
        interaction_id=ix_id,
        interaction_count=count,
    )
    uow.save_conversation(waiting)
    core.remember_interaction(ix_id, conv.id)
    core.route(
        uow,
        now,
        out,
        lambda t: core.engine.enqueue(
            ix_id,
            t,
            channel_kind=kind,
            queue_id=queue_id,
            contact_id=conv.contact_id,
            attributes={"client_account": conv.client_account_id},
            preferred_agent_id=preferred_agent_id,
        ),
    )
    return uow.conversation(conv.id) or waiting
