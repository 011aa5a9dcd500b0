"""Erlang A: the M/M/N+M queue, where waiting contacts abandon after an exponential patience.

Model (Palm 1943; Garnett, Mandelbaum & Reiman 2002): arrivals at rate ``lambda``,
service rate ``mu = 1/h`` per agent, patience rate ``theta = 1/patience``. The number in
system is a birth-death chain with birth rate ``lambda`` and death rate
``mu min(n, N) + theta max(n - N, 0)``; it is stable at any load, so ``N`` may be below
the load.

Computation, all relative to the stationary probability ``p_N`` so that nothing overflows:

- states below ``N`` hold ``(1 - B) / B`` times ``p_N``, with ``B`` the Erlang B blocking of
  ``N`` agents (stable recursion);
- state ``N + j`` holds ``t_j = prod_{k=1..j} lambda / (N mu + k theta)`` times ``p_N``; the
  terms are summed in log space around their largest term, so loads of thousands of
  Erlangs stay finite.

An arrival that finds ``j`` contacts waiting ahead of it (PASTA) moves up one place at
rate ``N mu + i theta`` while ``i`` are ahead, and abandons at rate ``theta`` itself. So
(tagged-customer argument):

- it is answered with probability ``N mu / (N mu + (j + 1) theta)`` (the product telescopes);
- given it is answered, its wait is a sum of exponentials with rates
  ``N mu + theta, ..., N mu + (j + 1) theta``; with ``Y = 1 - exp(-theta W)`` that sum is
  ``Beta(j + 1, N mu / theta + 1)``, so ``P(W <= T)`` is the regularized incomplete beta
  function ``I_y(j + 1, N mu / theta + 1)`` at ``y = 1 - exp(-theta T)``, built up over
  ``j`` with its one-step recurrence.

Figures: P(wait) = ``sum_{n >= N} p_n``; P(abandon) = ``theta E[Q] / lambda``; mean wait of
all arrivals = ``E[Q] / lambda``; service level = answered within T / offered; ASA = mean
wait of answered contacts; occupancy = carried load / N = ``a (1 - P(abandon)) / N``.
"""

from __future__ import annotations

import math

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm.erlang_b import erlang_b_unchecked
from switchdesk.domain.wfm.input_checks import check_agents, check_finite
from switchdesk.domain.wfm.queue_figures import QueueFigures

MODEL = "erlang_a"

MAX_QUEUE_TERMS = 20_000_000
"""Largest number of queue states summed; beyond it the patience is unreasonably long."""

_RELATIVE_TAIL = 1e-17


def erlang_a_figures(
    *,
    agents: int,
    load_erlangs: float,
    handle_time_seconds: float,
    patience_seconds: float,
    threshold_seconds: float | None = None,
) -> QueueFigures:
    """All Erlang A figures for ``agents`` agents, mean patience ``patience_seconds``."""
    check_agents(agents, minimum=1)
    load = check_finite(load_erlangs, name="load_erlangs")
    handle = check_finite(handle_time_seconds, name="handle_time_seconds", inclusive=False)
    patience = check_finite(patience_seconds, name="patience_seconds", inclusive=False)
    threshold = (
        None
        if threshold_seconds is None
        else check_finite(threshold_seconds, name="threshold_seconds")
    )
    if load == 0.0:
        return QueueFigures(
            model=MODEL,
            agents=agents,
            load_erlangs=0.0,
            wait_probability=0.0,
            service_level=None if threshold is None else 1.0,
            threshold_seconds=threshold,
            asa_seconds=0.0,
            mean_wait_seconds=0.0,
            abandon_probability=0.0,
            occupancy=0.0,
        )
    return _figures(agents, load, handle, patience, threshold)


