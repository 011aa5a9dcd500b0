"""Scenarios: queues, workflows, agents and traffic, as plain dataclasses.

The routing part of a scenario is the live server's configuration, field for field:
``routing`` is :class:`RoutingSettings`, each item of ``queues`` a :class:`QueueConfig`,
each item of ``workflows`` a :class:`WorkflowConfig`, and each agent group's
``attributes`` and ``capacity`` are what ``RoutingEngine.register_agent`` takes (the
dictionaries go through the engine's own ``from_dict``). What only a simulation needs
(traffic, rosters, the clock) sits beside it. :func:`scenario_from_dict` reads the plain
form (what a YAML or JSON file holds; parsing files is the caller's job).

Times of day are seconds of the simulated clock or ``"HH:MM"`` / ``"HH:MM:SS"`` strings
(clock 0 is midnight of the simulated day).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from switchdesk.domain.errors import ConfigurationError
from switchdesk.domain.reporting import (
    DEFAULT_SERVICE_LEVEL_FORMULA,
    DEFAULT_SHORT_ABANDON_SECONDS,
    ServiceLevelFormula,
)
from switchdesk.domain.routing import (
    DEFAULT_CAPACITY,
    CapacityProfile,
    QueueConfig,
    RoutingSettings,
    WorkflowConfig,
)
from switchdesk.simulation.distributions import ArrivalSpec, DurationSpec

__all__ = [
    "AgentGroup",
    "Break",
    "Scenario",
    "Shift",
    "SimulationSettings",
    "TrafficStream",
    "parse_clock",
    "scenario_from_dict",
]

NO_PATIENCE = DurationSpec("none")
_CLOCK = re.compile(r"^\s*(\d{1,3}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


def parse_clock(value: Any, name: str = "time") -> float:
    """Seconds from a number of seconds or an ``"HH:MM[:SS]"`` string."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{name}: expected seconds or HH:MM, got {value!r}", field=name)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _CLOCK.match(value)
        if match is None:
            try:
                seconds = float(value)
            except ValueError:
                raise ConfigurationError(
                    f"{name}: expected seconds or HH:MM, got {value!r}", field=name
                ) from None
        else:
            hours, minutes, secs = match.groups()
            seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs or 0)
    else:
        raise ConfigurationError(f"{name}: expected seconds or HH:MM, got {value!r}", field=name)
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigurationError(f"{name}: must be a finite time >= 0, got {value!r}", field=name)
    return seconds


def format_clock(seconds: float) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"`` when not on a minute) of a clock time."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}"


@dataclass(frozen=True, slots=True)
class Break:
    """Not-ready time inside a shift (``reason`` is the not-ready reason code)."""

    start_seconds: float
    end_seconds: float
    reason: str = "break"


@dataclass(frozen=True, slots=True)
class Shift:
    """``count`` agents available from ``start_seconds`` to ``end_seconds``, with breaks."""

    start_seconds: float
    end_seconds: float
    count: int = 1
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentGroup:
    """Agents with the same attributes and capacity profile.

    The roster is one of: ``count`` agents available all the time; ``shifts``; or a
    ``staffing`` profile (agents available per interval of ``staffing_interval_seconds``
    from the simulation start: agent ``k`` works the intervals whose count exceeds ``k``).
    Agent ids are ``"<group>-<k>"``.
    """

    id: str
    count: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)
    capacity: CapacityProfile = DEFAULT_CAPACITY
    shifts: tuple[Shift, ...] = ()
    staffing: tuple[int, ...] = ()
    staffing_interval_seconds: float = 1800.0

    @property
    def size(self) -> int:
        """How many agents the group registers."""
        if self.shifts:
            return sum(s.count for s in self.shifts)
        if self.staffing:
            return max(self.staffing, default=0)
        return self.count


