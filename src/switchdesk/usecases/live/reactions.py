"""What follows from each routing event for conversations, their timeline and the live
feeds: one handler per event type in :data:`EVENT_HANDLERS` (no isinstance chain).

A handler gets the center through :class:`Reactor` (only what reactions need), the unit
of work, the event, the conversation its interaction belongs to, and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from switchdesk.domain.conversations.model import Conversation, ConversationState
from switchdesk.domain.routing import (
    AfterContactWorkStarted,
    ContactDeparted,
    ContactReconnected,
    InteractionAbandoned,
    InteractionCancelled,
    InteractionCompleted,
    InteractionEnqueued,
    InteractionMovedToTarget,
    InteractionOverflowed,
    InteractionTransferred,
    InteractionTransferredOut,
    OfferAccepted,
    OfferCancelled,
    OfferDeclined,
    OfferExpired,
    OfferMade,
    OfferRescinded,
    RoutingEvent,
)
from switchdesk.usecases.live.connections import contact_away_changed, contact_departed
from switchdesk.usecases.live.conversations import add_timeline, move
from switchdesk.usecases.live.views import ViewCore, conversation_view, offer_view
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork


class Reactor(ViewCore, Protocol):
    """The parts of the live center that reactions use (the views' and these)."""

    def agent_name(self, agent_id: str | None) -> str: ...
    def offer_end_reason(self, offer_id: str) -> str: ...
    def forget_interaction(self, interaction_id: str) -> None: ...


Reaction = Callable[[Reactor, LiveUnitOfWork, Any, Conversation, Outbox], None]


def _at(event: RoutingEvent) -> datetime:
    return datetime.fromtimestamp(event.at, UTC)


def enqueued(
    c: Reactor, uow: LiveUnitOfWork, e: InteractionEnqueued, conv: Conversation, out: Outbox
) -> None:
    add_timeline(
        uow, conv, _at(e), "enqueued", "system", queue=c.queue_name(e.queue_id), queue_id=e.queue_id
    )


def moved(
    c: Reactor,
    uow: LiveUnitOfWork,
    e: InteractionMovedToTarget | InteractionOverflowed,
    conv: Conversation,
    out: Outbox,
) -> None:
    queue_id = e.queue_id if isinstance(e, InteractionMovedToTarget) else e.to_queue_id
    at = _at(e)
    uow.save_conversation(replace(conv, queue_id=queue_id, updated_at=at))
    add_timeline(uow, conv, at, "moved", "system", queue=c.queue_name(queue_id), queue_id=queue_id)


def transferred(
    c: Reactor, uow: LiveUnitOfWork, e: InteractionTransferred, conv: Conversation, out: Outbox
) -> None:
    at = _at(e)
    uow.save_conversation(
        move(conv, ConversationState.WAITING, at, queue_id=e.to_queue_id, agent_id=None)
    )
    add_timeline(
        uow,
        conv,
        at,
        "transferred",
        f"user:{c.agent_name(e.from_agent_id) if e.from_agent_id else 'system'}",
        to_queue=c.queue_name(e.to_queue_id),
        to_queue_id=e.to_queue_id,
        to_agent_id=e.to_agent_id,
        from_agent_id=e.from_agent_id,
    )
    if e.from_agent_id:
        out.agents.add(e.from_agent_id)
        out.send(f"agent:{e.from_agent_id}", {"type": "released", "conversation_id": conv.id})


def offered(c: Reactor, uow: LiveUnitOfWork, e: OfferMade, conv: Conversation, out: Outbox) -> None:
    name = c.agent_name(e.agent_id)
    add_timeline(
        uow, conv, _at(e), "offered", "system", agent=name, agent_id=e.agent_id, offer_id=e.offer_id
    )
    out.send(
        f"agent:{e.agent_id}", {"type": "offer", "offer": offer_view(c, uow, e.offer_id, conv)}
    )


def accepted(
    c: Reactor, uow: LiveUnitOfWork, e: OfferAccepted, conv: Conversation, out: Outbox
) -> None:
    at, name = _at(e), c.agent_name(e.agent_id)
    assigned = move(conv, ConversationState.ASSIGNED, at, agent_id=e.agent_id)
    uow.save_conversation(assigned)
    add_timeline(uow, conv, at, "accepted", f"user:{name}", agent=name, agent_id=e.agent_id)
    out.send(
        f"agent:{e.agent_id}",
        {"type": "assigned", "conversation": conversation_view(c, uow, assigned)},
    )
    # Every desk of the agent drops the offer (the one that accepted already did).
    out.send(
        f"agent:{e.agent_id}", {"type": "offer_gone", "offer_id": e.offer_id, "reason": "accepted"}
    )
    out.send(f"conversation:{conv.id}", {"type": "agent_joined", "agent_name": name})


def offer_ended(
    c: Reactor,
    uow: LiveUnitOfWork,
    e: OfferDeclined | OfferExpired | OfferCancelled | OfferRescinded,
    conv: Conversation,
    out: Outbox,
) -> None:
    reason = c.offer_end_reason(e.offer_id)
    name = c.agent_name(e.agent_id)
    add_timeline(uow, conv, _at(e), f"offer_{reason}", "system", agent=name, agent_id=e.agent_id)
    out.send(
        f"agent:{e.agent_id}", {"type": "offer_gone", "offer_id": e.offer_id, "reason": reason}
    )


def completed(
    c: Reactor, uow: LiveUnitOfWork, e: InteractionCompleted, conv: Conversation, out: Outbox
) -> None:
    add_timeline(
        uow,
        conv,
        _at(e),
        "completed",
        f"user:{c.agent_name(e.agent_id)}",
        handle_seconds=round(e.handle_seconds, 3),
    )


def abandoned(
    c: Reactor, uow: LiveUnitOfWork, e: InteractionAbandoned, conv: Conversation, out: Outbox
) -> None:
    add_timeline(uow, conv, _at(e), "abandoned", "contact")


def left_routing(
    c: Reactor,
    uow: LiveUnitOfWork,
    e: InteractionCancelled | InteractionTransferredOut,
    conv: Conversation,
    out: Outbox,
) -> None:
    add_timeline(uow, conv, _at(e), "left_routing", "system")


EVENT_HANDLERS: dict[type[RoutingEvent], Reaction] = {
    InteractionEnqueued: enqueued,
    InteractionMovedToTarget: moved,
    InteractionOverflowed: moved,
    InteractionTransferred: transferred,
    OfferMade: offered,
    OfferAccepted: accepted,
    OfferDeclined: offer_ended,
    OfferExpired: offer_ended,
    OfferCancelled: offer_ended,
    OfferRescinded: offer_ended,
    InteractionCompleted: completed,
    InteractionAbandoned: abandoned,
    InteractionCancelled: left_routing,
    InteractionTransferredOut: left_routing,
    ContactDeparted: contact_departed,
    ContactReconnected: contact_away_changed,
}
"""Routing event type -> what follows for its conversation. Events of agents alone
(presence, activity, after-contact work) have no conversation reaction."""


def after_contact_work_started(c: Reactor, e: AfterContactWorkStarted, out: Outbox) -> None:
    out.send(
        f"agent:{e.agent_id}",
        {
            "type": "wrap_up",
            "conversation_id": c.conversation_of(e.interaction_id),
            "acw_until": e.until,
        },
    )
