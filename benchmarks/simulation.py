"""Simulator benchmark: simulated calls per second, switchdesk vs a SimPy model.

One M/M/c+M scenario, run in one process by three simulators in turn:

- **switchdesk**: ``switchdesk.simulation.simulate``, i.e. the real ``RoutingEngine``
  in the loop (enqueue, offer, accept, complete, abandon for every call);
- **simpy**: a straightforward SimPy model written here (a ``Resource`` of agents, one
  process per call racing its request against a patience timeout);
- **plain heap**: the same queue as a bare heapq event loop with no routing engine, to
  show how much of switchdesk's time is the engine's.

Scenario: load 50 Erlangs (AHT 180 s, 1,000 calls per hour), 55 agents, exponential
patience with mean 120 s, one million calls. Each result is checked against exact
Erlang A figures so that a fast but wrong simulator would show.

Run: ``.venv/bin/python benchmarks/simulation.py`` (``--calls 100000`` for a short run;
needs SimPy, a development dependency). Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import random
import time
from typing import Any

import simpy

from switchdesk.domain.wfm import erlang_a_figures
from switchdesk.simulation import scenario_from_dict, simulate

LOAD_ERLANGS = 50.0
AGENTS = 55
HANDLE_SECONDS = 180.0
PATIENCE_SECONDS = 120.0
THRESHOLD_SECONDS = 20.0
RATE_PER_SECOND = LOAD_ERLANGS / HANDLE_SECONDS


def run_switchdesk(calls: int, seed: int) -> dict[str, Any]:
    horizon = calls / RATE_PER_SECOND
    scenario = scenario_from_dict(
        {
            "name": "benchmark",
            "simulation": {
                "start": 0,
                "end": horizon,
                "interval_seconds": horizon,
                "seed": seed,
                "threshold_seconds": THRESHOLD_SECONDS,
            },
            "queues": [{"id": "q"}],
            "agents": [
                {"id": "a", "count": AGENTS, "capacity": {"total": 100, "costs": {"voice": 100}}}
            ],
            "traffic": [
                {
                    "id": "calls",
                    "queue_id": "q",
                    "arrivals": {"rates_per_hour": [RATE_PER_SECOND * 3600]},
                    "handle_time": {"kind": "exponential", "mean_seconds": HANDLE_SECONDS},
                    "patience": {"kind": "exponential", "mean_seconds": PATIENCE_SECONDS},
                }
            ],
        }
    )
    began = time.perf_counter()
    result = simulate(scenario, replications=1)
    seconds = time.perf_counter() - began
    overall = result.overall
    return {
        "calls": result.calls_simulated,
        "seconds": seconds,
        "p_wait": overall["wait_probability"].mean,
        "p_abandon": overall["abandonment_rate"].mean,
        "service_level": overall["sl1"].mean,
        "mean_wait_seconds": overall["mean_wait_seconds"].mean,
    }


def run_simpy(calls: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    stats = {"answered": 0, "abandoned": 0, "waited": 0, "within": 0, "wait": 0.0}

    def call(env: simpy.Environment) -> Any:
        arrived = env.now
        with agents.request() as request:
            patience = env.timeout(rng.expovariate(1.0 / PATIENCE_SECONDS))
            outcome = yield request | patience
            wait = env.now - arrived
            stats["wait"] += wait
            if wait > 0:
                stats["waited"] += 1
            if request in outcome:
                stats["answered"] += 1
                if wait <= THRESHOLD_SECONDS:
                    stats["within"] += 1
                yield env.timeout(rng.expovariate(1.0 / HANDLE_SECONDS))
            else:
                stats["abandoned"] += 1

    def source(env: simpy.Environment) -> Any:
        for _ in range(calls):
            yield env.timeout(rng.expovariate(RATE_PER_SECOND))
            env.process(call(env))

    env.process(source(env))
    began = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - began
    return _figures(calls, seconds, stats)


def run_plain_heap(calls: int, seed: int) -> dict[str, Any]:
    """M/M/c+M as a bare event loop: FIFO queue with lazy abandon, no routing engine."""
    from collections import deque

    rng = random.Random(seed)
    expo = rng.expovariate
    stats = {"answered": 0, "abandoned": 0, "waited": 0, "within": 0, "wait": 0.0}
    heap: list[tuple[float, int, int]] = []
    waiting: deque[int] = deque()
    arrived_at: dict[int, float] = {}
    free = AGENTS
    began = time.perf_counter()
    heapq.heappush(heap, (expo(RATE_PER_SECOND), 0, 0))
    arrivals = 0
    while heap:
        now, kind, n = heapq.heappop(heap)
        if kind == 0:  # arrival
            arrivals += 1
            if arrivals < calls:
                heapq.heappush(heap, (now + expo(RATE_PER_SECOND), 0, arrivals))
            if free:
                free -= 1
                stats["answered"] += 1
                stats["within"] += 1
                heapq.heappush(heap, (now + expo(1.0 / HANDLE_SECONDS), 1, n))
            else:
                arrived_at[n] = now
                waiting.append(n)
                heapq.heappush(heap, (now + expo(1.0 / PATIENCE_SECONDS), 2, n))
        elif kind == 1:  # end of a call
            while waiting and waiting[0] not in arrived_at:
                waiting.popleft()
            if waiting:
                m = waiting.popleft()
                wait = now - arrived_at.pop(m)
                stats["answered"] += 1
                stats["waited"] += 1
                stats["wait"] += wait
                if wait <= THRESHOLD_SECONDS:
                    stats["within"] += 1
                heapq.heappush(heap, (now + expo(1.0 / HANDLE_SECONDS), 1, m))
            else:
                free += 1
        elif n in arrived_at:  # patience ran out while waiting
            stats["abandoned"] += 1
            stats["waited"] += 1
            stats["wait"] += now - arrived_at.pop(n)
    return _figures(calls, time.perf_counter() - began, stats)


def _figures(calls: int, seconds: float, stats: dict[str, Any]) -> dict[str, Any]:
    left = stats["answered"] + stats["abandoned"]
    return {
        "calls": calls,
        "seconds": seconds,
        "p_wait": stats["waited"] / left,
        "p_abandon": stats["abandoned"] / left,
        "service_level": stats["within"] / left,
        "mean_wait_seconds": stats["wait"] / left,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    exact = erlang_a_figures(
        agents=AGENTS,
        load_erlangs=LOAD_ERLANGS,
        handle_time_seconds=HANDLE_SECONDS,
        patience_seconds=PATIENCE_SECONDS,
        threshold_seconds=THRESHOLD_SECONDS,
    )
    print(
        f"M/M/{AGENTS}+M: {LOAD_ERLANGS:g} Erlangs, AHT {HANDLE_SECONDS:g} s, patience "
        f"{PATIENCE_SECONDS:g} s, {args.calls:,} calls; exact Erlang A: P(wait) "
        f"{exact.wait_probability:.4f}, P(abandon) {exact.abandon_probability:.4f}, "
        f"SL({THRESHOLD_SECONDS:g} s) {exact.service_level:.4f}, mean wait "
        f"{exact.mean_wait_seconds:.2f} s"
    )
    runs = {}
    for name, runner in (
        ("switchdesk", run_switchdesk),
        ("simpy", run_simpy),
        ("plain_heap", run_plain_heap),
    ):
        gc.collect()
        runs[name] = runner(args.calls, args.seed)
        run = runs[name]
        print(
            f"{name:>11}: {run['seconds']:7.2f} s, {run['calls'] / run['seconds']:>9,.0f} calls/s;"
            f" P(wait) {run['p_wait']:.4f}, P(abandon) {run['p_abandon']:.4f},"
            f" SL {run['service_level']:.4f}, mean wait {run['mean_wait_seconds']:.2f} s"
        )
    rate = {name: run["calls"] / run["seconds"] for name, run in runs.items()}
    ratio = rate["switchdesk"] / rate["simpy"]
    print(
        f"switchdesk / simpy: {ratio:.2f}x (target 3x); plain heap / switchdesk: "
        f"{rate['plain_heap'] / rate['switchdesk']:.1f}x"
    )
    figures = {
        "benchmark": "simulation",
        "calls": args.calls,
        "load_erlangs": LOAD_ERLANGS,
        "agents": AGENTS,
        "patience_seconds": PATIENCE_SECONDS,
        "switchdesk_calls_per_second": round(rate["switchdesk"]),
        "simpy_calls_per_second": round(rate["simpy"]),
        "plain_heap_calls_per_second": round(rate["plain_heap"]),
        "ratio_vs_simpy": round(ratio, 2),
        "target_ratio_vs_simpy": 3.0,
        "switchdesk_p_abandon": round(runs["switchdesk"]["p_abandon"], 5),
        "simpy_p_abandon": round(runs["simpy"]["p_abandon"], 5),
        "exact_p_abandon": round(exact.abandon_probability, 5),
        "switchdesk_p_wait": round(runs["switchdesk"]["p_wait"], 5),
        "simpy_p_wait": round(runs["simpy"]["p_wait"], 5),
        "exact_p_wait": round(exact.wait_probability, 5),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
