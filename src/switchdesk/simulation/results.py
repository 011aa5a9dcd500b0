"""Figures from raw counters: per interval and overall, with Student-t intervals.

Overall figures are computed per replication and then averaged, with a Student-t
confidence interval over the replications (``Estimate``). Interval figures pool the
counts of all replications (a ratio of sums); counts (offered, answered...) are shown as
the mean per replication.

Every KPI uses the formulas of ``switchdesk.domain.reporting``: the five service-level
variants SL1..SL5 over A, Ab, A_T, Ab_T, Ab_S (contacts that arrived in the interval;
flow-outs are neither answered nor abandoned), ASA, AHT (talk + after-contact work),
abandonment rate Ab / (A + Ab). Besides: ``wait_probability`` (contacts that waited at
all / contacts that left the queue), ``mean_wait_seconds`` (over every contact that left
the queue, answered, abandoned or flowed out, as in Erlang A), ``longest_wait_seconds``,
and per agent group the mean ``agents`` available and ``occupancy`` (capacity-weighted
handle time / available time, after-contact work included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from switchdesk.domain.reporting import (
    ServiceLevelCounts,
    ServiceLevelFormula,
    abandonment_rate,
    average_handle_time_seconds,
    average_speed_of_answer_seconds,
    service_level,
)
from switchdesk.simulation.runner import (
    ABANDONED,
    ABANDONED_WITHIN,
    ANSWERED,
    ANSWERED_WITHIN,
    COUNTER_NAMES,
    FLOW_OUTS,
    HANDLE,
    HANDLED,
    LONGEST_WAIT,
    OFFERED,
    SHORT_ABANDONS,
    UNFINISHED,
    WAIT_ALL,
    WAIT_ANSWERED,
    WAITED,
    ReplicationResult,
)
from switchdesk.simulation.scenario import Scenario, format_clock
from switchdesk.simulation.student_t import Estimate, estimate

__all__ = ["FIGURE_NAMES", "SimulationResult", "figures_of_counters", "summarize"]

FIGURE_NAMES = (
    "offered",
    "answered",
    "abandoned",
    "flow_outs",
    "unfinished",
    "sl1",
    "sl2",
    "sl3",
    "sl4",
    "sl5",
    "asa_seconds",
    "aht_seconds",
    "abandonment_rate",
    "wait_probability",
    "mean_wait_seconds",
    "longest_wait_seconds",
)


def _add(total: list[Any], row: Sequence[Any]) -> None:
    for i, value in enumerate(row):
        if i == LONGEST_WAIT:
            if value > total[i]:
                total[i] = value
        else:
            total[i] += value


def _zero() -> list[Any]:
    return [
        0.0 if i in (WAIT_ANSWERED, WAIT_ALL, HANDLE, LONGEST_WAIT) else 0
        for i in range(len(COUNTER_NAMES))
    ]


def figures_of_counters(counters: Sequence[Any], divisor: int = 1) -> dict[str, float | None]:
    """KPI figures of one counter row (``divisor`` scales the counts, not the ratios)."""
    answered = counters[ANSWERED]
    abandoned = counters[ABANDONED]
    counts = ServiceLevelCounts(
        answered=answered,
        abandoned=abandoned,
        answered_within_threshold=counters[ANSWERED_WITHIN],
        abandoned_within_threshold=counters[ABANDONED_WITHIN],
        short_abandons=counters[SHORT_ABANDONS],
    )
    left = answered + abandoned + counters[FLOW_OUTS]
    figures: dict[str, float | None] = {
        "offered": counters[OFFERED] / divisor,
        "answered": answered / divisor,
        "abandoned": abandoned / divisor,
        "flow_outs": counters[FLOW_OUTS] / divisor,
        "unfinished": counters[UNFINISHED] / divisor,
    }
    for formula in ServiceLevelFormula:
        figures[formula.value.lower()] = service_level(counts, formula)
    figures["asa_seconds"] = average_speed_of_answer_seconds(counters[WAIT_ANSWERED], answered)
    figures["aht_seconds"] = average_handle_time_seconds(counters[HANDLE], counters[HANDLED])
    figures["abandonment_rate"] = abandonment_rate(answered, abandoned)
    figures["wait_probability"] = counters[WAITED] / left if left else None
    figures["mean_wait_seconds"] = counters[WAIT_ALL] / left if left else None
    figures["longest_wait_seconds"] = counters[LONGEST_WAIT] if counters[OFFERED] else None
    return figures


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What a simulation answers. ``to_dict()`` is the JSON form."""

    scenario: str
    replications: int
    seed: int
    confidence: float
    threshold_seconds: float
    short_abandon_seconds: float
    formula: ServiceLevelFormula
    overall: dict[str, Estimate]
    streams: dict[str, dict[str, Estimate]]
    groups: dict[str, dict[str, Estimate]]
    intervals: list[dict[str, Any]]
    calls_simulated: int
    wall_seconds: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def calls_per_second(self) -> float:
        return self.calls_simulated / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def service_level(self) -> Estimate:
        """The headline service level (the scenario's formula)."""
        return self.overall[self.formula.value.lower()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": self.confidence,
            "threshold_seconds": self.threshold_seconds,
            "short_abandon_seconds": self.short_abandon_seconds,
            "formula": self.formula.value,
            "service_level_labels": self.labels,
            "calls_simulated": self.calls_simulated,
            "wall_seconds": round(self.wall_seconds, 3),
            "calls_per_second": round(self.calls_per_second, 1),
            "overall": {k: v.to_dict() for k, v in self.overall.items()},
            "streams": {s: {k: v.to_dict() for k, v in f.items()} for s, f in self.streams.items()},
            "groups": {g: {k: v.to_dict() for k, v in f.items()} for g, f in self.groups.items()},
            "intervals": self.intervals,
        }