@dataclass(frozen=True, slots=True)
class TrafficStream:
    """One kind of contact: where it enters (a workflow or a queue), its channel kind and
    attributes, when contacts arrive, how long they take and how long they wait."""

    id: str
    arrivals: ArrivalSpec
    handle_time: DurationSpec
    channel_kind: str = "voice"
    queue_id: str | None = None
    workflow_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    priority: int = 0
    patience: DurationSpec = NO_PATIENCE
    after_contact_work: DurationSpec | None = None  # None: the queue's setting


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """The clock and the statistics.

    Arrivals fall in ``[start_seconds, end_seconds)``; the run goes on until the last
    contact is over. Contacts arriving in the first ``warmup_seconds`` are routed but not
    counted. ``answer_seconds`` is how long an offer rings before the agent accepts.
    """

    start_seconds: float = 0.0
    end_seconds: float = 86400.0
    interval_seconds: float = 1800.0
    warmup_seconds: float = 0.0
    replications: int = 1
    seed: int = 1
    confidence: float = 0.95
    threshold_seconds: float = 20.0
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS
    formula: ServiceLevelFormula = DEFAULT_SERVICE_LEVEL_FORMULA
    answer_seconds: float = 0.0

    def __post_init__(self) -> None:
        if not self.end_seconds > self.start_seconds:
            raise ConfigurationError("simulation: end must be after start", field="end")
        if not self.interval_seconds > 0:
            raise ConfigurationError(
                "simulation: interval_seconds must be > 0", field="interval_seconds"
            )
        if not 0 <= self.warmup_seconds < self.end_seconds - self.start_seconds:
            raise ConfigurationError(
                "simulation: warmup_seconds must be >= 0 and shorter than the day",
                field="warmup_seconds",
            )
        if self.replications < 1:
            raise ConfigurationError("simulation: replications must be >= 1", field="replications")
        if not 0 < self.confidence < 1:
            raise ConfigurationError("simulation: confidence must be in (0, 1)", field="confidence")
        if self.threshold_seconds < 0 or self.short_abandon_seconds < 0 or self.answer_seconds < 0:
            raise ConfigurationError(
                "simulation: thresholds and answer_seconds must be >= 0",
                field="threshold_seconds",
            )

    @property
    def intervals(self) -> int:
        return math.ceil((self.end_seconds - self.start_seconds) / self.interval_seconds - 1e-9)


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one simulation needs. See the module docstring."""

    name: str
    settings: SimulationSettings
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentGroup, ...]
    traffic: tuple[TrafficStream, ...]
    workflows: tuple[WorkflowConfig, ...] = ()
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    description: str = ""

    def __post_init__(self) -> None:
        queue_ids = {q.id for q in self.queues}
        workflow_ids = {w.id for w in self.workflows}
        if not self.traffic:
            raise ConfigurationError("scenario: traffic needs at least one stream", field="traffic")
        seen: set[str] = set()
        for stream in self.traffic:
            where = f"traffic {stream.id!r}"
            if stream.id in seen:
                raise ConfigurationError(f"{where}: duplicate id", field="id")
            seen.add(stream.id)
            if (stream.queue_id is None) == (stream.workflow_id is None):
                raise ConfigurationError(
                    f"{where}: give exactly one of queue_id and workflow_id", field="queue_id"
                )
            if stream.queue_id is not None and stream.queue_id not in queue_ids:
                raise ConfigurationError(
                    f"{where}: unknown queue {stream.queue_id!r}", field="queue_id"
                )
            if stream.workflow_id is not None and stream.workflow_id not in workflow_ids:
                raise ConfigurationError(
                    f"{where}: unknown workflow {stream.workflow_id!r}", field="workflow_id"
                )
            if stream.handle_time.kind == "none":
                raise ConfigurationError(f"{where}: handle_time cannot be 'none'", field="kind")
        groups: set[str] = set()
        for group in self.agents:
            if group.id in groups:
                raise ConfigurationError(f"agent group {group.id!r}: duplicate id", field="id")
            groups.add(group.id)


# ---------------------------------------------------------------------------- from dicts


def _check_keys(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{where}: expected a mapping, got {data!r}", where=where)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(allowed)}",
            where=where,
        )


def _duration(data: Any, where: str) -> DurationSpec:
    if data is None:
        return DurationSpec("none")
    if isinstance(data, int | float) and not isinstance(data, bool):
        return DurationSpec("constant", mean_seconds=float(data))
    _check_keys(data, ("kind", "mean_seconds", "sd_seconds", "values", "weights"), where)
    try:
        return DurationSpec(
            kind=str(data.get("kind", "exponential")),
            mean_seconds=float(data.get("mean_seconds", 0.0)),
            sd_seconds=float(data.get("sd_seconds", 0.0)),
            values=tuple(float(v) for v in data.get("values", ())),
            weights=tuple(float(w) for w in data.get("weights", ())),
        )
    except ConfigurationError as error:
        raise ConfigurationError(f"{where}: {error.detail}", where=where) from None


def _arrivals(data: Any, where: str) -> ArrivalSpec:
    _check_keys(
        data,
        (
            "kind",
            "rates_per_hour",
            "calls_per_hour",
            "counts",
            "times",
            "interval_seconds",
            "start",
        ),
        where,
    )
    rates = data.get("rates_per_hour", data.get("calls_per_hour", ()))
    if isinstance(rates, int | float):
        rates = [rates]
    start = data.get("start")
    try:
        return ArrivalSpec(
            kind=str(data.get("kind", "poisson")),
            rates_per_hour=tuple(float(r) for r in rates),
            counts=tuple(int(c) for c in data.get("counts", ())),
            times=tuple(parse_clock(t, f"{where}.times") for t in data.get("times", ())),
            interval_seconds=float(data.get("interval_seconds", 1800.0)),
            start_seconds=None if start is None else parse_clock(start, f"{where}.start"),
        )
    except ConfigurationError as error:
        raise ConfigurationError(f"{where}: {error.detail}", where=where) from None


def _group(data: Mapping[str, Any], index: int) -> AgentGroup:
    where = f"agents[{index}]"
    _check_keys(
        data,
        (
            "id",
            "count",
            "attributes",
            "capacity",
            "shifts",
            "staffing",
            "staffing_interval_seconds",
        ),
        where,
    )
    if "id" not in data:
        raise ConfigurationError(f"{where}: needs an id", where=where, field="id")
    shifts = []
    for s_index, item in enumerate(data.get("shifts", ())):
        place = f"{where}.shifts[{s_index}]"
        _check_keys(item, ("start", "end", "count", "breaks"), place)
        breaks = []
        for b_index, brk in enumerate(item.get("breaks", ())):
            spot = f"{place}.breaks[{b_index}]"
            _check_keys(brk, ("start", "end", "reason"), spot)
            breaks.append(
                Break(
                    parse_clock(brk["start"], f"{spot}.start"),
                    parse_clock(brk["end"], f"{spot}.end"),
                    str(brk.get("reason", "break")),
                )
            )
        shift = Shift(
            parse_clock(item["start"], f"{place}.start"),
            parse_clock(item["end"], f"{place}.end"),
            int(item.get("count", 1)),
            tuple(sorted(breaks, key=lambda b: b.start_seconds)),
        )
        if shift.end_seconds <= shift.start_seconds or shift.count < 0:
            raise ConfigurationError(f"{place}: end must be after start, count >= 0", where=place)
        for brk in shift.breaks:
            if not shift.start_seconds <= brk.start_seconds < brk.end_seconds <= shift.end_seconds:
                raise ConfigurationError(
                    f"{place}: every break must lie inside the shift", where=place
                )
        shifts.append(shift)
    capacity = data.get("capacity")
    group = AgentGroup(
        id=str(data["id"]),
        count=int(data.get("count", 0)),
        attributes=dict(data.get("attributes") or {}),
        capacity=DEFAULT_CAPACITY if capacity is None else CapacityProfile.from_dict(capacity),
        shifts=tuple(shifts),
        staffing=tuple(int(c) for c in data.get("staffing", ())),
        staffing_interval_seconds=float(data.get("staffing_interval_seconds", 1800.0)),
    )
    if sum(1 for x in (group.count, group.shifts, group.staffing) if x) > 1:
        raise ConfigurationError(
            f"{where}: give one of count, shifts and staffing", where=where, field="count"
        )
    return group


def _stream(data: Mapping[str, Any], index: int) -> TrafficStream:
    where = f"traffic[{index}]"
    _check_keys(
        data,
        (
            "id",
            "channel_kind",
            "queue_id",
            "workflow_id",
            "attributes",
            "priority",
            "arrivals",
            "handle_time",
            "patience",
            "after_contact_work",
        ),
        where,
    )
    for key in ("id", "arrivals", "handle_time"):
        if key not in data:
            raise ConfigurationError(f"{where}: needs {key}", where=where, field=key)
    acw = data.get("after_contact_work")
    return TrafficStream(
        id=str(data["id"]),
        arrivals=_arrivals(data["arrivals"], f"{where}.arrivals"),
        handle_time=_duration(data["handle_time"], f"{where}.handle_time"),
        channel_kind=str(data.get("channel_kind", "voice")),
        queue_id=data.get("queue_id"),
        workflow_id=data.get("workflow_id"),
        attributes=dict(data.get("attributes") or {}),
        priority=int(data.get("priority", 0)),
        patience=_duration(data.get("patience"), f"{where}.patience"),
        after_contact_work=None if acw is None else _duration(acw, f"{where}.after_contact_work"),
    )


def _settings(data: Mapping[str, Any]) -> SimulationSettings:
    where = "simulation"
    _check_keys(
        data,
        (
            "start",
            "end",
            "interval_seconds",
            "warmup_seconds",
            "replications",
            "seed",
            "confidence",
            "threshold_seconds",
            "short_abandon_seconds",
            "formula",
            "answer_seconds",
        ),
        where,
    )
    return SimulationSettings(
        start_seconds=parse_clock(data.get("start", 0), "simulation.start"),
        end_seconds=parse_clock(data.get("end", 86400), "simulation.end"),
        interval_seconds=float(data.get("interval_seconds", 1800.0)),
        warmup_seconds=float(data.get("warmup_seconds", 0.0)),
        replications=int(data.get("replications", 1)),
        seed=int(data.get("seed", 1)),
        confidence=float(data.get("confidence", 0.95)),
        threshold_seconds=float(data.get("threshold_seconds", 20.0)),
        short_abandon_seconds=float(
            data.get("short_abandon_seconds", DEFAULT_SHORT_ABANDON_SECONDS)
        ),
        formula=ServiceLevelFormula(str(data.get("formula", DEFAULT_SERVICE_LEVEL_FORMULA))),
        answer_seconds=float(data.get("answer_seconds", 0.0)),
    )


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build a scenario from its plain form (see ``docs/simulation.md``).

    Raises :class:`ConfigurationError` naming the place of the first problem.
    """
    _check_keys(
        data,
        (
            "name",
            "description",
            "simulation",
            "routing",
            "queues",
            "workflows",
            "agents",
            "traffic",
        ),
        "scenario",
    )
    try:
        queues = tuple(QueueConfig.from_dict(q) for q in data.get("queues") or ())
        workflows = tuple(WorkflowConfig.from_dict(w) for w in data.get("workflows") or ())
        routing = RoutingSettings.from_dict(data.get("routing") or {})
    except (TypeError, ValueError, KeyError) as error:
        raise ConfigurationError(f"routing configuration: {error}") from None
    if not queues:
        raise ConfigurationError("scenario: needs at least one queue", field="queues")
    return Scenario(
        name=str(data.get("name", "scenario")),
        description=str(data.get("description", "")),
        settings=_settings(data.get("simulation") or {}),
        routing=routing,
        queues=queues,
        workflows=workflows,
        agents=tuple(_group(g, i) for i, g in enumerate(data.get("agents") or ())),
        traffic=tuple(_stream(t, i) for i, t in enumerate(data.get("traffic") or ())),
    )
