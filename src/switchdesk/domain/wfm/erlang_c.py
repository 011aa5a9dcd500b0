"""Erlang C: the M/M/N queue with infinite patience.

With load ``a = lambda * h`` Erlangs and ``N`` agents (Erlang C, 1917; the stable form
follows from Erlang B):

- P(wait) ``C = N B_N / (N - a (1 - B_N))``
- service level ``SL(T) = 1 - C exp(-(N - a) T / h)``
- average speed of answer ``ASA = C h / (N - a)``
- occupancy ``a / N``

When ``N <= a`` the queue grows without bound: every contact waits (``C = 1``), none is
answered within a finite threshold (``SL = 0``), ASA is infinite and agents are busy all
the time (occupancy 1). No figure ever leaves its range.
"""

from __future__ import annotations

import math

from switchdesk.domain.wfm.erlang_b import erlang_b_unchecked
from switchdesk.domain.wfm.input_checks import check_agents, check_finite
from switchdesk.domain.wfm.queue_figures import QueueFigures

MODEL = "erlang_c"


def erlang_c(agents: int, load_erlangs: float) -> float:
    """Probability that a contact waits (Erlang C formula), in [0, 1]."""
    check_agents(agents)
    load = check_finite(load_erlangs, name="load_erlangs")
    if agents <= load:
        return 1.0
    return wait_probability_from_blocking(agents, load, erlang_b_unchecked(agents, load))


def erlang_c_service_level(
    agents: int, load_erlangs: float, handle_time_seconds: float, threshold_seconds: float
) -> float:
    """Share of contacts answered within ``threshold_seconds``."""
    figures = erlang_c_figures(
        agents=agents,
        load_erlangs=load_erlangs,
        handle_time_seconds=handle_time_seconds,
        threshold_seconds=threshold_seconds,
    )
    assert figures.service_level is not None
    return figures.service_level


def erlang_c_asa_seconds(agents: int, load_erlangs: float, handle_time_seconds: float) -> float:
    """Average speed of answer in seconds (infinite when ``agents <= load_erlangs``)."""
    return erlang_c_figures(
        agents=agents, load_erlangs=load_erlangs, handle_time_seconds=handle_time_seconds
    ).asa_seconds


def erlang_c_figures(
    *,
    agents: int,
    load_erlangs: float,
    handle_time_seconds: float,
    threshold_seconds: float | None = None,
) -> QueueFigures:
    """All Erlang C figures for ``agents`` agents offered ``load_erlangs``."""
    check_agents(agents)
    load = check_finite(load_erlangs, name="load_erlangs")
    handle = check_finite(handle_time_seconds, name="handle_time_seconds", inclusive=False)
    threshold = (
        None
        if threshold_seconds is None
        else check_finite(threshold_seconds, name="threshold_seconds")
    )
    blocking = erlang_b_unchecked(agents, load) if agents > load else 0.0
    return figures_from_blocking(agents, load, handle, threshold, blocking)


def wait_probability_from_blocking(agents: int, load_erlangs: float, blocking: float) -> float:
    """Erlang C from Erlang B with the same agents and load (``agents > load_erlangs``)."""
    wait = agents * blocking / (agents - load_erlangs * (1.0 - blocking))
    return min(1.0, max(0.0, wait))


def stable_figures(
    agents: int,
    load_erlangs: float,
    handle_time_seconds: float,
    threshold_seconds: float | None,
    blocking: float,
) -> tuple[float, float | None, float]:
    """P(wait), service level and ASA seconds of a stable queue (``agents > load_erlangs``)."""
    wait = wait_probability_from_blocking(agents, load_erlangs, blocking)
    spare = agents - load_erlangs
    service_level = None
    if threshold_seconds is not None:
        service_level = 1.0 - wait * math.exp(-spare * threshold_seconds / handle_time_seconds)
        service_level = min(1.0, max(0.0, service_level))
    return wait, service_level, wait * handle_time_seconds / spare


def figures_from_blocking(
    agents: int,
    load_erlangs: float,
    handle_time_seconds: float,
    threshold_seconds: float | None,
    blocking: float,
) -> QueueFigures:
    """Erlang C figures given Erlang B ``blocking`` for these agents and load (checked input)."""
    if agents <= load_erlangs:
        return QueueFigures(
            model=MODEL,
            agents=agents,
            load_erlangs=load_erlangs,
            wait_probability=1.0,
            service_level=None if threshold_seconds is None else 0.0,
            threshold_seconds=threshold_seconds,
            asa_seconds=math.inf,
            mean_wait_seconds=math.inf,
            abandon_probability=0.0,
            occupancy=1.0,
        )
    wait, service_level, asa = stable_figures(
        agents, load_erlangs, handle_time_seconds, threshold_seconds, blocking
    )
    return QueueFigures(
        model=MODEL,
        agents=agents,
        load_erlangs=load_erlangs,
        wait_probability=wait,
        service_level=service_level,
        threshold_seconds=threshold_seconds,
        asa_seconds=asa,
        mean_wait_seconds=asa,
        abandon_probability=0.0,
        occupancy=load_erlangs / agents,
    )


def occupancy(agents: int, load_erlangs: float) -> float:
    """Erlang occupancy ``load / agents``, capped at 1 (agents cannot be busier than always)."""
    check_agents(agents, minimum=1)
    load = check_finite(load_erlangs, name="load_erlangs")
    return min(1.0, load / agents)
