"""Staffing: the fewest agents that meet every target, and headcount under shrinkage.

Every figure used as a target is monotone in the number of agents (service level rises,
ASA, abandonment and occupancy fall), so the fewest agents is found by a monotone search:

- Erlang C: agents must exceed the load, and must reach ``load / max_occupancy`` (compared
  exactly, in fractions). The scan starts at that lower bound and adds one agent at a time,
  updating Erlang B with one recursion step each time: O(agents) in all.
- Erlang A: stable at any staffing, so the answer may lie below the load. An upper bracket
  is found by doubling from the square-root estimate, then bisection over [1, bracket].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm.erlang_a import erlang_a_figures
from switchdesk.domain.wfm.erlang_b import erlang_b_unchecked
from switchdesk.domain.wfm.erlang_c import MODEL as ERLANG_C_MODEL
from switchdesk.domain.wfm.exact_numbers import ExactNumber, exact_fraction
from switchdesk.domain.wfm.input_checks import check_agents, check_finite
from switchdesk.domain.wfm.queue_figures import QueueFigures
from switchdesk.domain.wfm.workload import Workload

DEFAULT_MAX_AGENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class StaffingTargets:
    """Targets to meet; leave a target ``None`` to ignore it. At least one is required.

    ``service_level`` (share in (0, 1)) applies at ``threshold_seconds``: 80/20 is
    ``service_level=0.8, threshold_seconds=20``. ``max_occupancy`` is kept exact: pass a
    string (``"0.85"``), a Fraction or a float (read through its shortest repr).
    """

    service_level: float | None = None
    threshold_seconds: float | None = None
    max_asa_seconds: float | None = None
    max_abandon_probability: float | None = None
    max_occupancy: ExactNumber | None = None
    occupancy_cap: Fraction | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if (
            self.service_level is None
            and self.max_asa_seconds is None
            and self.max_abandon_probability is None
            and self.max_occupancy is None
        ):
            raise ValidationFailed(
                "give at least one target: service level, ASA, abandonment or occupancy",
                field="targets",
            )
        if self.service_level is not None:
            level = check_finite(self.service_level, name="service_level", inclusive=False)
            if level >= 1.0:
                raise ValidationFailed(
                    "service_level must be below 1 (no staffing answers every contact within "
                    f"the threshold), got {self.service_level!r}",
                    field="service_level",
                )
            if self.threshold_seconds is None:
                raise ValidationFailed(
                    "a service_level target needs threshold_seconds", field="threshold_seconds"
                )
        if self.threshold_seconds is not None:
            threshold = check_finite(self.threshold_seconds, name="threshold_seconds")
            object.__setattr__(self, "threshold_seconds", threshold)
        if self.max_asa_seconds is not None:
            check_finite(self.max_asa_seconds, name="max_asa_seconds", inclusive=False)
        if self.max_abandon_probability is not None:
            check_finite(
                self.max_abandon_probability, name="max_abandon_probability", inclusive=False
            )
        if self.max_occupancy is not None:
            cap = exact_fraction(self.max_occupancy, name="max_occupancy")
            if not 0 < cap <= 1:
                raise ValidationFailed(
                    f"max_occupancy must be in (0, 1], got {self.max_occupancy!r}",
                    field="max_occupancy",
                )
            object.__setattr__(self, "occupancy_cap", cap)


class StaffingResult(NamedTuple):
    """The fewest agents meeting the targets and the figures they achieve."""

    agents: int
    figures: QueueFigures


def required_agents(
    workload: Workload,
    targets: StaffingTargets,
    *,
    patience_seconds: float | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> StaffingResult:
    """Fewest agents meeting every target: Erlang C, or Erlang A with ``patience_seconds``.

    Raises :class:`ValidationFailed` when no staffing up to ``max_agents`` meets them.
    """
    check_agents(max_agents, minimum=1)
    patience = (
        None
        if patience_seconds is None
        else check_finite(patience_seconds, name="patience_seconds", inclusive=False)
    )
    if workload.load.numerator == 0:
        return StaffingResult(agents=0, figures=_idle_figures(targets, patience is not None))
    if patience is None:
        return _erlang_c_staffing(workload, targets, max_agents)
    return _erlang_a_staffing(workload, targets, patience, max_agents)


def scheduled_headcount(agents: int, shrinkage: ExactNumber) -> int:
    """Agents to schedule so that ``agents`` remain after ``shrinkage`` (a share in [0, 1)).

    ``ceil(agents / (1 - shrinkage))`` in exact fractions: 21 agents at 0.3 shrinkage is 30.
    """
    check_agents(agents)
    share = exact_fraction(shrinkage, name="shrinkage")
    if not 0 <= share < 1:
        raise ValidationFailed(f"shrinkage must be in [0, 1), got {shrinkage!r}", field="shrinkage")
    return math.ceil(Fraction(agents) / (1 - share))


def meets_targets(figures: QueueFigures, targets: StaffingTargets, load: Fraction) -> bool:
    """Whether ``figures`` (for exact offered ``load``) meet every target."""
    if not _meets_queue_targets(
        figures.service_level, figures.asa_seconds, figures.abandon_probability, targets
    ):
        return False
    cap = targets.occupancy_cap
    if cap is not None and load > cap * figures.agents:
        # Offered load above the cap: Erlang A agents only carry the answered part.
        return figures.model == "erlang_a" and figures.occupancy <= float(cap)
    return True


def _erlang_c_staffing(
    workload: Workload, targets: StaffingTargets, max_agents: int
) -> StaffingResult:
    load = workload.load
    load_numerator, load_denominator = load.numerator, load.denominator
    load_erlangs = load_numerator / load_denominator
    handle_exact = workload.handle_time_seconds
    handle = handle_exact.numerator / handle_exact.denominator
    threshold = targets.threshold_seconds
    agents = load_numerator // load_denominator + 1  # Erlang C needs agents > load
    cap = targets.occupancy_cap
    if cap is not None:  # agents >= load / cap, as an exact integer ceiling
        agents = max(
            agents, -(-(load_numerator * cap.denominator) // (load_denominator * cap.numerator))
        )
    if agents > max_agents:
        raise _no_staffing(max_agents)
    level = targets.service_level
    max_asa = targets.max_asa_seconds
    blocking = erlang_b_unchecked(agents, load_erlangs)
    # Same expressions as erlang_c.stable_figures, inlined: this loop is the hot path.
    while True:
        wait = min(1.0, agents * blocking / (agents - load_erlangs * (1.0 - blocking)))
        spare = agents - load_erlangs
        service_level = None
        if threshold is not None:
            service_level = 1.0 - wait * math.exp(-spare * threshold / handle)
            service_level = min(1.0, max(0.0, service_level))
        asa = wait * handle / spare
        if (level is None or (service_level is not None and service_level >= level)) and (
            max_asa is None or asa <= max_asa
        ):
            figures = QueueFigures(
                model=ERLANG_C_MODEL,
                agents=agents,
                load_erlangs=load_erlangs,
                wait_probability=wait,
                service_level=service_level,
                threshold_seconds=threshold,
                asa_seconds=asa,
                mean_wait_seconds=asa,
                abandon_probability=0.0,
                occupancy=load_erlangs / agents,
            )
            return StaffingResult(agents=agents, figures=figures)
        agents += 1
        if agents > max_agents:
            raise _no_staffing(max_agents)
        carried = load_erlangs * blocking
        blocking = carried / (agents + carried)


def _meets_queue_targets(
    service_level: float | None,
    asa_seconds: float,
    abandon_probability: float,
    targets: StaffingTargets,
) -> bool:
    """Every target but the occupancy cap."""
    if targets.service_level is not None and (
        service_level is None or service_level < targets.service_level
    ):
        return False
    if targets.max_asa_seconds is not None and not asa_seconds <= targets.max_asa_seconds:
        return False
    return not (
        targets.max_abandon_probability is not None
        and abandon_probability > targets.max_abandon_probability
    )


def _erlang_a_staffing(
    workload: Workload, targets: StaffingTargets, patience_seconds: float, max_agents: int
) -> StaffingResult:
    load = workload.load
    load_erlangs = float(load)
    handle = float(workload.handle_time_seconds)

    def evaluate(agents: int) -> QueueFigures:
        return erlang_a_figures(
            agents=agents,
            load_erlangs=load_erlangs,
            handle_time_seconds=handle,
            patience_seconds=patience_seconds,
            threshold_seconds=targets.threshold_seconds,
        )

    infeasible = 0  # no agents: nobody is ever answered
    candidate = min(max_agents, max(1, math.ceil(load_erlangs)))
    best = evaluate(candidate)
    while not meets_targets(best, targets, load):
        if candidate >= max_agents:
            raise _no_staffing(max_agents)
        infeasible = candidate
        candidate = min(max_agents, candidate * 2)
        best = evaluate(candidate)
    feasible = candidate
    while feasible - infeasible > 1:
        middle = (feasible + infeasible) // 2
        figures = evaluate(middle)
        if meets_targets(figures, targets, load):
            feasible, best = middle, figures
        else:
            infeasible = middle
    return StaffingResult(agents=feasible, figures=best)


def _idle_figures(targets: StaffingTargets, with_patience: bool) -> QueueFigures:
    return QueueFigures(
        model="erlang_a" if with_patience else "erlang_c",
        agents=0,
        load_erlangs=0.0,
        wait_probability=0.0,
        service_level=None if targets.threshold_seconds is None else 1.0,
        threshold_seconds=targets.threshold_seconds,
        asa_seconds=0.0,
        mean_wait_seconds=0.0,
        abandon_probability=0.0,
        occupancy=0.0,
    )


def _no_staffing(max_agents: int) -> ValidationFailed:
    return ValidationFailed(
        f"no staffing up to {max_agents} agents meets these targets", field="targets"
    )