def summarize(
    scenario: Scenario, results: Sequence[ReplicationResult], wall_seconds: float = 0.0
) -> SimulationResult:
    """Combine replications into figures."""
    st = scenario.settings
    confidence = st.confidence
    n_streams = len(scenario.traffic)
    n_intervals = st.intervals
    first = results[0].counted_from if results else 0
    width = st.interval_seconds

    per_rep_all: list[dict[str, float | None]] = []
    per_rep_stream: list[list[dict[str, float | None]]] = []
    per_rep_groups: list[list[tuple[float | None, float | None]]] = []
    for result in results:
        total = _zero()
        stream_figures = []
        for s in range(n_streams):
            stream_total = _zero()
            for row in result.rows[s]:
                _add(stream_total, row)
            _add(total, stream_total)
            stream_figures.append(figures_of_counters(stream_total))
        per_rep_all.append(figures_of_counters(total))
        per_rep_stream.append(stream_figures)
        group_figures = []
        for g in range(len(scenario.agents)):
            busy = math.fsum(result.busy[g])
            staffed = math.fsum(result.staffed[g])
            counted = (n_intervals - first) * width
            group_figures.append(
                (
                    min(1.0, busy / staffed) if staffed > 0 else None,
                    staffed / counted if counted > 0 else None,
                )
            )
        per_rep_groups.append(group_figures)

    def estimates(items: Sequence[dict[str, float | None]]) -> dict[str, Estimate]:
        return {name: estimate([f[name] for f in items], confidence) for name in FIGURE_NAMES}

    overall = estimates(per_rep_all)
    streams = {
        stream.id: estimates([rep[s] for rep in per_rep_stream])
        for s, stream in enumerate(scenario.traffic)
    }
    groups = {
        group.id: {
            "occupancy": estimate([rep[g][0] for rep in per_rep_groups], confidence),
            "agents": estimate([rep[g][1] for rep in per_rep_groups], confidence),
        }
        for g, group in enumerate(scenario.agents)
    }

    replications = max(1, len(results))
    intervals: list[dict[str, Any]] = []
    for i in range(first, n_intervals):
        lo = st.start_seconds + i * width
        pooled_all = _zero()
        group_columns: dict[str, float | None] = {}
        for g, group in enumerate(scenario.agents):
            busy = math.fsum(r.busy[g][i] for r in results)
            staffed = math.fsum(r.staffed[g][i] for r in results)
            group_columns[f"agents_{group.id}"] = staffed / width / replications
            group_columns[f"occupancy_{group.id}"] = (
                min(1.0, busy / staffed) if staffed > 0 else None
            )
        stream_rows = []
        for s, stream in enumerate(scenario.traffic):
            pooled = _zero()
            for r in results:
                _add(pooled, r.rows[s][i])
            _add(pooled_all, pooled)
            if n_streams > 1:
                stream_rows.append(
                    {
                        "start": format_clock(lo),
                        "stream": stream.id,
                        **figures_of_counters(pooled, replications),
                    }
                )
        intervals.append(
            {
                "start": format_clock(lo),
                "stream": "all",
                **figures_of_counters(pooled_all, replications),
                **group_columns,
            }
        )
        intervals.extend(stream_rows)

    labels = {
        f.value.lower(): f.label(st.threshold_seconds, st.short_abandon_seconds)
        for f in ServiceLevelFormula
    }
    return SimulationResult(
        scenario=scenario.name,
        replications=len(results),
        seed=st.seed,
        confidence=confidence,
        threshold_seconds=st.threshold_seconds,
        short_abandon_seconds=st.short_abandon_seconds,
        formula=st.formula,
        overall=overall,
        streams=streams,
        groups=groups,
        intervals=intervals,
        calls_simulated=sum(r.calls for r in results),
        wall_seconds=wall_seconds,
        labels=labels,
    )
