"""Erlang C staffing of two days, switchdesk against pyworkforce, side by side in one run.

96 half-hour intervals (two weekdays) with loads from 10 to 650 Erlangs (AHT 3 min),
staffed for 80/20 with at most 85 % occupancy. Both libraries answer every interval; the
answers are compared one by one and every difference is classified as a known
pyworkforce defect or reported as unexplained. Both are timed (best of several repeats)
and the speed ratio is printed, for the whole run and by load band. The last line is one
JSON object of figures.

pyworkforce is a benchmark-only reference: ``.venv/bin/pip install pyworkforce``.

Run: ``.venv/bin/python benchmarks/erlang.py``
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import time
from collections.abc import Callable
from fractions import Fraction

from switchdesk.domain.wfm import StaffingTargets, Workload, erlang_c_figures, required_agents

INTERVALS = 96
INTERVAL_MINUTES = 30
AHT_SECONDS = 180
THRESHOLD_SECONDS = 20
SERVICE_LEVEL = 0.8
MAX_OCCUPANCY = "0.85"
MIN_LOAD_ERLANGS = 10
MAX_LOAD_ERLANGS = 650
REPEATS = 15
BAND_ERLANGS = 100
SECOND_DAY_SCALE = 0.92


# A typical inbound day: (hour, share of the peak load) anchors, linear in between.
DAY_SHAPE = [
    (0.0, 0.06),
    (3.5, 0.0),
    (6.0, 0.12),
    (8.0, 0.6),
    (10.5, 1.0),
    (12.5, 0.78),
    (13.5, 0.74),
    (15.0, 0.9),
    (18.0, 0.5),
    (21.0, 0.22),
    (24.0, 0.06),
]


def days_of_calls() -> list[int]:
    """Calls per half hour over two weekdays (the second 8 % quieter), 10 to 650 Erlangs."""
    calls_per_erlang = INTERVAL_MINUTES * 60 // AHT_SECONDS
    calls = []
    for index in range(INTERVALS):
        day, hour = divmod(index * INTERVAL_MINUTES / 60, 24)
        share = DAY_SHAPE[-1][1]
        for (start, low), (end, high) in itertools.pairwise(DAY_SHAPE):
            if start <= hour < end:
                share = low + (high - low) * (hour - start) / (end - start)
                break
        share *= SECOND_DAY_SCALE if day else 1.0
        load = MIN_LOAD_ERLANGS + (MAX_LOAD_ERLANGS - MIN_LOAD_ERLANGS) * share
        calls.append(round(calls_per_erlang * load))
    return calls


def switchdesk_staffing(calls: list[int]) -> list[int]:
    targets = StaffingTargets(
        service_level=SERVICE_LEVEL,
        threshold_seconds=THRESHOLD_SECONDS,
        max_occupancy=MAX_OCCUPANCY,
    )
    return [
        required_agents(
            Workload.from_counts(
                calls=count,
                interval_seconds=INTERVAL_MINUTES * 60,
                handle_time_seconds=AHT_SECONDS,
            ),
            targets,
        ).agents
        for count in calls
    ]


def pyworkforce_staffing(calls: list[int]) -> list[int]:
    from pyworkforce.queuing import ErlangC

    return [
        ErlangC(
            transactions=count,
            aht=AHT_SECONDS / 60,
            asa=THRESHOLD_SECONDS / 60,
            interval=INTERVAL_MINUTES,
        ).required_positions(service_level=SERVICE_LEVEL, max_occupancy=float(MAX_OCCUPANCY))[
            "raw_positions"
        ]
        for count in calls
    ]


def best_time(run: Callable[[list[int]], list[int]], calls: list[int]) -> tuple[float, list[int]]:
    best = math.inf
    answer: list[int] = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = run(calls)
        best = min(best, time.perf_counter() - started)
    return best, answer


def explain(calls: int, ours: int, theirs: int) -> str:
    """Why pyworkforce answers ``theirs`` where switchdesk answers ``ours``."""
    load = Fraction(calls * AHT_SECONDS, INTERVAL_MINUTES * 60)
    cap = Fraction(MAX_OCCUPANCY)
    float_intensity = (calls / INTERVAL_MINUTES) * (AHT_SECONDS / 60)
    exact_cap_agents = math.ceil(load / cap)
    float_cap_agents = math.ceil(float_intensity / float(MAX_OCCUPANCY))
    if theirs == float_cap_agents and float_cap_agents > exact_cap_agents == ours:
        return (
            f"float rounding under the occupancy cap: {float_intensity!r} / 0.85 = "
            f"{float_intensity / float(MAX_OCCUPANCY)!r} rounds up to {float_cap_agents}; "
            f"exactly {load} / {cap} = {load / cap} needs {exact_cap_agents}"
        )
    ours_figures = erlang_c_figures(
        agents=ours,
        load_erlangs=float(load),
        handle_time_seconds=AHT_SECONDS,
        threshold_seconds=THRESHOLD_SECONDS,
    )
    start = round(float_intensity + 1)
    if theirs > ours and ours < start and (ours_figures.service_level or 0) >= SERVICE_LEVEL:
        return f"pyworkforce starts its search at round(load + 1) = {start}, above {ours}"
    return "unexplained"


def main() -> int:
    try:
        import pyworkforce  # noqa: F401
    except ImportError:
        print("pyworkforce is not installed: .venv/bin/pip install pyworkforce", file=sys.stderr)
        return 1
    calls = days_of_calls()
    loads = [c * AHT_SECONDS / (INTERVAL_MINUTES * 60) for c in calls]
    ours_seconds, ours = best_time(switchdesk_staffing, calls)
    theirs_seconds, theirs = best_time(pyworkforce_staffing, calls)

    differences = []
    print(f"{'interval':>8} {'calls':>6} {'load':>7} {'switchdesk':>10} {'pyworkforce':>11}")
    for index, (count, load, mine, other) in enumerate(
        zip(calls, loads, ours, theirs, strict=True)
    ):
        mark = "" if mine == other else "  <- differs"
        print(f"{index:>8} {count:>6} {load:>7.1f} {mine:>10} {other:>11}{mark}")
        if mine != other:
            differences.append(
                {
                    "interval": index,
                    "calls": count,
                    "switchdesk_agents": mine,
                    "pyworkforce_agents": other,
                    "reason": explain(count, mine, other),
                }
            )
    for difference in differences:
        print(
            f"interval {difference['interval']}: switchdesk {difference['switchdesk_agents']}, "
            f"pyworkforce {difference['pyworkforce_agents']}: {difference['reason']}"
        )
    unexplained = sum(1 for d in differences if d["reason"] == "unexplained")
    speedup = theirs_seconds / ours_seconds
    light = [count for count, load in zip(calls, loads, strict=True) if load < BAND_ERLANGS]
    heavy = [count for count, load in zip(calls, loads, strict=True) if load >= BAND_ERLANGS]
    light_speedup = (
        best_time(pyworkforce_staffing, light)[0] / best_time(switchdesk_staffing, light)[0]
    )
    heavy_speedup = (
        best_time(pyworkforce_staffing, heavy)[0] / best_time(switchdesk_staffing, heavy)[0]
    )
    print(
        f"by load: {len(light)} intervals below {BAND_ERLANGS} Erlangs {light_speedup:.1f}x, "
        f"{len(heavy)} intervals from {BAND_ERLANGS} Erlangs {heavy_speedup:.1f}x"
    )
    print(
        f"switchdesk {ours_seconds * 1000:.2f} ms, pyworkforce {theirs_seconds * 1000:.2f} ms "
        f"for {INTERVALS} intervals (best of {REPEATS}): switchdesk is {speedup:.1f}x faster"
    )
    print(
        json.dumps(
            {
                "benchmark": "erlang",
                "intervals": INTERVALS,
                "load_erlangs_min": min(loads),
                "load_erlangs_max": max(loads),
                "switchdesk_seconds": round(ours_seconds, 6),
                "pyworkforce_seconds": round(theirs_seconds, 6),
                "speedup": round(speedup, 1),
                "identical": INTERVALS - len(differences),
                "differences": len(differences),
                "unexplained_differences": unexplained,
                "speedup_below_100_erlangs": round(light_speedup, 1),
                "speedup_from_100_erlangs": round(heavy_speedup, 1),
                "switchdesk_agents_total": sum(ours),
                "pyworkforce_agents_total": sum(theirs),
            }
        )
    )
    return 0 if unexplained == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
