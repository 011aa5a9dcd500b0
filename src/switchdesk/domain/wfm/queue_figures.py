"""The figures a queueing model gives for one staffing level."""

from __future__ import annotations

from typing import NamedTuple


class QueueFigures(NamedTuple):
    """Steady-state figures of one queue with ``agents`` agents.

    ``service_level`` is the share of *offered* contacts answered within
    ``threshold_seconds`` (``None`` when no threshold was given). ``asa_seconds`` is the
    mean wait of answered contacts (infinite when the queue is unstable);
    ``mean_wait_seconds`` is the mean wait of all arrivals, abandoned ones included.

    A named tuple: immutable and cheap to build (staffing builds one per interval).
    """

    model: str
    agents: int
    load_erlangs: float
    wait_probability: float
    service_level: float | None
    threshold_seconds: float | None
    asa_seconds: float
    mean_wait_seconds: float
    abandon_probability: float
    occupancy: float
