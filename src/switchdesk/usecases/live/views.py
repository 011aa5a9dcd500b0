"""Read models of the live center: contact cards, conversations, offers, agents' and
queues' rows, staffing counts, and the rows pushed to live feeds once per batch.

Reads only: nothing here changes the database or the engine. Each function gets the
center through :class:`ViewCore` (only what views read)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from switchdesk.domain.conversations.model import (
    AgentProfile,
    ChannelKind,
    Conversation,
    IdentityKind,
    Message,
    NotReadyReason,
    QueueSettings,
)
from switchdesk.domain.conversations.reachability import REFUSAL_TEXT
from switchdesk.domain.errors import NotFound
from switchdesk.domain.routing import Presence, RoutingEngine
from switchdesk.usecases.deliveries import Delivery
from switchdesk.usecases.live.attachments import by_message
from switchdesk.usecases.live.outbound import subject_of
from switchdesk.usecases.live.projections import Projections
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.principal import Principal

DEFAULT_HANDLE_SECONDS = 180.0
"""The mean handle time an estimated wait assumes before a queue has answered today."""
STAFFING_REFRESH_SECONDS = 0.5
"""How long pushed rows reuse staffing counts."""


class ViewCore(Protocol):
    """The parts of the live center that views read."""

    @property
    def engine(self) -> RoutingEngine: ...
    @property
    def figures(self) -> Projections: ...
    @property
    def queue_map(self) -> Mapping[str, QueueSettings]: ...
    @property
    def profiles(self) -> Mapping[str, AgentProfile]: ...
    @property
    def names(self) -> Mapping[str, str]: ...
    @property
    def roles(self) -> Mapping[str, str]: ...
    def conversation_of(self, interaction_id: str) -> str | None: ...
    def queue_name(self, queue_id: str | None) -> str: ...
    def client_account_name(self, uow: LiveUnitOfWork, client_account_id: str) -> str | None: ...
    def staffing(self, fresh: bool = False) -> Mapping[str, list[int]]: ...
    def may_see_agent(self, actor: Principal, agent_id: str) -> bool: ...


def conversation_or_404(
    uow: LiveUnitOfWork, conversation_id: str, actor: Principal | None = None
) -> Conversation:
    """The conversation, if it exists and ``actor`` (when given) sees its client account."""
    conv = uow.conversation(conversation_id)
    if conv is None or (
        actor is not None and not actor.sees_client_account(conv.client_account_id)
    ):
        raise NotFound(f"conversation {conversation_id!r} not found")
    return conv


def disposition_label(core: ViewCore, conv: Conversation) -> str | None:
    """The label of the conversation's wrap-up code, as its queue names it (the code when
    the queue no longer has it)."""
    if conv.disposition is None:
        return None
    queue = core.queue_map.get(conv.queue_id or "")
    codes = queue.wrap_up_codes if queue else ()
    return next((c.label for c in codes if c.code == conv.disposition), conv.disposition)


def contact_card(core: ViewCore, uow: LiveUnitOfWork, contact_id: str) -> dict[str, Any]:
    """A contact with their identities, past conversations and open follow-ups."""
    contact = uow.contact(contact_id)
    if contact is None:
        return {}
    history = [
        {
            "conversation_id": c.id,
            "channel_kind": c.channel_kind,
            "started_at": c.created_at.isoformat(),
            "state": c.state.value,
            "disposition": c.disposition,
            "disposition_label": disposition_label(core, c),
        }
        for c in uow.conversations_of_contact(contact_id)
    ]
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.identity(IdentityKind.EMAIL),
        "identities": [{"kind": i.kind.value, "value": i.value} for i in contact.identities],
        "custom_fields": contact.custom_fields,
        "client_account": contact.client_account_id,
        "client_account_name": core.client_account_name(uow, contact.client_account_id),
        "history": history,
        "follow_ups": [
            {"id": f.id, "due_at": f.due_at.isoformat(), "note": f.note}
            for f in uow.open_follow_ups(contact_id)
        ],
    }


DELIVERY_ERROR_TEXT = {
    **REFUSAL_TEXT,
    "bounced": "the mail bounced: the receiving server refused it",
    "channel_unavailable": "the channel is gone or disabled",
}
"""What the desk shows under a failed reply, by error code (else the sender's own text)."""


def delivery_view(d: Delivery) -> dict[str, Any]:
    """An outbound message's delivery as the desk shows it under the message."""
    failed = d.status.value == "failed"
    text = (DELIVERY_ERROR_TEXT.get(d.error_code) or d.error) if failed else ""
    return {
        "status": d.status.value,
        "error_code": d.error_code if failed else None,
        "error_text": (text or "the message could not be delivered") if failed else None,
        "retrying": bool(not failed and d.pending and d.attempts and d.error),
        "updated_at": (d.updated_at or d.created_at).isoformat(),
    }


def delivery_frame(d: Delivery) -> dict[str, Any]:
    """The live frame that moves a reply's delivery status on the desk."""
    return {
        "type": "delivery",
        "conversation_id": d.message.conversation_id,
        "message_id": d.message.message_id,
        "delivery": delivery_view(d),
    }


def message_view(m: Message, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "author": m.author_kind.value,
        "author_name": m.author_name,
        "text": m.text,
        "at": m.at.isoformat(),
        "internal": m.internal,
        "client_id": m.client_id,
        "attachments": attachments or [],
    }


def messages_view(uow: LiveUnitOfWork, conv: Conversation) -> list[dict[str, Any]]:
    """Every message of the conversation, each with its attachments; a reply sent through
    a channel also carries its ``delivery``."""
    files = by_message(uow, conv.id)
    deliveries = {d.message.message_id: d for d in uow.deliveries_of(conv.id)}
    views = []
    for m in uow.messages(conv.id):
        view = message_view(m, files.get(m.id))
        delivery = deliveries.get(m.id)
        if delivery is not None:
            view["delivery"] = delivery_view(delivery)
        views.append(view)
    return views


def email_subject(uow: LiveUnitOfWork, conv: Conversation) -> str:
    """The subject an email conversation started with ("" for the other kinds)."""
    return subject_of(uow, conv) if conv.channel_kind == ChannelKind.EMAIL.value else ""


def conversation_view(core: ViewCore, uow: LiveUnitOfWork, conv: Conversation) -> dict[str, Any]:
    """A conversation as the desk shows it: contact card and every message."""
    return {
        "id": conv.id,
        "state": conv.state.value,
        "queue_id": conv.queue_id,
        "queue_name": core.queue_name(conv.queue_id),
        "channel_kind": conv.channel_kind,
        "subject": email_subject(uow, conv),
        "contact": contact_card(core, uow, conv.contact_id),
        "messages": messages_view(uow, conv),
        "needs_wrap_up": conv.needs_wrap_up,
        "disposition": conv.disposition,
        "contact_away": bool(
            conv.interaction_id and core.engine.contact_departed(conv.interaction_id)
        ),
        "disposition_label": disposition_label(core, conv),
    }


def conversation_detail(core: ViewCore, uow: LiveUnitOfWork, conv: Conversation) -> dict[str, Any]:
    """The conversation view plus its outcome and its whole timeline."""
    view = conversation_view(core, uow, conv)
    view.update(
        {
            "client_account_id": conv.client_account_id,
            "created_at": conv.created_at.isoformat(),
            "resolved_at": conv.resolved_at.isoformat() if conv.resolved_at else None,
            "wrap_up_notes": conv.wrap_up_notes,
            "csat_score": conv.csat_score,
            "csat_comment": conv.csat_comment,
            "timeline": [
                {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "detail": e.detail}
                for e in uow.timeline(conv.id)
            ],
        }
    )
    return view


def offer_view(
    core: ViewCore, uow: LiveUnitOfWork, offer_id: str, conv: Conversation
) -> dict[str, Any]:
    """An open offer as the offered agent sees it (with a preview of the last message)."""
    offer = core.figures.offers[offer_id]
    messages = [m for m in uow.messages(conv.id) if not m.internal]
    return {
        "id": offer_id,
        "conversation_id": conv.id,
        "queue_id": offer.queue_id,
        "queue_name": core.queue_name(offer.queue_id),
        "channel_kind": conv.channel_kind,
        "subject": email_subject(uow, conv),
        "expires_at": offer.expires_at,
        "contact": contact_card(core, uow, conv.contact_id),
        "preview": messages[-1].text[:200] if messages else "",
    }


def agent_view(core: ViewCore, agent_id: str) -> dict[str, Any]:
    """An agent's own status, as their desk shows it."""
    status = core.engine.agent_status(agent_id)
    acw = status["after_contact_work_until"]
    return {
        "id": agent_id,
        "name": core.names.get(agent_id, agent_id),
        "presence": status["presence"],
        "reason": status["reason"],
        "activity": status["activity"],
        "acw_until": max(acw.values()) if acw else None,
    }


def on_the_agent_board(core: ViewCore, agent_id: str) -> bool:
    """Whether the supervisor's agent list shows this person: agents always; someone else
    with an agent profile (a team leader taking escalations) only while signed in to take
    interactions."""
    if core.roles.get(agent_id, "agent") == "agent":
        return True
    return bool(core.engine.agent_status(agent_id)["presence"] != Presence.OFFLINE.value)


def agent_row(core: ViewCore, agent_id: str) -> dict[str, Any]:
    """An agent's row on the supervisor's board."""
    status = core.engine.agent_status(agent_id)
    conversations = []
    for ix_id in status["assignments"]:
        conv_id = core.conversation_of(ix_id)
        if conv_id:
            queue_id = core.engine.interaction_status(ix_id)["queue_id"]
            conversations.append({"id": conv_id, "interaction_id": ix_id, "queue_id": queue_id})
    return {
        "id": agent_id,
        "client_accounts": list(core.profiles[agent_id].attributes.get("client_accounts", [])),
        "name": core.names.get(agent_id, agent_id),
        "role": core.roles.get(agent_id, "agent"),
        "listed": on_the_agent_board(core, agent_id),
        "presence": status["presence"],
        "reason": status["reason"],
        "activity": status["activity"],
        "since": core.figures.agent_since.get(agent_id),
        "conversations": conversations,
    }


def queue_row(core: ViewCore, queue_id: str, fresh: bool = False) -> dict[str, Any]:
    """A queue's row on the supervisor's board: waiting, staffing, today's figures."""
    queue = core.queue_map[queue_id]
    waiting = core.engine.waiting(queue_id)
    oldest = min((core.engine.interaction_status(i)["entered_at"] for i in waiting), default=None)
    _, available, busy, not_ready = core.staffing(fresh).get(queue_id, [0, 0, 0, 0])
    day = core.figures.day[queue_id]
    base = day.answered + day.abandoned
    return {
        "id": queue_id,
        "name": queue.name,
        "waiting": len(waiting),
        "oldest_waiting_since": oldest,
        "agents_available": available,
        "agents_busy": busy,
        "agents_not_ready": not_ready,
        "service_level_today": day.answered_within / base if base else None,
        "answered_today": day.answered,
        "abandoned_today": day.abandoned,
        "threshold_seconds": queue.threshold_seconds,
    }


def supervisor_snapshot(core: ViewCore, actor: Principal) -> dict[str, Any]:
    """Every queue and agent the supervisor sees, with fresh staffing counts."""
    core.staffing(fresh=True)
    queues = [
        queue_row(core, q.id)
        for q in core.queue_map.values()
        if actor.sees_client_account(q.client_account_id)
    ]
    agents = [
        agent_row(core, a)
        for a in core.profiles
        if core.may_see_agent(actor, a) and on_the_agent_board(core, a)
    ]
    return {"type": "snapshot", "queues": queues, "agents": agents}


class StaffingCounts:
    """Per queue: [available members, idle, busy, not ready], one pass over agents.

    Pushed rows reuse the counts for up to ``STAFFING_REFRESH_SECONDS`` (the pass is
    O(agents)); snapshots ask for fresh counts."""

    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}
        self._at = 0.0

    def counts(self, core: ViewCore, now: float, fresh: bool) -> dict[str, list[int]]:
        if not fresh and self._counts and now - self._at < STAFFING_REFRESH_SECONDS:
            return self._counts
        self._counts, self._at = count_staffing(core), now
        return self._counts


