"""Configuration of the routing engine: queues, workflows, targets, capacity, settings.

Every configuration dataclass is frozen and validated by :func:`validate_queue` /
:func:`validate_workflow` when given to the engine. ``to_dict``/``from_dict`` give a plain
JSON-able form (used by engine snapshots and by storage).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from switchdesk.domain.errors import ConfigurationError

__all__ = [
    "DEFAULT_CAPACITY",
    "Activity",
    "AgentPreference",
    "CapacityProfile",
    "Filter",
    "Level",
    "Presence",
    "QueueConfig",
    "RoutingSettings",
    "SkipIf",
    "Strategy",
    "Target",
    "WorkflowConfig",
]


class Strategy(enum.StrEnum):
    """How a queue orders its eligible agents (smaller key first)."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    FEWEST_CONTACTS = "fewest_contacts"
    LEAST_OCCUPIED = "least_occupied"
    BEST_PROFICIENCY = "best_proficiency"
    TOP_DOWN = "top_down"
    RANDOM = "random"
    RING_ALL = "ring_all"
    RING_PROGRESSIVE = "ring_progressive"
    STICKY = "sticky"


class Presence(enum.StrEnum):
    """Presence, set by people."""

    AVAILABLE = "available"
    OFFLINE = "offline"
    NOT_READY = "not_ready"


class Activity(enum.StrEnum):
    """Routing activity, derived by the engine (precedence: missed > on-contact > ACW >
    offered > idle)."""

    IDLE = "idle"
    OFFERED = "offered"
    ON_CONTACT = "on_contact"
    AFTER_CONTACT_WORK = "after_contact_work"
    MISSED = "missed"


class SkipIf(enum.StrEnum):
    """When a workflow target is skipped on entry."""

    NO_AVAILABLE_AGENTS = "no_available_agents"
    NO_AGENTS_LOGGED_IN = "no_agents_logged_in"


class AgentPreference(enum.StrEnum):
    """A target that waits for one agent only."""

    PREFERRED = "preferred"  # interaction.preferred_agent_id given at enqueue
    LAST = "last"  # the last agent who served the same contact


