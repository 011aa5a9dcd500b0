"""Interactions and offers as the routing engine holds them (engine state)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from switchdesk.domain.routing.model import Target

if TYPE_CHECKING:
    from switchdesk.domain.routing.agents import Agent
    from switchdesk.domain.routing.queues import Lane

__all__ = ["Interaction", "InteractionState", "Offer"]


class InteractionState(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"


_WAITING = InteractionState.WAITING  # a global: ``Enum.MEMBER`` is a slow metaclass hook


class Interaction:
    """One routable unit: a call, a chat, an email, a callback..."""

    __slots__ = (
        "_view",
        "agent_id",
        "assigned_at",
        "attributes",
        "channel_kind",
        "contact_id",
        "entered_at",
        "filter_index",
        "fixed_agent_id",
        "id",
        "lane",
        "offers",
        "preferred_agent_id",
        "priority",
        "queue_entered_at",
        "queue_id",
        "ring_next_at",
        "seq",
        "state",
        "target_agent_id",
        "target_index",
        "targets",
        "token",
        "workflow_id",
    )

    def __init__(
        self,
        interaction_id: str,
        channel_kind: str,
        attributes: Mapping[str, Any],
        priority: int,
        contact_id: str | None,
        preferred_agent_id: str | None,
        workflow_id: str | None,
        filter_index: int,
        targets: tuple[Target, ...],
        target_index: int,
        target_agent_id: str | None,
        entered_at: float,
        seq: int,
        at: float,
    ) -> None:
        self.id = interaction_id
        self.channel_kind = channel_kind
        self.attributes = attributes
        self.priority = priority
        self.contact_id = contact_id
        self.preferred_agent_id = preferred_agent_id
        self.workflow_id = workflow_id
        self.filter_index = filter_index
        self.targets = targets
        self.target_index = target_index
        self.target_agent_id = target_agent_id
        self.fixed_agent_id: str | None = None
        self.queue_id = targets[target_index].queue_id
        self.entered_at = entered_at
        self.queue_entered_at = at
        self.seq = seq
        self.state = _WAITING
        self.offers: dict[str, Offer] = {}
        self.agent_id: str | None = None
        self.assigned_at: float | None = None
        self.ring_next_at: float | None = None
        self.lane: Lane | None = None
        self.token = 0
        self._view: dict[str, Any] | None = None

    def refresh_view(self) -> None:
        self._view = None

    @property
    def view(self) -> dict[str, Any]:
        """What ``interaction.*`` in expressions reads (built on first use)."""
        view = self._view
        if view is None:
            view = self._view = self.build_view()
        return view

    def build_view(self) -> dict[str, Any]:
        return {
            **self.attributes,
            "id": self.id,
            "channel_kind": self.channel_kind,
            "priority": self.priority,
            "contact_id": self.contact_id,
        }

    @property
    def target(self) -> Target:
        return self.targets[self.target_index]


class Offer:
    """A pending proposal of an interaction to an agent (holds the agent's capacity)."""

    __slots__ = (
        "agent",
        "expires_at",
        "id",
        "interaction",
        "kind",
        "made_at",
        "number",
        "queue_id",
    )

    def __init__(
        self,
        offer_id: str,
        number: int,
        interaction: Interaction,
        agent: Agent,
        queue_id: str,
        kind: str,
        made_at: float,
        expires_at: float,
    ) -> None:
        self.id = offer_id
        self.number = number
        self.interaction = interaction
        self.agent = agent
        self.queue_id = queue_id
        self.kind = kind
        self.made_at = made_at
        self.expires_at = expires_at