def _figures(
    agents: int,
    load: float,
    handle: float,
    patience: float,
    threshold: float | None,
) -> QueueFigures:
    arrival_rate = load / handle
    service_rate = agents / handle  # N mu: all agents together
    patience_rate = 1.0 / patience
    blocking = erlang_b_unchecked(agents, load)
    if blocking == 0.0:  # underflow: far more agents than load, nobody waits
        return QueueFigures(
            model=MODEL,
            agents=agents,
            load_erlangs=load,
            wait_probability=0.0,
            service_level=None if threshold is None else 1.0,
            threshold_seconds=threshold,
            asa_seconds=0.0,
            mean_wait_seconds=0.0,
            abandon_probability=0.0,
            occupancy=load / agents,
        )

    # The largest queue term t_j sits at j* = floor((lambda - N mu) / theta); every term is
    # scaled by exp(-log t_j*) so the biggest one is near 1.
    peak = max(0, math.floor((arrival_rate - service_rate) / patience_rate))
    if peak > MAX_QUEUE_TERMS:
        raise ValidationFailed(
            "patience_seconds is too long for this load and staffing "
            f"(the queue would hold about {peak} contacts); use Erlang C instead",
            field="patience_seconds",
        )
    ratio_offset = service_rate / patience_rate
    log_peak = peak * math.log(arrival_rate / patience_rate) - (
        math.lgamma(ratio_offset + peak + 1) - math.lgamma(ratio_offset + 1)
    )

    # Incomplete beta I_y(j + 1, beta) for the tagged wait, built up over j.
    shape = ratio_offset + 1.0
    # y = 1 - exp(-theta T); I_y(1, beta) = 1 - exp(-(N mu + theta) T).
    log_y = -math.inf
    within = 0.0
    log_step = -math.inf
    if threshold is not None:
        within = -math.expm1(-(service_rate + patience_rate) * threshold)
        y = -math.expm1(-patience_rate * threshold)
        if y > 0.0:
            log_y = math.log(y)
            log_step = math.log(shape) + log_y - (service_rate + patience_rate) * threshold

    tail_mass = 0.0  # sum t_j
    queue_moment = 0.0  # sum j t_j
    answered_within = 0.0  # sum t_j P(answered) P(wait <= T | answered)
    answered_wait = 0.0  # sum t_j P(answered) E[wait | answered]
    mean_stage_sum = 0.0  # sum_{i=1..j+1} 1 / (N mu + i theta)
    log_term = -log_peak
    ahead = 0
    while True:
        term = math.exp(log_term)
        next_rate = service_rate + (ahead + 1) * patience_rate
        answered = service_rate / next_rate
        mean_stage_sum += 1.0 / next_rate
        tail_mass += term
        queue_moment += ahead * term
        answered_within += term * answered * max(within, 0.0)
        answered_wait += term * answered * mean_stage_sum
        if log_step > -math.inf:
            within -= math.exp(log_step)
            log_step += math.log((ahead + 1 + shape) / (ahead + 2)) + log_y
        ratio = arrival_rate / next_rate
        log_term += math.log(ratio)
        ahead += 1
        if ahead > peak and ratio < 1.0:
            remaining = term * (ahead + 1) / (1.0 - ratio) ** 2
            if remaining < _RELATIVE_TAIL * tail_mass:
                break

    # P(wait) = S / ((1 - B)/B / t_j* + S), evaluated as a logistic of the log ratio.
    log_below = math.log1p(-blocking) - math.log(blocking) - log_peak
    exponent = log_below - math.log(tail_mass)
    if exponent > 0.0:
        small = math.exp(-exponent)
        wait_probability = small / (1.0 + small)
    else:
        wait_probability = 1.0 / (1.0 + math.exp(exponent))

    mean_queue = wait_probability * queue_moment / tail_mass
    abandon = min(1.0, patience_rate * mean_queue / arrival_rate)
    service_level = None
    if threshold is not None:
        service_level = (1.0 - wait_probability) + wait_probability * answered_within / tail_mass
        service_level = min(1.0, max(0.0, service_level))
    answered_share = 1.0 - abandon
    asa = (
        wait_probability * answered_wait / tail_mass / answered_share
        if answered_share > 0.0
        else math.inf
    )
    return QueueFigures(
        model=MODEL,
        agents=agents,
        load_erlangs=load,
        wait_probability=wait_probability,
        service_level=service_level,
        threshold_seconds=threshold,
        asa_seconds=asa,
        mean_wait_seconds=mean_queue / arrival_rate,
        abandon_probability=abandon,
        occupancy=min(1.0, load * answered_share / agents),
    )
