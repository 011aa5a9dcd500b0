"""Erlang B: blocking probability of an M/M/N/N loss system."""

from __future__ import annotations

from switchdesk.domain.wfm.input_checks import check_agents, check_finite


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
    """:func:`erlang_b` without argument checks, for callers that checked already."""
    blocking = 1.0
    for servers in range(1, agents + 1):
        carried = load_erlangs * blocking
        blocking = carried / (servers + carried)
    return blocking


def erlang_b_step(blocking: float, agents: int, load_erlangs: float) -> float:
    """Blocking with ``agents`` agents from that with ``agents - 1`` (one recursion step)."""
    carried = load_erlangs * blocking
    return carried / (agents + carried)
