"""The simulator against exact queueing theory, through the real routing engine.

For an M/M/c queue (Erlang C) and an M/M/c+M queue (Erlang A, exponential patience), the
simulated P(wait), P(abandon), service level and mean wait must fall inside 99 % Student-t
intervals over independent replications around the exact values of
``switchdesk.domain.wfm``. Each replication starts empty and discards a warm-up of 20
handle times. The fast test keeps occupancy near 0.8; the big one (50 Erlangs on 55
agents, as in the benchmark) runs under ``-m slow``.
"""

import pytest

from switchdesk.domain.wfm import erlang_a_figures, erlang_c_figures
from switchdesk.simulation import scenario_from_dict, simulate


def mmc_scenario(*, load, agents, handle, patience, calls, replications, threshold, seed):
    rate_per_hour = load / handle * 3600
    warmup = 20 * handle
    duration = calls / rate_per_hour * 3600 + warmup
    return scenario_from_dict(
        {
            "name": "mmc",
            "simulation": {
                "start": 0,
                "end": duration,
                "warmup_seconds": warmup,
                "interval_seconds": duration,
                "replications": replications,
                "seed": seed,
                "confidence": 0.99,
                "threshold_seconds": threshold,
            },
            "queues": [{"id": "q"}],
            "agents": [
                {"id": "a", "count": agents, "capacity": {"total": 100, "costs": {"voice": 100}}}
            ],
            "traffic": [
                {
                    "id": "calls",
                    "queue_id": "q",
                    "arrivals": {"rates_per_hour": [rate_per_hour]},
                    "handle_time": {"kind": "exponential", "mean_seconds": handle},
                    "patience": None
                    if patience is None
                    else {"kind": "exponential", "mean_seconds": patience},
                }
            ],
        }
    )


def assert_inside(result, expected):
    outside = {
        name: (value, result.overall[name].low, result.overall[name].high)
        for name, value in expected.items()
        if not result.overall[name].contains(value)
    }
    assert not outside, f"exact value outside the 99 % interval: {outside}"


def check_erlang_c(*, load, agents, handle, calls, replications, threshold, seed):
    result = simulate(
        mmc_scenario(
            load=load,
            agents=agents,
            handle=handle,
            patience=None,
            calls=calls,
            replications=replications,
            threshold=threshold,
            seed=seed,
        )
    )
    exact = erlang_c_figures(
        agents=agents, load_erlangs=load, handle_time_seconds=handle, threshold_seconds=threshold
    )
    assert result.overall["abandoned"].mean == 0
    assert_inside(
        result,
        {
            "wait_probability": exact.wait_probability,
            "sl1": exact.service_level,
            "mean_wait_seconds": exact.mean_wait_seconds,
            "asa_seconds": exact.asa_seconds,
        },
    )
    assert result.groups["a"]["occupancy"].mean == pytest.approx(exact.occupancy, abs=0.02)


def check_erlang_a(*, load, agents, handle, patience, calls, replications, threshold, seed):
    result = simulate(
        mmc_scenario(
            load=load,
            agents=agents,
            handle=handle,
            patience=patience,
            calls=calls,
            replications=replications,
            threshold=threshold,
            seed=seed,
        )
    )
    exact = erlang_a_figures(
        agents=agents,
        load_erlangs=load,
        handle_time_seconds=handle,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )
    assert_inside(
        result,
        {
            "wait_probability": exact.wait_probability,
            "abandonment_rate": exact.abandon_probability,
            "sl1": exact.service_level,  # answered within T / offered (A + Ab)
            "mean_wait_seconds": exact.mean_wait_seconds,
        },
    )
    assert result.groups["a"]["occupancy"].mean == pytest.approx(exact.occupancy, abs=0.02)


def test_simulated_erlang_c_queue_agrees_with_the_exact_figures():
    check_erlang_c(
        load=8.0, agents=10, handle=60.0, calls=15_000, replications=10, threshold=20, seed=1
    )


def test_simulated_erlang_a_queue_agrees_with_the_exact_figures():
    check_erlang_a(
        load=8.0,
        agents=9,
        handle=60.0,
        patience=90.0,
        calls=15_000,
        replications=10,
        threshold=20,
        seed=1,
    )


@pytest.mark.slow
def test_a_million_erlang_c_calls_agree_with_the_worked_example():
    # reference/wfm.md: 48 Erlangs, 55 agents, AHT 240 s: P(wait) 0.2387, ASA 8.18 s
    check_erlang_c(
        load=48.0, agents=55, handle=240.0, calls=50_000, replications=20, threshold=15, seed=2
    )


@pytest.mark.slow
def test_a_million_erlang_a_calls_agree_at_the_benchmark_load():
    check_erlang_a(
        load=50.0,
        agents=55,
        handle=180.0,
        patience=120.0,
        calls=50_000,
        replications=20,
        threshold=20,
        seed=2,
    )
