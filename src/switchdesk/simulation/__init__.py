"""switchdesk.simulation: a discrete-event simulator that drives the real routing engine.

Traffic (Poisson per interval, or replayed timestamps or interval counts), handle time,
patience and after-contact work (exponential, lognormal, empirical, constant), rosters
with shifts and breaks, seeded random numbers, replications with Student-t confidence
intervals and warm-up. Routing is not modelled: every decision is the
``RoutingEngine``'s, configured with the live server's ``QueueConfig`` /
``WorkflowConfig`` / ``CapacityProfile``. Standard library and ``switchdesk.domain`` only.

Use::

    scenario = scenario_from_dict(data)            # plain dict, e.g. from a YAML file
    result = simulate(scenario, replications=10)   # SimulationResult
    result.overall["sl1"].mean, result.overall["sl1"].half_width
    result.intervals                               # one dict per interval (and stream)
    result.to_dict()                               # JSON form

See ``docs/simulation.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from switchdesk.simulation.distributions import (
    ArrivalSpec,
    DurationSpec,
    arrival_times,
    duration_sampler,
)
from switchdesk.simulation.results import FIGURE_NAMES, SimulationResult, summarize
from switchdesk.simulation.runner import (
    ReplicationResult,
    expected_calls,
    roster_changes,
    run_replication,
    validate_scenario,
)
from switchdesk.simulation.scenario import (
    AgentGroup,
    Break,
    Scenario,
    Shift,
    SimulationSettings,
    TrafficStream,
    format_clock,
    parse_clock,
    scenario_from_dict,
)
from switchdesk.simulation.student_t import (
    Estimate,
    estimate,
    regularized_incomplete_beta,
    student_t_cdf,
    student_t_quantile,
)

__all__ = [
    "FIGURE_NAMES",
    "AgentGroup",
    "ArrivalSpec",
    "Break",
    "DurationSpec",
    "Estimate",
    "ReplicationResult",
    "Scenario",
    "Shift",
    "SimulationResult",
    "SimulationSettings",
    "TrafficStream",
    "arrival_times",
    "duration_sampler",
    "estimate",
    "expected_calls",
    "format_clock",
    "parse_clock",
    "regularized_incomplete_beta",
    "roster_changes",
    "run_replication",
    "scenario_from_dict",
    "simulate",
    "student_t_cdf",
    "student_t_quantile",
    "validate_scenario",
]


def simulate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    on_calls: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Run the scenario's replications (or ``replications``) and summarize them.

    Replication ``r`` draws from random streams seeded by (seed, r, stream, purpose), so
    results are reproducible and two scenarios with one seed see the same contacts.
    ``on_calls(n)`` reports progress in simulated arrivals.
    """
    count = scenario.settings.replications if replications is None else replications
    began = time.perf_counter()
    results = [run_replication(scenario, r, seed=seed, on_calls=on_calls) for r in range(count)]
    return summarize(scenario, results, time.perf_counter() - began)
