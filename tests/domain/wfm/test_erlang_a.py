"""Erlang A (M/M/N+M) against the reference case of wfm.md and independent computations."""

import math

import pytest

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm import erlang_a_figures, erlang_c_figures


def reference_case(**changes):
    arguments = {
        "agents": 14,
        "load_erlangs": 100 / 1800 * 180,
        "handle_time_seconds": 180.0,
        "patience_seconds": 300.0,
        "threshold_seconds": 20.0,
    }
    arguments.update(changes)
    return erlang_a_figures(**arguments)


def brute_force_chain(agents, load, handle, patience, states=4000):
    """Stationary law of the truncated birth-death chain, summed plainly in floats."""
    arrival = load / handle
    weights = [1.0]
    for n in range(1, states):
        death = min(n, agents) / handle + max(n - agents, 0) / patience
        weights.append(weights[-1] * arrival / death)
    total = sum(weights)
    probabilities = [w / total for w in weights]
    waiting = sum(probabilities[agents:])
    queue = sum((n - agents) * p for n, p in enumerate(probabilities) if n > agents)
    return waiting, queue / patience / arrival, queue / arrival


def tagged_answered_within(agents, load, handle, patience, threshold, states=400, steps=4000):
    """P(answered within T) by uniformization of the tagged-customer chain."""
    arrival = load / handle
    weights = [1.0]
    for n in range(1, states):
        death = min(n, agents) / handle + max(n - agents, 0) / patience
        weights.append(weights[-1] * arrival / death)
    total = sum(weights)
    probabilities = [w / total for w in weights]
    theta = 1 / patience
    service = agents / handle
    result = sum(probabilities[:agents])
    top_rate = service + states * theta + theta
    for ahead in range(states - agents):
        # states: ahead, ahead-1, ..., 0 waiting; then answered (absorbing)
        distribution = [0.0] * (ahead + 2)
        distribution[0] = 1.0  # index i: i places moved up
        answered = 0.0
        poisson = math.exp(-top_rate * threshold)
        answered_at = 0.0
        for step in range(steps):
            answered_at += poisson * distribution[-1]
            new = [0.0] * (ahead + 2)
            new[-1] = distribution[-1]
            for moved in range(ahead + 1):
                mass = distribution[moved]
                if mass == 0.0:
                    continue
                left = ahead - moved
                progress = (service + left * theta) / top_rate
                leave = theta / top_rate
                new[moved + 1] += mass * progress
                new[moved] += mass * (1 - progress - leave)
            distribution = new
            poisson *= top_rate * threshold / (step + 1)
        answered = answered_at
        result += probabilities[agents + ahead] * answered
        if probabilities[agents + ahead] < 1e-14:
            break
    return result


def test_reference_case_wait_probability_is_0_145260():
    assert round(reference_case().wait_probability, 6) == 0.145260


def test_reference_case_abandon_probability_is_0_013984():
    assert round(reference_case().abandon_probability, 6) == 0.013984


def test_reference_case_service_level_is_0_916792():
    assert round(reference_case().service_level, 6) == 0.916792


def test_reference_case_occupancy_is_0_704297():
    assert round(reference_case().occupancy, 6) == 0.704297


@pytest.mark.parametrize(
    ("agents", "load", "patience"),
    [(14, 10.0, 300.0), (5, 8.0, 60.0), (40, 48.0, 180.0), (60, 48.0, 30.0), (3, 0.5, 900.0)],
)
def test_wait_and_abandon_probabilities_match_a_brute_force_chain(agents, load, patience):
    figures = erlang_a_figures(
        agents=agents, load_erlangs=load, handle_time_seconds=180.0, patience_seconds=patience
    )
    waiting, abandon, mean_wait = brute_force_chain(agents, load, 180.0, patience)
    assert figures.wait_probability == pytest.approx(waiting, rel=1e-9)
    assert figures.abandon_probability == pytest.approx(abandon, rel=1e-9)
    assert figures.mean_wait_seconds == pytest.approx(mean_wait, rel=1e-9)


@pytest.mark.parametrize(
    ("agents", "load", "patience", "threshold"),
    [(14, 10.0, 300.0, 20.0), (5, 6.0, 60.0, 30.0), (8, 6.0, 120.0, 10.0)],
)
def test_service_level_matches_uniformization_of_the_tagged_customer(
    agents, load, patience, threshold
):
    figures = erlang_a_figures(
        agents=agents,
        load_erlangs=load,
        handle_time_seconds=180.0,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )
    expected = tagged_answered_within(agents, load, 180.0, patience, threshold, states=120)
    assert figures.service_level == pytest.approx(expected, abs=1e-9)


def test_service_level_at_zero_seconds_is_the_share_that_does_not_wait():
    figures = reference_case(threshold_seconds=0.0)
    assert figures.service_level == pytest.approx(1.0 - figures.wait_probability)


def test_a_very_long_threshold_leaves_only_the_abandons_unmet():
    figures = reference_case(threshold_seconds=1e6)
    assert figures.service_level == pytest.approx(1.0 - figures.abandon_probability, abs=1e-12)


def test_fewer_agents_than_the_load_stay_finite_and_shed_at_least_the_excess():
    figures = erlang_a_figures(
        agents=40,
        load_erlangs=50.0,
        handle_time_seconds=240.0,
        patience_seconds=120.0,
        threshold_seconds=20.0,
    )
    assert 0.0 < figures.wait_probability <= 1.0
    assert figures.abandon_probability >= 1.0 - 40 / 50
    assert math.isfinite(figures.asa_seconds)
    assert figures.occupancy <= 1.0


def test_very_long_patience_gives_erlang_c_figures():
    patient = reference_case(patience_seconds=1e9)
    erlang_c = erlang_c_figures(
        agents=14, load_erlangs=10.0, handle_time_seconds=180.0, threshold_seconds=20.0
    )
    assert patient.wait_probability == pytest.approx(erlang_c.wait_probability, rel=1e-6)
    assert patient.service_level == pytest.approx(erlang_c.service_level, rel=1e-6)
    assert patient.asa_seconds == pytest.approx(erlang_c.asa_seconds, rel=1e-5)
    assert patient.abandon_probability < 1e-6


@pytest.mark.timeout(10)
@pytest.mark.parametrize("agents", [4000, 5000, 5200])
def test_five_thousand_erlangs_compute_finitely(agents):
    figures = erlang_a_figures(
        agents=agents,
        load_erlangs=5000.0,
        handle_time_seconds=300.0,
        patience_seconds=120.0,
        threshold_seconds=20.0,
    )
    for value in (
        figures.wait_probability,
        figures.service_level,
        figures.abandon_probability,
        figures.asa_seconds,
        figures.occupancy,
    ):
        assert value is not None and math.isfinite(value)
        assert value >= 0.0


def test_zero_load_never_waits():
    figures = reference_case(load_erlangs=0.0)
    assert figures.wait_probability == 0.0
    assert figures.service_level == 1.0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agents": 0}, "agents"),
        ({"patience_seconds": 0.0}, "patience_seconds"),
        ({"patience_seconds": math.inf}, "patience_seconds"),
        ({"load_erlangs": -2.0}, "load_erlangs"),
    ],
)
def test_bad_arguments_raise_validation_failed(change, field):
    with pytest.raises(ValidationFailed) as raised:
        reference_case(**change)
    assert raised.value.extra["field"] == field
