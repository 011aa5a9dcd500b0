"""Erlang B: blocking probability of an M/M/N/N loss system."""

from __future__ import annotations

import math

from switchdesk.domain.wfm.input_checks import check_agents, check_finite

_NO_SKIP_BELOW_ERLANGS = 90.0
"""Below this load the skipped span would be the whole range: start at 0 without asking."""


def erlang_b(agents: int, load_erlangs: float) -> float:
    """Probability that all ``agents`` are busy in a loss system offered ``load_erlangs``.

    Uses the stable recursion ``B_0 = 1, B_n = a B_{n-1} / (n + a B_{n-1})``: every
    intermediate value lies in [0, 1], so it neither overflows nor loses precision at
    loads of thousands of Erlangs. Cost is O(agents).
    """
    check_agents(agents)
    load = check_finite(load_erlangs, name="load_erlangs")
    return erlang_b_unchecked(agents, load)


def erlang_b_unchecked(agents: int, load_erlangs: float) -> float:
    """:func:`erlang_b` without argument checks, for callers that checked already.

    ``1 / B_N = sum_{k=0..N} t_k`` with ``t_k = prod_{j=k+1..N} j / a``: the recursion
    ``B_n = a B_{n-1} / (n + a B_{n-1})`` started at ``B_k0 = 1`` sums exactly the terms
    ``k >= k0``. When ``N >= a``, with ``m = floor(a)`` and ``k0 = m - d``:

    - below ``k0`` the terms fall at least geometrically, by ``k0 / a`` per step, so they
      sum to at most ``t_k0 a / d``;
    - ``t_k0 <= t_m exp(-d (d - 1) / (2 a))``, since ``ln(j / a) <= -(a - j) / a``.

    With ``(d - 1)^2 >= 2 a (42 + ln(a) / 2)`` (so ``d >= sqrt(a)``) the omitted terms weigh
    less than ``exp(-42) < 1e-18`` of the sum, below float resolution: starting at ``k0``
    gives the same result at a fraction of the cost for large loads.
    """
    start = 0
    if agents >= load_erlangs > _NO_SKIP_BELOW_ERLANGS:
        skipped = 1 + math.ceil(
            math.sqrt(2.0 * load_erlangs * (42.0 + 0.5 * math.log(load_erlangs)))
        )
        start = max(0, math.floor(load_erlangs) - skipped)
    blocking = 1.0
    for servers in range(start + 1, agents + 1):
        carried = load_erlangs * blocking
        blocking = carried / (servers + carried)
    return blocking


def erlang_b_step(blocking: float, agents: int, load_erlangs: float) -> float:
    """Blocking with ``agents`` agents from that with ``agents - 1`` (one recursion step)."""
    carried = load_erlangs * blocking
    return carried / (agents + carried)