@dataclass(frozen=True, slots=True)
class CapacityProfile:
    """Weighted capacity: ``total``, a ``cost`` per channel kind, a per-kind ``maximum``.

    A kind with no cost cannot be routed to the agent. A voice cost equal to ``total``
    means a call takes the whole agent.
    """

    total: int = 100
    costs: Mapping[str, int] = field(default_factory=dict)
    maximum: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "costs": dict(sorted(self.costs.items())),
            "maximum": dict(sorted(self.maximum.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CapacityProfile:
        return cls(
            total=int(data["total"]),
            costs=dict(data.get("costs", {})),
            maximum=dict(data.get("maximum", {})),
        )


DEFAULT_CAPACITY = CapacityProfile(
    total=100,
    costs={"voice": 100, "callback": 100, "chat": 33, "email": 20, "message": 20},
    maximum={"chat": 3, "email": 5, "message": 5},
)


@dataclass(frozen=True, slots=True)
class Level:
    """A tier of a queue: agents whose attributes match ``expression`` (agent-only)."""

    expression: str

    def to_dict(self) -> dict[str, Any]:
        return {"expression": self.expression}


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue. Durations are seconds.

    - ``eligibility``: agent-only expression; members are agents for whom it is true.
    - ``levels``: optional tiers; an agent's level is the first matching one (0-based);
      with levels, an eligible agent matching none is not a member. Lower levels always
      come first; a target's ``max_level`` widens to higher levels.
    - ``proficiency_skill``: key in ``agent.skills`` used by ``best_proficiency``.
    - ``agent_order``: agent ids for ``top_down`` (others after, in registration order).
    - ``priority_aging_seconds``: waiting this long adds one priority point (linear).
    - ``weight``: across queues, a higher weight is served first (before priority).
    - ``max_wait_seconds`` + ``overflow_queue_id`` / ``overflow_destination``: after this
      long in the queue the interaction moves to the overflow queue, or leaves the engine
      (transferred out to the destination, e.g. voicemail).
    """

    id: str
    eligibility: str = "true"
    strategy: Strategy = Strategy.LONGEST_IDLE
    levels: tuple[Level, ...] = ()
    offer_timeout_seconds: float = 30.0
    after_contact_work_seconds: float = 0.0
    max_wait_seconds: float | None = None
    overflow_queue_id: str | None = None
    overflow_destination: str | None = None
    proficiency_skill: str | None = None
    agent_order: tuple[str, ...] = ()
    random_seed: int = 0
    ring_step_seconds: float = 10.0
    sticky_seconds: float = 86400.0
    priority_aging_seconds: float | None = None
    weight: int = 0
    decline_backoff_seconds: float = 5.0
    no_answer_backoff_seconds: float = 10.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eligibility": self.eligibility,
            "strategy": self.strategy.value,
            "levels": [level.expression for level in self.levels],
            "offer_timeout_seconds": self.offer_timeout_seconds,
            "after_contact_work_seconds": self.after_contact_work_seconds,
            "max_wait_seconds": self.max_wait_seconds,
            "overflow_queue_id": self.overflow_queue_id,
            "overflow_destination": self.overflow_destination,
            "proficiency_skill": self.proficiency_skill,
            "agent_order": list(self.agent_order),
            "random_seed": self.random_seed,
            "ring_step_seconds": self.ring_step_seconds,
            "sticky_seconds": self.sticky_seconds,
            "priority_aging_seconds": self.priority_aging_seconds,
            "weight": self.weight,
            "decline_backoff_seconds": self.decline_backoff_seconds,
            "no_answer_backoff_seconds": self.no_answer_backoff_seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueueConfig:
        values = dict(data)
        values["strategy"] = Strategy(values.get("strategy", Strategy.LONGEST_IDLE))
        values["levels"] = tuple(Level(str(e)) for e in values.get("levels", ()))
        values["agent_order"] = tuple(values.get("agent_order", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Target:
    """One step of a workflow.

    ``timeout_seconds`` is cumulative from entering the workflow (None: no timeout).
    ``expression`` narrows the queue's members (may use ``interaction.*``). ``priority``
    replaces the interaction's priority on entry. ``max_level`` limits the queue levels
    offered (None: all). ``agent``: wait for one agent only (preferred or last served).
    """

    queue_id: str
    expression: str | None = None
    priority: int | None = None
    timeout_seconds: float | None = None
    max_level: int | None = None
    skip_if: SkipIf | None = None
    agent: AgentPreference | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue_id": self.queue_id,
            "expression": self.expression,
            "priority": self.priority,
            "timeout_seconds": self.timeout_seconds,
            "max_level": self.max_level,
            "skip_if": self.skip_if.value if self.skip_if else None,
            "agent": self.agent.value if self.agent else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        skip_if = data.get("skip_if")
        agent = data.get("agent")
        return cls(
            queue_id=str(data["queue_id"]),
            expression=data.get("expression"),
            priority=data.get("priority"),
            timeout_seconds=data.get("timeout_seconds"),
            max_level=data.get("max_level"),
            skip_if=SkipIf(skip_if) if skip_if else None,
            agent=AgentPreference(agent) if agent else None,
        )


@dataclass(frozen=True, slots=True)
class Filter:
    """A workflow filter: an interaction-only expression and its targets."""

    name: str
    expression: str
    targets: tuple[Target, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expression": self.expression,
            "targets": [t.to_dict() for t in self.targets],
        }


@dataclass(frozen=True, slots=True)
class WorkflowConfig:
    """Ordered filters (first match wins), else ``default_targets``."""

    id: str
    filters: tuple[Filter, ...] = ()
    default_targets: tuple[Target, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filters": [f.to_dict() for f in self.filters],
            "default_targets": [t.to_dict() for t in self.default_targets],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkflowConfig:
        return cls(
            id=str(data["id"]),
            filters=tuple(
                Filter(
                    name=str(f["name"]),
                    expression=str(f["expression"]),
                    targets=tuple(Target.from_dict(t) for t in f["targets"]),
                )
                for f in data.get("filters", ())
            ),
            default_targets=tuple(Target.from_dict(t) for t in data.get("default_targets", ())),
        )


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """Workspace-wide settings.

    - ``max_missed_offers``: missed (expired) offers in a row that put an agent in
      not-ready with reason ``missed_reason`` (0 disables).
    - ``resume_window_seconds``: a contact who abandoned and comes back (same contact id,
      same workflow or queue) within this window resumes the old place (0 disables).
    - ``activity_events``: emit ``AgentActivityChanged`` (default). A simulation that does
      not report agent activity may turn it off: activity stays derivable from the offer,
      assignment and after-contact work events, and ``agent_status`` still reports it.
    """

    max_missed_offers: int = 3
    missed_reason: str = "missed"
    resume_window_seconds: float = 0.0
    activity_events: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_missed_offers": self.max_missed_offers,
            "missed_reason": self.missed_reason,
            "resume_window_seconds": self.resume_window_seconds,
            "activity_events": self.activity_events,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingSettings:
        return cls(**dict(data))


def _positive(value: float | None, name: str, where: str, *, allow_zero: bool = True) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigurationError(
            f"{where}: {name} must be {'>= 0' if allow_zero else '> 0'}, got {value}",
            where=where,
            field=name,
        )


def validate_capacity(capacity: CapacityProfile, where: str = "capacity") -> None:
    """Whole numbers: a total of at least 1, costs 1 to total, maximums of at least 1."""

    def whole(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not whole(capacity.total) or capacity.total < 1:
        raise ConfigurationError(
            f"{where}: capacity total must be a whole number >= 1, got {capacity.total!r}",
            where=where,
            field="total",
        )
    for kind, cost in capacity.costs.items():
        if not whole(cost) or not 1 <= cost <= capacity.total:
            raise ConfigurationError(
                f"{where}: the cost of {kind!r} must be a whole number from 1 to the total "
                f"{capacity.total}, got {cost!r}",
                where=where,
                field="costs",
            )
    for kind, limit in capacity.maximum.items():
        if not whole(limit) or limit < 1:
            raise ConfigurationError(
                f"{where}: the maximum of {kind!r} must be a whole number >= 1, got {limit!r}",
                where=where,
                field="maximum",
            )


def validate_queue(config: QueueConfig) -> None:
    """Check numbers and combinations (expressions are checked when compiled)."""
    where = f"queue {config.id!r}"
    if not config.id:
        raise ConfigurationError("queue id must not be empty", field="id")
    _positive(config.offer_timeout_seconds, "offer_timeout_seconds", where, allow_zero=False)
    _positive(config.after_contact_work_seconds, "after_contact_work_seconds", where)
    _positive(config.max_wait_seconds, "max_wait_seconds", where, allow_zero=False)
    _positive(config.ring_step_seconds, "ring_step_seconds", where, allow_zero=False)
    _positive(config.sticky_seconds, "sticky_seconds", where)
    _positive(config.priority_aging_seconds, "priority_aging_seconds", where, allow_zero=False)
    _positive(config.decline_backoff_seconds, "decline_backoff_seconds", where)
    _positive(config.no_answer_backoff_seconds, "no_answer_backoff_seconds", where)
    if config.overflow_queue_id is not None and config.overflow_destination is not None:
        raise ConfigurationError(
            f"{where}: set overflow_queue_id or overflow_destination, not both",
            where=where,
            field="overflow_queue_id",
        )
    if (
        config.max_wait_seconds is not None
        and config.overflow_queue_id is None
        and config.overflow_destination is None
    ):
        raise ConfigurationError(
            f"{where}: max_wait_seconds needs overflow_queue_id or overflow_destination",
            where=where,
            field="max_wait_seconds",
        )
    if config.overflow_queue_id == config.id:
        raise ConfigurationError(
            f"{where}: a queue cannot overflow to itself", where=where, field="overflow_queue_id"
        )
    if config.strategy is Strategy.BEST_PROFICIENCY and not config.proficiency_skill:
        raise ConfigurationError(
            f"{where}: strategy best_proficiency needs proficiency_skill",
            where=where,
            field="proficiency_skill",
        )


def validate_workflow(config: WorkflowConfig, queue_ids: set[str]) -> None:
    where = f"workflow {config.id!r}"
    if not config.id:
        raise ConfigurationError("workflow id must not be empty", field="id")
    groups = [(f"filter {f.name!r}", f.targets) for f in config.filters]
    groups.append(("default targets", config.default_targets))
    for label, targets in groups:
        if not targets:
            raise ConfigurationError(f"{where}, {label}: needs at least one target", where=where)
        previous = 0.0
        for index, target in enumerate(targets):
            place = f"{where}, {label}, target {index}"
            if target.queue_id not in queue_ids:
                raise ConfigurationError(
                    f"{place}: unknown queue {target.queue_id!r}", where=place, field="queue_id"
                )
            _positive(target.timeout_seconds, "timeout_seconds", place)
            if target.max_level is not None and target.max_level < 0:
                raise ConfigurationError(
                    f"{place}: max_level must be >= 0", where=place, field="max_level"
                )
            if target.timeout_seconds is not None:
                if target.timeout_seconds < previous:
                    raise ConfigurationError(
                        f"{place}: timeouts are cumulative from entering the workflow and "
                        f"must not decrease ({target.timeout_seconds} < {previous})",
                        where=place,
                        field="timeout_seconds",
                    )
                previous = target.timeout_seconds
            elif index != len(targets) - 1:
                raise ConfigurationError(
                    f"{place}: only the last target may have no timeout",
                    where=place,
                    field="timeout_seconds",
                )
