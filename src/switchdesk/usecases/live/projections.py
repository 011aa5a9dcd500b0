"""Figures the live center keeps in memory from routing events: open offers, where each
waiting interaction entered, today's service level per queue, and since when each agent
is in their state. Replaying the same events from the log gives the same figures, so a
restart rebuilds them exactly (``remember`` is the one place they change)."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from switchdesk.domain.routing import (
    AgentActivityChanged,
    AgentPresenceChanged,
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

DAY_SECONDS = 86400.0
ENDED_OFFERS_KEPT = 10_000
"""How many ended offers are remembered (to tell a late accept why it failed)."""

OFFER_END_REASONS: dict[type[RoutingEvent], str] = {
    OfferAccepted: "accepted",
    OfferDeclined: "declined",
    OfferExpired: "expired",
    OfferCancelled: "cancelled",
    OfferRescinded: "accepted_elsewhere",
}


@dataclass
class PendingOffer:
    offer_id: str
    interaction_id: str
    agent_id: str
    queue_id: str
    expires_at: float


@dataclass
class QueueDay:
    """One queue's figures since midnight UTC (SL1: answered within T over answered plus
    abandoned), and its last handle times for the estimated wait."""

    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    handle_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=50))


class Projections:
    def __init__(self, threshold: Callable[[str], float]) -> None:
        self._threshold = threshold
        self.offers: dict[str, PendingOffer] = {}
        self.ended_offers: dict[str, str] = {}
        self.entered: dict[str, tuple[str, float]] = {}
        self.day: dict[str, QueueDay] = defaultdict(QueueDay)
        self.day_start = 0.0
        self.agent_since: dict[str, float] = {}

    def reset(self, now: float) -> None:
        self.offers.clear()
        self.ended_offers.clear()
        self.entered.clear()
        self.day.clear()
        self.agent_since.clear()
        self.day_start = math.floor(now / DAY_SECONDS) * DAY_SECONDS

    def turn_day(self, now: float) -> None:
        """At midnight UTC today's figures start again."""
        if now >= self.day_start + DAY_SECONDS:
            self.day_start = math.floor(now / DAY_SECONDS) * DAY_SECONDS
            self.day.clear()

    def adopt_pending(self, state: dict[str, Any]) -> None:
        """Open offers and entry times from an engine snapshot (after a rebuild)."""
        self.offers = {
            o["id"]: PendingOffer(
                o["id"], o["interaction_id"], o["agent_id"], o["queue_id"], o["expires_at"]
            )
            for o in state["offers"]
        }
        self.entered = {
            ix["id"]: (ix["queue_id"], ix["entered_at"]) for ix in state["interactions"]
        }

    def mean_handle_seconds(self, queue_id: str, default: float) -> float:
        handles = self.day[queue_id].handle_seconds
        return sum(handles) / len(handles) if handles else default

    def remember(self, event: RoutingEvent) -> None:
        kind = type(event)
        if isinstance(event, OfferMade):
            self.offers[event.offer_id] = PendingOffer(
                event.offer_id,
                event.interaction_id,
                event.agent_id,
                event.queue_id,
                event.expires_at,
            )
        elif kind in OFFER_END_REASONS:
            offer_id: str = getattr(event, "offer_id")  # noqa: B009 (every offer end has one)
            self.offers.pop(offer_id, None)
            self.ended_offers[offer_id] = OFFER_END_REASONS[kind]
            if len(self.ended_offers) > ENDED_OFFERS_KEPT:
                self.ended_offers.pop(next(iter(self.ended_offers)))
        if isinstance(event, AgentPresenceChanged | AgentActivityChanged):
            self.agent_since[event.agent_id] = event.at
        elif isinstance(event, InteractionEnqueued):
            self.entered[event.interaction_id] = (event.queue_id, event.entered_at)
        elif isinstance(event, InteractionTransferred):
            self.entered[event.interaction_id] = (event.to_queue_id, event.entered_at)
        elif isinstance(event, InteractionMovedToTarget):
            self._move(event.interaction_id, event.queue_id)
        elif isinstance(event, InteractionOverflowed):
            self._move(event.interaction_id, event.to_queue_id)
        elif isinstance(event, OfferAccepted):
            entered = self.entered.get(event.interaction_id)
            if entered and event.at >= self.day_start:
                queue_id, entered_at = entered
                day = self.day[queue_id]
                day.answered += 1
                if event.at - entered_at <= self._threshold(queue_id):
                    day.answered_within += 1
        elif isinstance(event, InteractionAbandoned):
            if event.at >= self.day_start:
                self.day[event.queue_id].abandoned += 1
            self.entered.pop(event.interaction_id, None)
        elif isinstance(event, InteractionCompleted):
            self.day[event.queue_id].handle_seconds.append(event.handle_seconds)
            self.entered.pop(event.interaction_id, None)
        elif isinstance(event, InteractionCancelled | InteractionTransferredOut):
            self.entered.pop(event.interaction_id, None)

    def _move(self, interaction_id: str, queue_id: str) -> None:
        entered = self.entered.get(interaction_id)
        if entered:
            self.entered[interaction_id] = (queue_id, entered[1])
