"""Routing engine benchmark: full interaction lifecycles per second.

A lifecycle is enqueue -> offer -> accept -> complete. The workspace has 200 queues with
skill expressions (``agent.skills.s7 >= 3 AND agent.languages HAS "en"``...), mixed
channels (voice, chat, email with weighted capacity), and 1,000 or 10,000 agents of whom
about half are busy at any time, so queues build backlogs and agents freeing up pick the
best waiting interaction. Both sizes run in the same process, side by side, so their
ratio is meaningful on a noisy machine. Memory: 10,000 agents (all on contacts or
offline) and 100,000 waiting interactions, measured with tracemalloc.

Run: ``.venv/bin/python benchmarks/routing.py`` (``--quick`` for a short run).
Ends with one JSON line of figures.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable

from switchdesk.domain.routing import (
    CapacityProfile,
    OfferMade,
    Presence,
    QueueConfig,
    RoutingEngine,
    Strategy,
)

QUEUES = 200
SKILLS = 50
KINDS = ("voice", "chat", "email")
CAPACITY = CapacityProfile(
    total=100, costs={"voice": 100, "chat": 34, "email": 20}, maximum={"chat": 3, "email": 5}
)
STRATEGIES = (
    Strategy.LONGEST_IDLE,
    Strategy.ROUND_ROBIN,
    Strategy.FEWEST_CONTACTS,
    Strategy.BEST_PROFICIENCY,
    Strategy.LEAST_OCCUPIED,
)


def queue_kind(index: int) -> str:
    return KINDS[index % 3]


def build(agents: int, seed: int = 7) -> RoutingEngine:
    rng = random.Random(seed)
    engine = RoutingEngine()
    now = 0.0
    for index in range(QUEUES):
        skill = index % SKILLS
        minimum = 1 + (index // SKILLS) % 4
        expression = f"agent.skills.s{skill} >= {minimum}"
        if index % 4 == 3:
            expression += ' AND agent.languages HAS "es"'
        strategy = STRATEGIES[index % len(STRATEGIES)]
        engine.configure_queue(
            QueueConfig(
                id=f"q{index}",
                eligibility=expression,
                strategy=strategy,
                proficiency_skill=f"s{skill}" if strategy is Strategy.BEST_PROFICIENCY else None,
                offer_timeout_seconds=30.0,
            ),
            now,
        )
    for index in range(agents):
        skills = {f"s{s}": rng.randint(1, 5) for s in rng.sample(range(SKILLS), 4)}
        languages = ["en", "es"] if rng.random() < 0.4 else ["en"]
        engine.register_agent(
            f"a{index}",
            now,
            attributes={"skills": skills, "languages": languages, "team": f"t{index % 40}"},
            capacity=CAPACITY,
            presence=Presence.AVAILABLE,
        )
    return engine


def run_lifecycles(
    engine: RoutingEngine,
    count: int,
    agents: int,
    prefix: str = "i",
    seed: int = 11,
    load: float = 0.5,
    around: Callable[[bool], None] | None = None,
) -> float:
    """Run ``count`` lifecycles; return lifecycles per second. ``around(True)`` and
    ``around(False)`` are called just before and after the timed part, if given."""
    rng = random.Random(seed)
    # Queue choice biased to queues with members, as traffic follows staffing.
    queue_ids = [f"q{i}" for i in range(QUEUES)]
    active: deque[str] = deque()
    target_active = int(agents * load)
    accept = engine.accept
    complete = engine.complete
    enqueue = engine.enqueue
    advance = engine.advance
    now = engine.now + 1.0
    step = 0.0005
    completed = 0
    serial = 0
    choices = [rng.randrange(QUEUES) for _ in range(4096)]

    def enqueue_one() -> None:
        nonlocal serial
        serial += 1
        q = choices[serial & 4095]
        advance(now)  # fire due timers first, as the server and the simulator do
        events = enqueue(
            f"{prefix}{serial}", now, channel_kind=queue_kind(q), queue_id=queue_ids[q]
        )
        for event in events:
            if type(event) is OfferMade:
                accept(event.offer_id, now)
                active.append(event.interaction_id)

    # Untimed: load the agents to the steady state (half of them on contacts).
    while len(active) < target_active:
        now += step
        enqueue_one()
    gc.collect()
    if around is not None:
        around(True)
    start = time.perf_counter()
    while completed < count:
        now += step
        enqueue_one()
        while len(active) > target_active:
            events = complete(active.popleft(), now)
            completed += 1
            for event in events:
                if type(event) is OfferMade:
                    accept(event.offer_id, now)
                    active.append(event.interaction_id)
    elapsed = time.perf_counter() - start
    if around is not None:
        around(False)
    # Untimed: finish what is still in progress or waiting, so runs do not pile up load.
    while active:
        for event in complete(active.popleft(), now):
            if type(event) is OfferMade:
                accept(event.offer_id, now)
                active.append(event.interaction_id)
    return completed / elapsed


def memory_mb(agents: int, waiting: int) -> float:
    gc.collect()
    tracemalloc.start()
    engine = build(agents)
    # Everybody goes offline, then the backlog builds up.
    for index in range(agents):
        engine.set_presence(f"a{index}", Presence.OFFLINE, 0.5)
    rng = random.Random(3)
    for serial in range(waiting):
        q = rng.randrange(QUEUES)
        engine.enqueue(
            f"w{serial}",
            1.0 + serial * 0.001,
            channel_kind=queue_kind(q),
            queue_id=f"q{q}",
            attributes={"language": "en", "intent": "billing"},
        )
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(engine.interaction_ids()) == waiting
    return current / 1e6


def main() -> None:
    quick = "--quick" in sys.argv
    count = 20_000 if quick else 100_000
    rounds = 1 if quick else 5
    rates: dict[int, list[float]] = {1_000: [], 10_000: []}
    engines = {size: build(size) for size in rates}
    for round_index in range(rounds):
        for size, engine in engines.items():
            rate = run_lifecycles(engine, count // rounds, size, prefix=f"r{round_index}-")
            rates[size].append(rate)
            print(
                f"round {round_index + 1}: {size:>6} agents: {rate:,.0f} lifecycles/s", flush=True
            )
    best = {size: max(values) for size, values in rates.items()}
    median = {size: statistics.median(values) for size, values in rates.items()}
    ratio = best[10_000] / best[1_000]
    # Each round runs both sizes back to back: the median of the per-round ratios is the
    # figure least moved by other load on the machine.
    paired = statistics.median(
        ten / one for one, ten in zip(rates[1_000], rates[10_000], strict=True)
    )
    print(
        f"best of {rounds}: 1k {best[1_000]:,.0f}/s, 10k {best[10_000]:,.0f}/s; "
        f"10k/1k = {ratio:.2f} (the 10k rate is {1 / ratio:.2f}x slower); "
        f"median of per-round ratios {paired:.2f}",
        flush=True,
    )
    # A saturated center: more work than free capacity, so queues hold backlogs and agents
    # who free up pick the best waiting interaction across their queues.
    backlog = run_lifecycles(engines[10_000], count // rounds, 10_000, prefix="busy-", load=1.8)
    print(f"10k agents, saturated (backlogs): {backlog:,.0f} lifecycles/s", flush=True)
    del engines
    waiting = 20_000 if quick else 100_000
    memory = memory_mb(10_000, waiting)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory, 10k agents + {waiting:,} waiting: {memory:.0f} MB traced "
        f"(process peak RSS {peak_rss:.0f} MB)",
        flush=True,
    )
    print(
        json.dumps(
            {
                "benchmark": "routing",
                "agents": 10_000,
                "queues": QUEUES,
                "lifecycles_per_second": round(best[10_000]),
                "lifecycles_per_second_1k": round(best[1_000]),
                "ratio_10k_vs_1k": round(ratio, 3),
                "ratio_10k_vs_1k_median_of_rounds": round(paired, 3),
                "median_lifecycles_per_second": round(median[10_000]),
                "median_lifecycles_per_second_1k": round(median[1_000]),
                "lifecycles_per_second_saturated_10k": round(backlog),
                "memory_mb_10k_agents_100k_waiting": round(memory, 1),
                "peak_rss_mb": round(peak_rss, 1),
                "waiting_interactions": waiting,
                "lifecycles_per_size": count,
            }
        )
    )


if __name__ == "__main__":
    main()
