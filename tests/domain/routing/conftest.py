"""A small harness around RoutingEngine for behaviour tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from switchdesk.domain.routing import (
    CapacityProfile,
    OfferMade,
    Presence,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
    RoutingSettings,
    WorkflowConfig,
)

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})
MULTI = CapacityProfile(
    total=100,
    costs={"voice": 100, "callback": 100, "chat": 34, "email": 20},
    maximum={"chat": 3, "email": 5},
)


class Desk:
    """Drives one engine; keeps every event and the current time."""

    def __init__(self, settings: RoutingSettings | None = None) -> None:
        self.engine = RoutingEngine(settings)
        self.events: list[RoutingEvent] = []
        self.now = 0.0

    def run(self, method: str, *args: Any, **kwargs: Any) -> list[RoutingEvent]:
        """Fire the timers due by ``self.now`` (as the server does), then run the command."""
        if method != "advance":
            self.events.extend(self.engine.advance(self.now))
        events: list[RoutingEvent] = getattr(self.engine, method)(*args, **kwargs)
        self.events.extend(events)
        return events

    def at(self, now: float) -> Desk:
        self.now = now
        return self

    def queue(self, queue_id: str, **options: Any) -> None:
        self.run("configure_queue", QueueConfig(queue_id, **options), self.now)

    def workflow(self, config: WorkflowConfig) -> None:
        self.run("configure_workflow", config, self.now)

    def agent(
        self,
        agent_id: str,
        *,
        available: bool = True,
        capacity: CapacityProfile = MULTI,
        **attributes: Any,
    ) -> list[RoutingEvent]:
        return self.run(
            "register_agent",
            agent_id,
            self.now,
            attributes=attributes,
            capacity=capacity,
            presence=Presence.AVAILABLE if available else Presence.OFFLINE,
        )

    def presence(
        self, agent_id: str, presence: str, reason: str | None = None
    ) -> list[RoutingEvent]:
        return self.run("set_presence", agent_id, presence, self.now, reason=reason)

    def enqueue(
        self, interaction_id: str, queue: str | None = None, *, kind: str = "voice", **options: Any
    ) -> list[RoutingEvent]:
        if queue is not None:
            options["queue_id"] = queue
        return self.run("enqueue", interaction_id, self.now, channel_kind=kind, **options)

    def advance(self, now: float) -> list[RoutingEvent]:
        self.now = now
        return self.run("advance", now)

    def pending(self, interaction_id: str) -> dict[str, str]:
        """offer id -> agent id of the interaction's pending offers."""
        status = self.engine.interaction_status(interaction_id)
        offers: dict[str, str] = status["offers"]
        return offers

    def offered_to(self, interaction_id: str) -> list[str]:
        return sorted(self.pending(interaction_id).values())

    def offer_id(self, interaction_id: str, agent_id: str | None = None) -> str:
        for offer_id, offered in self.pending(interaction_id).items():
            if agent_id is None or offered == agent_id:
                return offer_id
        raise AssertionError(f"no pending offer of {interaction_id} to {agent_id}")

    def accept(self, interaction_id: str, agent_id: str | None = None) -> list[RoutingEvent]:
        return self.run("accept", self.offer_id(interaction_id, agent_id), self.now)

    def decline(self, interaction_id: str, agent_id: str | None = None) -> list[RoutingEvent]:
        return self.run("decline", self.offer_id(interaction_id, agent_id), self.now)

    def answer(self, interaction_id: str) -> str:
        """Accept the single pending offer; return the agent."""
        agent_id = self.offered_to(interaction_id)[0]
        self.accept(interaction_id, agent_id)
        return agent_id

    def complete(self, interaction_id: str, **options: Any) -> list[RoutingEvent]:
        return self.run("complete", interaction_id, self.now, **options)

    def state(self, interaction_id: str) -> str:
        return str(self.engine.interaction_status(interaction_id)["state"])

    def agent_of(self, interaction_id: str) -> str | None:
        value = self.engine.interaction_status(interaction_id)["agent_id"]
        return None if value is None else str(value)

    def offers_made(self, events: list[RoutingEvent] | None = None) -> list[tuple[str, str]]:
        """(interaction id, agent id) of OfferMade events, in order."""
        source = self.events if events is None else events
        return [(e.interaction_id, e.agent_id) for e in source if isinstance(e, OfferMade)]

    def of_type(self, event_type: type, events: list[RoutingEvent] | None = None) -> list[Any]:
        source = self.events if events is None else events
        return [e for e in source if isinstance(e, event_type)]


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def make_desk() -> Callable[..., Desk]:
    return Desk
