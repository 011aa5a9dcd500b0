"""The shared inbox: the asynchronous conversations (email, WhatsApp, Messenger, SMS) of
the caller's client accounts with their status and SLA clock, and what people do there:
assign (to oneself or, for a team leader, to an agent), set pending, resolve.

Assigning goes through the routing engine (the interaction is transferred to the agent,
who must be eligible for it and have capacity), never around it. Setting pending ends
the agent's part of the interaction without after-contact work, so a conversation that
waits on the customer holds no capacity; the customer's next message routes it again,
preferring that agent (``intake.store_in_conversation``). Rules: docs/inbox.md."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.inbox import (
    INBOX_CHANNEL_KINDS,
    InboxStatus,
    SlaClock,
    inbox_status,
    sla_clock,
    sla_targets,
)
from switchdesk.domain.conversations.model import (
    AuthorKind,
    ChannelKind,
    Conversation,
    ConversationState,
    Message,
)
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchdesk.usecases.live.commands import finish_assigned
from switchdesk.usecases.live.conversations import add_timeline, at_time, move
from switchdesk.usecases.live.desk import (
    DeskCore,
    check_wrap_up_code,
    record_wrap_up,
    require_agent,
)
from switchdesk.usecases.live.views import conversation_or_404
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.principal import Principal

PAGE_DEFAULT = 50
PAGE_MAX = 200
RESOLVED_WINDOW = timedelta(days=30)
"""Resolved conversations are listed for this long after they were resolved."""
PREVIEW_CHARS = 140

_STATES: dict[InboxStatus, frozenset[ConversationState]] = {
    status: frozenset(s for s in ConversationState if inbox_status(s) is status)
    for status in InboxStatus
}


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the list shows. ``assignee``: ``me``, ``unassigned`` or an agent's user id."""

    statuses: frozenset[InboxStatus] = frozenset({InboxStatus.OPEN, InboxStatus.PENDING})
    channel_kind: ChannelKind | None = None
    queue_id: str | None = None
    assignee: str | None = None
    breached: bool | None = None
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


def assignee_of(conv: Conversation) -> str | None:
    """Who has it: the assigned agent; for a pending or resolved one, the agent it goes
    back to (the last who handled it); nobody while it waits in a queue."""
    if conv.agent_id:
        return conv.agent_id
    if conv.state in (ConversationState.PENDING, ConversationState.RESOLVED):
        return conv.wrap_up_agent_id
    return None


def _sort_key(clock: SlaClock | None, conv: Conversation) -> tuple[str, str, str]:
    # Due first (soonest first), then those owing nothing; oldest first within each.
    due = clock.due_at.isoformat() if clock else "~"
    return (due, conv.created_at.isoformat(), conv.id)


