"""The agent's desk: presence, offers (accept, decline), messages and internal notes,
typing, transfers and escalation, ending a conversation, wrap-up and after-contact work.

Each command checks the caller is an agent (and, for a conversation, that it is theirs)
and runs in the writer; the engine's events follow through ``reactions.py``."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Protocol

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.model import (
    NOTE_MAX_CHARS,
    AuthorKind,
    Conversation,
    ConversationState,
    NotReadyReason,
    clean_text,
)
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchdesk.domain.routing import Presence
from switchdesk.usecases.live.commands import CommandCore, finish_assigned
from switchdesk.usecases.live.conversations import add_message, add_timeline, at_time
from switchdesk.usecases.live.outbound import queue_reply
from switchdesk.usecases.live.projections import PendingOffer
from switchdesk.usecases.live.views import (
    agent_view,
    conversation_or_404,
    conversation_view,
    delivery_frame,
    delivery_view,
    message_view,
    offer_view,
    reasons_view,
)
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LivePublisher, LiveUnitOfWork, LiveUnitOfWorkFactory
from switchdesk.usecases.principal import Principal

ESCALATION_PRIORITY_BOOST = 10
"""Priority added to an interaction escalated to its queue's escalation queue."""


class DeskCore(CommandCore, Protocol):
    """The parts of the live center that the desk uses."""

    def reasons(self) -> list[NotReadyReason]: ...


def _checked_note(note: str, what: str) -> str:
    """The note without surrounding space; refused past ``NOTE_MAX_CHARS``."""
    text = note.strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            f"{what} at most {NOTE_MAX_CHARS} characters", code="message_too_long"
        )
    return text


def require_agent(core: DeskCore, actor: Principal) -> str:
    """The caller's agent id; PermissionDenied (``no_agent_profile``) if not an agent."""
    actor.require(Permission.CONVERSATIONS_HANDLE)
    if actor.user is None or actor.user.id not in core.profiles:
        raise PermissionDenied(
            "you have no agent profile: ask an administrator", code="no_agent_profile"
        )
    return actor.user.id


def own_conversation(
    core: DeskCore, uow: LiveUnitOfWork, actor: Principal, conversation_id: str
) -> tuple[str, Conversation]:
    """The caller's agent id and their conversation (assigned to them or in their wrap-up)."""
    agent_id = require_agent(core, actor)
    conv = conversation_or_404(uow, conversation_id, actor)
    if conv.agent_id != agent_id and conv.wrap_up_agent_id != agent_id:
        raise PermissionDenied("this conversation is not yours", code="not_your_conversation")
    return agent_id, conv


def submit_agent_snapshot(core: DeskCore, actor: Principal) -> Future[dict[str, Any]]:
    """The desk's state when it (re)connects, through the writer (committed state only)."""
    agent_id = require_agent(core, actor)
    return core.writer.submit(lambda uow, now, out: snapshot(core, uow, actor, agent_id))


def snapshot(
    core: DeskCore, uow: LiveUnitOfWork, actor: Principal, agent_id: str
) -> dict[str, Any]:
    """The agent's status, reasons, queues, colleagues, open offers and conversations."""
    offers = []
    for offer in core.figures.offers.values():
        if offer.agent_id == agent_id:
            conv = uow.conversation(core.conversation_of(offer.interaction_id) or "")
            if conv is not None:
                offers.append(offer_view(core, uow, offer.offer_id, conv))
    mine = [
        conversation_view(core, uow, c)
        for c in uow.open_conversations()
        if c.agent_id == agent_id or (c.needs_wrap_up and c.wrap_up_agent_id == agent_id)
    ]
    queues = [
        {
            "id": q.id,
            "name": q.name,
            "wrap_up_required": q.wrap_up_required,
            "wrap_up_codes": [{"code": c.code, "label": c.label} for c in q.wrap_up_codes],
        }
        for q in core.queue_map.values()
        if actor.sees_client_account(q.client_account_id)
    ]
    agents = [
        {"id": a, "name": core.names.get(a, a)}
        for a in sorted(core.profiles, key=lambda a: core.names.get(a, a))
        if a != agent_id
    ]
    return {
        "type": "snapshot",
        "agent": agent_view(core, agent_id),
        "reasons": reasons_view(core.reasons()),
        "queues": queues,
        "agents": agents,
        "offers": offers,
        "conversations": mine,
    }


def submit_set_presence(
    core: DeskCore, actor: Principal, presence: str, reason: str | None = None
) -> Future[dict[str, Any]]:
    """Available, not ready (with a configured reason) or offline."""
    agent_id = require_agent(core, actor)
    try:
        value = Presence(presence)
    except ValueError:
        raise ValidationFailed(
            "presence is available, not_ready or offline", code="presence_invalid"
        ) from None
    if value is Presence.NOT_READY:
        if reason not in {r.code for r in core.reasons()}:
            raise ValidationFailed(
                "not ready needs one of the configured reasons", code="reason_invalid"
            )
    else:
        reason = None

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        core.route(
            uow,
            now,
            out,
            lambda t: core.engine.set_presence(agent_id, value, t, reason=reason),
        )
        out.agents.add(agent_id)
        return agent_view(core, agent_id)

    return core.writer.submit(body)


