"""Inbound traffic from any channel adapter, channel-neutral: find or create the contact
by the sender's identity, drop duplicates by the provider's id, choose the conversation
(``domain/conversations/threading.py``), store the message, and route what needs a person.

Runs inside the live center's writer, in the batch's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from switchdesk.domain.conversations.channels import (
    ROUTING_KIND,
    ConsentChange,
    InboundItem,
    InboundMessage,
)
from switchdesk.domain.conversations.model import (
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    ConversationState,
    Message,
)
from switchdesk.domain.conversations.threading import (
    REFERENCE_THREADED,
    Candidate,
    choose_thread,
)
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.usecases.live.conversations import (
    ConversationCore,
    add_message,
    add_timeline,
    at_time,
    enqueue,
    move,
    open_conversation,
)
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork

NAME_MAX_CHARS = 200
TEXT_MAX_CHARS = 100_000
"""Longer inbound text (a long mail) is kept up to here, with a note that it was cut."""


class IntakeCore(ConversationCore, Protocol):
    """The parts of the live center that inbound handling uses."""

    def channel_by_id(self, channel_id: str) -> Channel | None: ...


def receive_item(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, out: Outbox, item: InboundItem
) -> str | None:
    """Handle one item; returns the conversation a message went to (None: a duplicate)."""
    if isinstance(item, ConsentChange):
        return record_consent(core, uow, now, item)
    if not isinstance(item, InboundMessage):
        raise ValidationFailed(
            f"{type(item).__name__} is not handled by the conversation core yet",
            code="inbound_item_unsupported",
        )
    return receive_message(core, uow, now, out, item)


def record_consent(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, change: ConsentChange
) -> str | None:
    """Note an opt-out (STOP) or opt-in on the contact's newest conversation on that
    channel, where agents and reports see it (None: no such contact or conversation)."""
    channel = core.channel_by_id(change.channel_id)
    if channel is None:
        raise NotFound(f"channel {change.channel_id!r} not found", code="channel_not_found")
    contact = uow.contact_by_identity(
        channel.client_account_id, change.sender.kind, change.sender.value
    )
    if contact is None:
        return None
    mine = [c for c in uow.conversations_of_contact(contact.id) if c.channel_id == channel.id]
    if not mine:
        return None
    conv = max(mine, key=lambda c: c.updated_at)
    at = at_time(now)
    add_timeline(
        uow,
        conv,
        at,
        "opted_in" if change.opted_in else "opted_out",
        "contact",
        channel=channel.slug,
        keyword=change.keyword,
    )
    return conv.id


def _contact(
    core: IntakeCore, uow: LiveUnitOfWork, channel: Channel, m: InboundMessage, at: datetime
) -> Contact:
    found = uow.contact_by_identity(channel.client_account_id, m.sender.kind, m.sender.value)
    if found is not None:
        return found
    name = " ".join(m.sender_name.split())[:NAME_MAX_CHARS] or m.sender.value[:NAME_MAX_CHARS]
    contact = Contact(core.new_id(), channel.client_account_id, name, at, (m.sender,), {})
    uow.add_contact(contact)
    return contact


def _text(m: InboundMessage) -> str:
    text = m.text.strip()
    if not text:
        text = f"[{m.subject.strip()}]" if m.subject.strip() else "[no text]"
    if len(text) > TEXT_MAX_CHARS:
        text = text[:TEXT_MAX_CHARS] + "\n[message shortened; the full text is kept with it]"
    return text


def receive_message(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, out: Outbox, m: InboundMessage
) -> str | None:
    channel = core.channel_by_id(m.channel_id)
    if channel is None or not channel.enabled:
        raise NotFound(f"channel {m.channel_id!r} not found", code="channel_not_found")
    if not m.external_id or len(m.external_id) > 998:
        raise ValidationFailed("an inbound message needs its provider's id (1 to 998 characters)")
    if uow.conversation_by_external_id(channel.id, m.external_id) is not None:
        return None  # a provider's retry: stored already
    at = at_time(now)
    contact = _contact(core, uow, channel, m, at)
    mine = [c for c in uow.conversations_of_contact(contact.id) if c.channel_id == channel.id]
    by_reference = channel.kind in REFERENCE_THREADED  # only they match by provider ids
    candidates = [
        Candidate(
            c.id,
            c.state,
            c.updated_at,
            frozenset(uow.external_ids(c.id)) if by_reference else frozenset(),
            c.resolved_at,
        )
        for c in mine
    ]
    choice = choose_thread(channel.kind, m, candidates)
    text = _text(m)
    kind = ROUTING_KIND[channel.kind]
    detail = {"channel": channel.slug, "external_id": m.external_id, "subject": m.subject}
    conv = uow.conversation(choice.conversation_id) if choice.conversation_id else None
    if conv is None:
        conv = open_conversation(core, uow, contact, channel.id, kind, at)
        add_timeline(uow, conv, at, "created", "contact", **detail)
        message = add_message(core, uow, out, conv, AuthorKind.CONTACT, contact.name, text, at)
        if m.automatic:
            # Stored for the record; nobody needs to answer an auto-reply or a newsletter.
            add_timeline(uow, conv, at, "automatic", "system", **detail)
            uow.save_conversation(move(conv, ConversationState.RESOLVED, at, resolved_at=at))
        else:
            enqueue(core, uow, now, out, conv, channel.queue_id, kind)
    else:
        if not choice.reopen:
            uow.save_conversation(replace(conv, updated_at=at))
            add_timeline(
                uow, conv, at, "received", "contact", matched_by=choice.matched_by, **detail
            )
        message = store_in_conversation(
            core,
            uow,
            now,
            out,
            channel,
            conv,
            contact.name,
            text,
            reopen=choice.reopen,
            detail=detail,
        )
    uow.add_external_id(channel.id, m.external_id, conv.id, message.id)
    return conv.id


def store_in_conversation(
    core: IntakeCore,
    uow: LiveUnitOfWork,
    now: float,
    out: Outbox,
    channel: Channel,
    conv: Conversation,
    author_name: str,
    text: str,
    *,
    reopen: bool,
    client_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Message:
    """Store a contact's message in a conversation the channel chose (by threading, or
    web chat by its token). With ``reopen`` the ended conversation opens again and is
    enqueued, preferring the agent who handled it; ``detail`` goes to that timeline entry."""
    at = at_time(now)
    if not reopen:
        return add_message(
            core, uow, out, conv, AuthorKind.CONTACT, author_name, text, at, client_id=client_id
        )
    reopened = move(conv, ConversationState.REOPENED, at, resolved_at=None, csat_score=None)
    uow.save_conversation(reopened)
    add_timeline(uow, conv, at, "reopened", "contact", **(detail or {}))
    message = add_message(
        core, uow, out, reopened, AuthorKind.CONTACT, author_name, text, at, client_id=client_id
    )
    enqueue(
        core,
        uow,
        now,
        out,
        reopened,
        conv.queue_id or channel.queue_id,
        ROUTING_KIND[channel.kind],
        preferred_agent_id=conv.wrap_up_agent_id or None,
    )
    return message