def count_staffing(core: ViewCore) -> dict[str, list[int]]:
    """Per queue: [available members, idle, busy, not ready], one pass over agents."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for agent_id in core.profiles:
        status = core.engine.agent_status(agent_id)
        presence = status["presence"]
        if presence == Presence.OFFLINE.value:
            continue
        for queue_id in status["queues"]:
            row = counts[queue_id]
            if presence == Presence.NOT_READY.value:
                row[3] += 1
            else:
                row[0] += 1
                row[1 if status["activity"] == "idle" else 2] += 1
    return counts


def ewt_unit(core: ViewCore, queue_id: str) -> float | None:
    """Seconds of estimated wait per position in the queue; None while no agent of the
    queue is available (no estimate is honest then)."""
    mean = core.figures.mean_handle_seconds(queue_id, DEFAULT_HANDLE_SECONDS)
    staffed = core.staffing().get(queue_id, [0])[0]
    return mean / staffed if staffed > 0 else None


def queue_frame(position: int, unit: float | None) -> dict[str, Any]:
    """A waiting customer's place in line and estimated wait (None: no agent available)."""
    return {
        "type": "queue",
        "position": position,
        "estimated_wait_seconds": None if unit is None else round(position * unit),
        "agents_available": unit is not None,
    }


def push_rows(core: ViewCore, out: Outbox, supervised: bool) -> None:
    """Queue positions for waiting customers and supervisor rows, once per batch of
    commands (supervisor rows only while a supervisor listens: one who connects later
    starts from a snapshot)."""
    # An agent's change (accepting, going not ready...) changes the rows of the queues
    # they serve.
    for agent_id in out.agents:
        if agent_id in core.profiles:
            out.queues.update(core.engine.agent_status(agent_id)["queues"])
    for queue_id in sorted(out.queues):
        if queue_id not in core.queue_map:
            continue
        waiting = core.engine.waiting(queue_id)
        unit = ewt_unit(core, queue_id)
        for position, ix_id in enumerate(waiting, start=1):
            conv_id = core.conversation_of(ix_id)
            if conv_id:
                out.send(f"conversation:{conv_id}", queue_frame(position, unit))
        if supervised:
            out.send("supervisor", {"type": "queue", "queue": queue_row(core, queue_id)})
    for agent_id in sorted(out.agents):
        if agent_id in core.profiles:
            if supervised:
                out.send("supervisor", {"type": "agent", "agent": agent_row(core, agent_id)})
            out.send(f"agent:{agent_id}", {"type": "agent", "agent": agent_view(core, agent_id)})


def reasons_view(reasons: Iterable[NotReadyReason]) -> list[dict[str, str]]:
    """The not-ready reasons, as a desk's status menu lists them."""
    return [{"code": r.code, "label": r.label} for r in reasons]