def offer_of(core: DeskCore, agent_id: str, offer_id: str) -> PendingOffer:
    """The agent's open offer; Conflict says why an offer that ended is gone."""
    offer = core.figures.offers.get(offer_id)
    if offer is None:
        reason = core.figures.ended_offers.get(offer_id)
        if reason == "accepted_elsewhere":
            raise Conflict("another agent accepted this conversation first", code="offer_taken")
        if reason is None:
            raise NotFound(f"offer {offer_id!r} not found")
        raise Conflict(f"this offer is no longer open ({reason})", code="offer_gone", reason=reason)
    if offer.agent_id != agent_id:
        raise NotFound(f"offer {offer_id!r} not found")
    return offer


def submit_accept_offer(core: DeskCore, actor: Principal, offer_id: str) -> Future[dict[str, Any]]:
    """Take an offered conversation; the future settles with its view."""
    agent_id = require_agent(core, actor)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        offer = offer_of(core, agent_id, offer_id)
        conv_id = core.conversation_of(offer.interaction_id) or ""
        core.route(uow, now, out, lambda t: core.engine.accept(offer_id, t))
        conv = conversation_or_404(uow, conv_id)
        return conversation_view(core, uow, conv)

    # Due timers run first: an offer that expired a moment ago is reported as gone,
    # not accepted.
    return core.writer.submit(body)


def decline_offer(core: DeskCore, actor: Principal, offer_id: str) -> None:
    """Turn an offer down (the engine offers the interaction elsewhere)."""
    agent_id = require_agent(core, actor)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        offer_of(core, agent_id, offer_id)
        core.route(uow, now, out, lambda t: core.engine.decline(offer_id, t))

    core.writer.run(body)


def agent_message(
    core: DeskCore, actor: Principal, conversation_id: str, text: str, internal: bool = False
) -> dict[str, Any]:
    """A reply to the contact (in progress only) or an internal note; replies on
    email and messaging conversations are queued for delivery."""
    body_text = clean_text(
        text,
        limit=NOTE_MAX_CHARS if internal else 4000,
        what="a note" if internal else "a message",
    )

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> dict[str, Any]:
        agent_id, conv = own_conversation(core, uow, actor, conversation_id)
        if not internal and conv.state is not ConversationState.ASSIGNED:
            raise Conflict(
                "the chat has ended; add an internal note instead", code="conversation_state"
            )
        message = add_message(
            core,
            uow,
            out,
            conv,
            AuthorKind.AGENT,
            core.names.get(agent_id, "Agent"),
            body_text,
            at_time(now),
            author_id=agent_id,
            internal=internal,
        )
        channel = core.channel_by_id(conv.channel_id)
        contact = uow.contact(conv.contact_id)
        view = message_view(message)
        if not internal and channel is not None and contact is not None:
            delivery = queue_reply(uow, channel, conv, contact, message, at_time(now))
            if delivery is not None:
                view["delivery"] = delivery_view(delivery)
                out.send(f"agent:{agent_id}", delivery_frame(delivery))
        return view

    return core.writer.run(body)


def agent_typing(
    core: DeskCore,
    uows: LiveUnitOfWorkFactory,
    publisher: LivePublisher,
    actor: Principal,
    conversation_id: str,
) -> None:
    """Tell the customer the agent is typing (published at once, outside the writer)."""
    agent_id = require_agent(core, actor)
    with uows() as uow:
        conv = uow.conversation(conversation_id)
    if conv is not None and conv.agent_id == agent_id:
        publisher.publish(f"conversation:{conv.id}", {"type": "typing", "author": "agent"})