def _encode_cursor(key: tuple[str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise ValidationFailed("the cursor is not one this list gave", code="inbox_cursor_invalid")
    return (value[0], value[1], value[2])


def _preview(messages: Sequence[Message]) -> str:
    first = next((m for m in messages if m.author_kind is AuthorKind.CONTACT), None)
    if first is None:
        return ""
    line = next((ln.strip() for ln in first.text.splitlines() if ln.strip()), "")
    return line[:PREVIEW_CHARS]


def _subject(uow: LiveUnitOfWork, conv: Conversation) -> str:
    for entry in uow.timeline(conv.id):
        if entry.kind == "created":
            subject = entry.detail.get("subject", "")
            return subject if isinstance(subject, str) else ""
    return ""


def clock_of(
    core: DeskCore, conv: Conversation, messages: Sequence[Message], now: datetime
) -> SlaClock | None:
    """The conversation's SLA clock under its queue's targets."""
    queue = core.queue_map.get(conv.queue_id or "")
    channel = core.channel_by_id(conv.channel_id)
    kind = channel.kind if channel else ChannelKind.EMAIL
    targets = sla_targets(
        kind,
        queue.first_response_seconds if queue else None,
        queue.next_response_seconds if queue else None,
    )
    return sla_clock(messages, targets, now, inbox_status(conv.state))


def list_inbox(
    core: DeskCore, uow: LiveUnitOfWork, actor: Principal, f: InboxFilter, now: datetime
) -> dict[str, Any]:
    """One page of the inbox, sorted by SLA due time, then age; ``next_cursor`` pages on."""
    actor.require(Permission.CONTACTS_READ)
    if not 1 <= f.limit <= PAGE_MAX:
        raise ValidationFailed(f"limit is 1 to {PAGE_MAX}", code="inbox_filter_invalid")
    after = _decode_cursor(f.cursor) if f.cursor else None
    me = actor.user.id if actor.user else None
    if f.assignee == "me" and me is None:
        raise ValidationFailed("only a person has conversations", code="inbox_filter_invalid")
    user = actor.user
    scope = None if user is None or user.sees_every_client_account() else user.client_account_ids
    kinds = [f.channel_kind.value] if f.channel_kind else [k.value for k in INBOX_CHANNEL_KINDS]
    states = frozenset().union(*(_STATES[s] for s in f.statuses))
    found = uow.inbox_conversations(kinds, states, scope, now - RESOLVED_WINDOW)
    convs = [c for c in found if f.queue_id is None or c.queue_id == f.queue_id]
    if f.assignee == "me":
        convs = [c for c in convs if assignee_of(c) == me]
    elif f.assignee == "unassigned":
        convs = [c for c in convs if assignee_of(c) is None]
    elif f.assignee is not None:
        convs = [c for c in convs if assignee_of(c) == f.assignee]
    messages = uow.messages_of([c.id for c in convs])
    rows = []
    for conv in convs:
        clock = clock_of(core, conv, messages[conv.id], now)
        if f.breached is not None and bool(clock and clock.breached) is not f.breached:
            continue
        rows.append((_sort_key(clock, conv), conv, clock))
    rows.sort(key=lambda r: r[0])
    if after is not None:
        rows = [r for r in rows if r[0] > after]
    page = rows[: f.limit]
    more = len(rows) > f.limit
    return {
        "items": [item_view(core, uow, c, messages[c.id], k, now) for _, c, k in page],
        "next_cursor": _encode_cursor(page[-1][0]) if more else None,
        "now": now.isoformat(),
    }


def item_view(
    core: DeskCore,
    uow: LiveUnitOfWork,
    conv: Conversation,
    messages: Sequence[Message],
    clock: SlaClock | None,
    now: datetime,
) -> dict[str, Any]:
    """One row of the inbox."""
    contact = uow.contact(conv.contact_id)
    channel = core.channel_by_id(conv.channel_id)
    assignee = assignee_of(conv)
    return {
        "id": conv.id,
        "contact": {"id": conv.contact_id, "name": contact.name if contact else ""},
        "subject": _subject(uow, conv),
        "preview": _preview(messages),
        "channel_kind": channel.kind.value if channel else conv.channel_kind,
        "channel_name": channel.name if channel else "",
        "queue_id": conv.queue_id,
        "queue_name": core.queue_name(conv.queue_id),
        "status": inbox_status(conv.state).value,
        "state": conv.state.value,
        "assignee": {"id": assignee, "name": core.names.get(assignee, assignee)}
        if assignee
        else None,
        "created_at": conv.created_at.isoformat(),
        "updated_at": conv.updated_at.isoformat(),
        "sla": None
        if clock is None
        else {
            "kind": clock.kind.value,
            "since": clock.since.isoformat(),
            "due_at": clock.due_at.isoformat(),
            "breached": clock.breached,
        },
    }


def _inbox_conversation(
    core: DeskCore, uow: LiveUnitOfWork, actor: Principal, conversation_id: str
) -> Conversation:
    conv = conversation_or_404(uow, conversation_id, actor)
    channel = core.channel_by_id(conv.channel_id)
    if channel is None or channel.kind not in INBOX_CHANNEL_KINDS:
        raise Conflict(
            "only email and messaging conversations are in the inbox", code="not_in_inbox"
        )
    return conv


def _row(core: DeskCore, uow: LiveUnitOfWork, conversation_id: str, now: float) -> dict[str, Any]:
    conv = uow.conversation(conversation_id)
    assert conv is not None
    messages = uow.messages(conv.id)
    at = at_time(now)
    return item_view(core, uow, conv, messages, clock_of(core, conv, messages, at), at)


def assign(
    core: DeskCore, actor: Principal, conversation_id: str, agent_id: str | None = None
) -> dict[str, Any]:
    """Assign to the caller (``agent_id`` None or their own) or, with
    ``conversations.assign``, to an agent. A conversation waiting in a queue is
    transferred to that agent by the engine (refused ``agent_not_eligible`` when the
    agent could not take it now: not eligible, not available, no capacity); the caller's
    own offer is accepted at once. A pending one just changes the agent it goes back to."""
    if agent_id is None or (actor.user is not None and agent_id == actor.user.id):
        target = require_agent(core, actor)
        for_self = True
    else:
        actor.require(Permission.CONVERSATIONS_ASSIGN)
        target = agent_id
        for_self = False

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        conv = _inbox_conversation(core, uow, actor, conversation_id)
        if target not in core.profiles or not core.may_see_agent(actor, target):
            raise NotFound(f"agent {target!r} not found", code="agent_not_found")
        at = at_time(now)
        by = actor.name
        if conv.state is ConversationState.RESOLVED:
            raise Conflict("this conversation is resolved", code="conversation_resolved")
        if conv.state is ConversationState.PENDING:
            uow.save_conversation(replace(conv, wrap_up_agent_id=target, updated_at=at))
            add_timeline(uow, conv, at, "assigned", by, agent_id=target)
            return _row(core, uow, conv.id, now)
        if conv.state is ConversationState.ASSIGNED:
            if conv.agent_id == target:
                return _row(core, uow, conv.id, now)
            if for_self:
                raise Conflict(
                    "another agent has this conversation; a team leader can reassign it",
                    code="assigned_elsewhere",
                )
        elif conv.state is not ConversationState.WAITING:
            raise Conflict("this conversation cannot be assigned now", code="conversation_state")
        ix_id = conv.interaction_id or ""
        offer = _offer_to(core, ix_id, target)
        if offer is None:
            if conv.state is ConversationState.WAITING:
                candidate = core.engine.explain(ix_id, now).candidate(target)
                if not candidate.eligible:
                    raise Conflict(
                        f"{core.names.get(target, target)} cannot take it now: "
                        + "; ".join(candidate.reasons),
                        code="agent_not_eligible",
                        reasons=list(candidate.reasons),
                    )
            add_timeline(uow, conv, at, "assigned", by, agent_id=target)
            core.route(uow, now, out, lambda t: core.engine.transfer_to_agent(ix_id, target, t))
            offer = _offer_to(core, ix_id, target)
        if for_self and offer is not None:
            core.route(uow, now, out, lambda t: core.engine.accept(offer, t))
        return _row(core, uow, conv.id, now)

    return core.writer.run(body)


def _offer_to(core: DeskCore, interaction_id: str, agent_id: str) -> str | None:
    for offer in core.figures.offers.values():
        if offer.interaction_id == interaction_id and offer.agent_id == agent_id:
            return offer.offer_id
    return None


def set_pending(core: DeskCore, actor: Principal, conversation_id: str) -> dict[str, Any]:
    """The agent has answered and waits on the customer: their part of the interaction
    ends (no after-contact work, no wrap-up) and the conversation is pending."""
    me = require_agent(core, actor)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        conv = _inbox_conversation(core, uow, actor, conversation_id)
        if conv.agent_id != me and conv.wrap_up_agent_id != me:
            raise PermissionDenied("this conversation is not yours", code="not_your_conversation")
        if conv.state is not ConversationState.ASSIGNED or conv.agent_id != me:
            raise Conflict(
                "only a conversation you are handling can be set pending",
                code="conversation_state",
            )
        ix_id = conv.interaction_id or ""
        core.route(
            uow, now, out, lambda t: core.engine.complete(ix_id, t, after_contact_work_seconds=0.0)
        )
        at = at_time(now)
        fresh = uow.conversation(conv.id) or conv
        uow.save_conversation(
            move(
                fresh,
                ConversationState.PENDING,
                at,
                agent_id=None,
                wrap_up_agent_id=me,
                needs_wrap_up=False,
            )
        )
        add_timeline(uow, conv, at, "pending", f"user:{core.names.get(me, me)}")
        out.send(f"agent:{me}", {"type": "released", "conversation_id": conv.id})
        out.agents.add(me)
        core.forget_interaction(ix_id)
        return _row(core, uow, conv.id, now)

    return core.writer.run(body)


def resolve(
    core: DeskCore, actor: Principal, conversation_id: str, code: str | None, notes: str = ""
) -> dict[str, Any]:
    """Resolve a conversation the caller handles or that is pending with them (anyone's,
    with ``conversations.assign``). Where the queue requires wrap-up a ``code`` is needed
    (``wrap_up_required``); given, it is recorded as the wrap-up."""
    actor.require(Permission.CONVERSATIONS_HANDLE)
    remark = notes.strip()
    if len(remark) > 4000:
        raise ValidationFailed("notes have at most 4000 characters", code="message_too_long")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        conv = _inbox_conversation(core, uow, actor, conversation_id)
        me = actor.user.id if actor.user else None
        owner = assignee_of(conv)
        if owner != me and not actor.can(Permission.CONVERSATIONS_ASSIGN):
            raise PermissionDenied("this conversation is not yours", code="not_your_conversation")
        if conv.state is ConversationState.RESOLVED:
            raise Conflict("this conversation is resolved", code="conversation_resolved")
        if conv.state not in (ConversationState.ASSIGNED, ConversationState.PENDING):
            raise Conflict(
                "only a conversation being handled or pending can be resolved",
                code="conversation_state",
            )
        queue = core.queue_map.get(conv.queue_id or "")
        if code is None and queue is not None and queue.wrap_up_required:
            raise Conflict("this queue needs a wrap-up code", code="wrap_up_required")
        if code is not None:
            check_wrap_up_code(core, conv, code)
        at = at_time(now)
        if conv.state is ConversationState.ASSIGNED:
            agent = conv.agent_id or ""
            finish_assigned(core, uow, now, out, conv, by="agent")
            ended = uow.conversation(conv.id) or conv
            if code is not None:
                record_wrap_up(core, uow, now, out, agent, ended, code, remark)
        else:
            resolved = move(conv, ConversationState.RESOLVED, at, resolved_at=at)
            if code is not None:
                resolved = replace(resolved, disposition=code, wrap_up_notes=remark)
            uow.save_conversation(resolved)
            add_timeline(uow, conv, at, "resolved", actor.name, code=code or "", notes=remark)
        return _row(core, uow, conv.id, now)

    return core.writer.run(body)
