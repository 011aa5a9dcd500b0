"""Agents as the routing engine holds them: attributes, presence, capacity, counters.

An :class:`Agent` is mutable engine state, changed only by the engine's event appliers.
``routable`` and ``can_take`` are the capacity rules:

- routable: presence ``available``, no after-contact work running, no back-off running;
- can take a channel kind: routable, the kind has a cost in the agent's capacity profile,
  used + cost <= total (pending offers hold capacity), and fewer than the per-kind maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from switchdesk.domain.routing.model import Activity, CapacityProfile, Presence

if TYPE_CHECKING:
    from switchdesk.domain.routing.interactions import Interaction, Offer
    from switchdesk.domain.routing.queues import QueueRuntime

__all__ = ["Agent"]

_NO_LIMIT = 1 << 30
# Enum members as module constants (``Enum.MEMBER`` is a slow metaclass hook).
_AVAILABLE = Presence.AVAILABLE
_MISSED = Activity.MISSED
_ON_CONTACT = Activity.ON_CONTACT
_AFTER_CONTACT_WORK = Activity.AFTER_CONTACT_WORK
_OFFERED = Activity.OFFERED
_IDLE = Activity.IDLE
_FREE_KINDS: dict[tuple[str, ...], tuple[str, ...]] = {}  # interned: few distinct values


def _skill_levels(attributes: Mapping[str, Any]) -> dict[str, float]:
    """Numeric proficiencies from ``attributes["skills"]`` (for best proficiency)."""
    skills = attributes.get("skills")
    if not isinstance(skills, Mapping):
        return {}
    return {
        str(name): level
        for name, level in skills.items()
        if isinstance(level, int | float) and not isinstance(level, bool)
    }


class Agent:
    """One agent of the workspace (engine state)."""

    __slots__ = (
        "activity",
        "acw",
        "assignments",
        "attr_version",
        "attributes",
        "backoff_until",
        "capacity",
        "contacts",
        "costs",
        "counts",
        "entries",
        "free_kinds",
        "handle_seconds",
        "id",
        "idle_since",
        "last_offer_seq",
        "maximum",
        "member_levels",
        "member_queues",
        "memberships",
        "min_cost",
        "missed",
        "missed_in_row",
        "offers",
        "presence",
        "reason",
        "routable",
        "seq",
        "skill_levels",
        "stamp",
        "total",
        "used",
        "view",
    )

    def __init__(
        self,
        agent_id: str,
        seq: int,
        attributes: dict[str, Any],
        capacity: CapacityProfile,
        at: float,
    ) -> None:
        self.id = agent_id
        self.seq = seq
        self.attributes: dict[str, Any] = attributes
        self.view: dict[str, Any] = {**attributes, "id": agent_id}
        self.skill_levels = _skill_levels(attributes)
        self.attr_version = 0
        self.used = 0
        self.counts: dict[str, int] = {}
        self.set_capacity(capacity)
        self.presence = Presence.OFFLINE
        self.reason: str | None = None
        self.offers: dict[str, Offer] = {}
        self.assignments: dict[str, Interaction] = {}
        self.acw: dict[str, float] = {}
        self.backoff_until: float | None = None
        self.missed_in_row = 0
        self.missed = False
        self.idle_since = at
        self.last_offer_seq: dict[str, int] = {}
        self.contacts: dict[str, int] = {}
        self.handle_seconds = 0.0
        self.stamp = 0
        # this agent's current index entry in each kind heap, by the heap's token
        self.entries: dict[int, tuple[Any, ...]] = {}
        self.memberships: dict[str, int] = {}  # queue id -> level
        # The same, resolved, as two parallel lists (fewer objects for the collector).
        self.member_queues: list[QueueRuntime] = []
        self.member_levels: tuple[int, ...] = ()
        self.activity = Activity.IDLE
        self.routable = False

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
        self.view = {**attributes, "id": self.id}
        self.skill_levels = _skill_levels(attributes)
        self.attr_version += 1

    def set_capacity(self, capacity: CapacityProfile) -> None:
        """Take a capacity profile; what is held (offers, contacts) counts at its costs."""
        self.capacity = capacity
        self.total = capacity.total
        # Shared with the (interned, frozen) profile: never mutated.
        self.costs: Mapping[str, int] = capacity.costs
        self.maximum: Mapping[str, int] = capacity.maximum
        self.min_cost = min(self.costs.values(), default=_NO_LIMIT)
        # What the agent can take when it holds nothing (the common case on re-index); one
        # shared tuple per distinct answer, so 10,000 agents add no objects to collect.
        kinds = tuple(
            sorted(
                kind
                for kind, cost in self.costs.items()
                if cost <= self.total and self.maximum.get(kind, _NO_LIMIT) > 0
            )
        )
        self.free_kinds = _FREE_KINDS.setdefault(kinds, kinds)
        self.used = sum(self.costs.get(kind, 0) * held for kind, held in self.counts.items())

    def refresh_routable(self) -> None:
        self.routable = self.presence is _AVAILABLE and not self.acw and self.backoff_until is None

    def can_take(self, kind: str) -> bool:
        if not self.routable:
            return False
        cost = self.costs.get(kind)
        used = self.used
        if cost is None or used + cost > self.total:
            return False
        if not used:  # holds nothing (costs are at least 1): no need to read the counts
            return self.maximum.get(kind, _NO_LIMIT) > 0
        return self.counts.get(kind, 0) < self.maximum.get(kind, _NO_LIMIT)

    def capacity_reason(self, kind: str) -> str | None:
        """Why the agent cannot take ``kind`` for capacity reasons (None: it can)."""
        cost = self.costs.get(kind)
        if cost is None:
            return f"no capacity for channel kind {kind!r} in the agent's profile"
        if self.used + cost > self.total:
            return f"no capacity: {self.used} of {self.total} used, {kind} needs {cost}"
        limit = self.maximum.get(kind, _NO_LIMIT)
        if self.counts.get(kind, 0) >= limit:
            return f"at the maximum of {limit} {kind} interactions"
        return None

    def hold(self, kind: str) -> None:
        self.used += self.costs.get(kind, 0)
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def release(self, kind: str) -> None:
        self.used -= self.costs.get(kind, 0)
        left = self.counts.get(kind, 0) - 1
        if left > 0:
            self.counts[kind] = left
        else:
            self.counts.pop(kind, None)

    def derive_activity(self) -> Activity:
        if self.missed:
            return _MISSED
        if self.assignments:
            return _ON_CONTACT
        if self.acw:
            return _AFTER_CONTACT_WORK
        if self.offers:
            return _OFFERED
        return _IDLE