def transfer(
    core: DeskCore,
    actor: Principal,
    conversation_id: str,
    *,
    queue_id: str | None = None,
    agent_id: str | None = None,
    note: str = "",
    escalate: bool = False,
) -> None:
    """Hand a conversation in progress to a queue, a colleague, or (``escalate``) the
    queue's escalation queue with a priority boost; the customer is told."""
    if (queue_id is None) == (agent_id is None) and not escalate:
        raise ValidationFailed("give exactly one of queue_id and agent_id")
    text = _checked_note(note, "a note has")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        me, conv = own_conversation(core, uow, actor, conversation_id)
        if conv.state is not ConversationState.ASSIGNED or conv.agent_id != me:
            raise Conflict("only a chat in progress can be transferred", code="conversation_state")
        at = at_time(now)
        target_queue = queue_id
        priority = None
        if escalate:
            current = core.queue_map.get(conv.queue_id or "")
            target_queue = current.escalation_queue_id if current else None
            if target_queue is None:
                raise Conflict(
                    "this queue has no escalation queue configured", code="no_escalation_queue"
                )
            priority = ESCALATION_PRIORITY_BOOST
        if target_queue is not None:
            queue = core.queue_map.get(target_queue)
            if queue is None or not actor.sees_client_account(queue.client_account_id):
                raise NotFound(f"queue {target_queue!r} not found")
            if queue.client_account_id not in (None, conv.client_account_id):
                raise Conflict(
                    "that queue serves another client account", code="wrong_client_account"
                )
        if agent_id is not None and agent_id not in core.profiles:
            raise NotFound(f"agent {agent_id!r} not found")
        me_name = core.names.get(me, "Agent")
        if text:
            add_message(
                core,
                uow,
                out,
                conv,
                AuthorKind.AGENT,
                me_name,
                text,
                at,
                author_id=me,
                internal=True,
            )
        if escalate:
            add_timeline(uow, conv, at, "escalated", f"user:{me_name}", note=text)
        where = (
            core.queue_name(target_queue)
            if target_queue
            else core.names.get(agent_id or "", "a colleague")
        )
        add_message(
            core,
            uow,
            out,
            conv,
            AuthorKind.SYSTEM,
            "switchdesk",
            f"You are being transferred to {where}. Please stay with us.",
            at,
        )
        ix_id = conv.interaction_id or ""
        if target_queue is not None:
            core.route(
                uow,
                now,
                out,
                lambda t: core.engine.transfer_to_queue(ix_id, target_queue, t, priority=priority),
            )
        else:
            core.route(
                uow,
                now,
                out,
                lambda t: core.engine.transfer_to_agent(ix_id, agent_id or "", t),
            )

    core.writer.run(body)


def submit_end_conversation(core: DeskCore, actor: Principal, conversation_id: str) -> Future[None]:
    """The agent ends a conversation in progress."""

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        me, conv = own_conversation(core, uow, actor, conversation_id)
        if conv.state is not ConversationState.ASSIGNED or conv.agent_id != me:
            raise Conflict("this chat is not in progress", code="conversation_state")
        finish_assigned(core, uow, now, out, conv, by="agent")

    return core.writer.submit(body)


def wrap_up(
    core: DeskCore, actor: Principal, conversation_id: str, code: str, notes: str = ""
) -> None:
    """Record the disposition (a code of the queue) and notes; ends after-contact work."""
    remark = _checked_note(notes, "notes have")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        me, conv = own_conversation(core, uow, actor, conversation_id)
        if conv.state is not ConversationState.RESOLVED or conv.wrap_up_agent_id != me:
            raise Conflict("wrap-up comes after the chat ends", code="conversation_state")
        record_wrap_up(core, uow, now, out, me, conv, code, remark)

    core.writer.run(body)


def check_wrap_up_code(core: DeskCore, conv: Conversation, code: str) -> None:
    """Refuse a code the conversation's queue does not have (``wrap_up_code_invalid``)."""
    queue = core.queue_map.get(conv.queue_id or "")
    if queue is not None and queue.wrap_up_codes and not queue.has_code(code):
        raise ValidationFailed(
            f"unknown wrap-up code {code!r} for this queue", code="wrap_up_code_invalid"
        )


def record_wrap_up(
    core: DeskCore,
    uow: LiveUnitOfWork,
    now: float,
    out: Outbox,
    me: str,
    conv: Conversation,
    code: str,
    remark: str,
) -> None:
    """Store the disposition and notes, and end the after-contact work hold it needed."""
    check_wrap_up_code(core, conv, code)
    at = at_time(now)
    uow.save_conversation(
        replace(conv, disposition=code, wrap_up_notes=remark, needs_wrap_up=False, updated_at=at)
    )
    add_timeline(
        uow,
        conv,
        at,
        "wrapped_up",
        f"user:{core.names.get(me, me)}",
        code=code,
        notes=remark,
    )
    # The queue's after-contact work time runs on after the form (the agent ends it early
    # with "End after-contact work"); only the hold of a queue without one ends here.
    ix_id = conv.interaction_id or ""
    queue = core.queue_map.get(conv.queue_id or "")
    own_time = float(queue.routing.get("after_contact_work_seconds", 0.0)) if queue else 0.0
    if own_time <= 0 and ix_id in core.engine.agent_status(me)["after_contact_work_until"]:
        core.route(
            uow,
            now,
            out,
            lambda t: core.engine.end_after_contact_work(me, t, interaction_id=ix_id),
        )
    out.send(f"agent:{me}", {"type": "released", "conversation_id": conv.id})
    out.agents.add(me)


def end_after_contact_work(core: DeskCore, actor: Principal) -> None:
    """Ready for the next contact (refused while a wrap-up is pending)."""
    agent_id = require_agent(core, actor)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        pending = [
            c
            for c in uow.open_conversations()
            if c.needs_wrap_up and c.wrap_up_agent_id == agent_id
        ]
        if pending:
            raise Conflict("submit the wrap-up first", code="wrap_up_required")
        if core.engine.agent_status(agent_id)["after_contact_work_until"]:
            core.route(uow, now, out, lambda t: core.engine.end_after_contact_work(agent_id, t))
        out.agents.add(agent_id)

    core.writer.run(body)
