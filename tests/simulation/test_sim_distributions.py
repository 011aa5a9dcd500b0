"""Random durations and arrival streams."""

import math
import random
import statistics

import pytest

from switchdesk.domain.errors import ConfigurationError
from switchdesk.simulation import ArrivalSpec, DurationSpec, arrival_times, duration_sampler


def draws(spec, n=40_000, seed=5):
    sample = duration_sampler(spec, random.Random(seed))
    return [sample() for _ in range(n)]


def test_exponential_durations_have_the_asked_mean():
    assert statistics.fmean(draws(DurationSpec("exponential", mean_seconds=180))) == (
        pytest.approx(180, rel=0.02)
    )


def test_lognormal_durations_have_the_asked_mean_and_standard_deviation():
    values = draws(DurationSpec("lognormal", mean_seconds=240, sd_seconds=180), n=200_000)
    assert statistics.fmean(values) == pytest.approx(240, rel=0.02)
    assert statistics.stdev(values) == pytest.approx(180, rel=0.05)


def test_empirical_durations_draw_the_given_values_with_their_weights():
    values = draws(DurationSpec("empirical", values=(10, 20), weights=(3, 1)))
    assert set(values) == {10, 20}
    assert values.count(10) / len(values) == pytest.approx(0.75, abs=0.01)
    assert DurationSpec("empirical", values=(10, 20), weights=(3, 1)).mean == 12.5


def test_constant_and_no_patience():
    assert draws(DurationSpec("constant", mean_seconds=30), n=3) == [30, 30, 30]
    assert draws(DurationSpec("none"), n=1) == [math.inf]


def test_bad_distributions_are_refused():
    with pytest.raises(ConfigurationError):
        DurationSpec("exponential", mean_seconds=0)
    with pytest.raises(ConfigurationError):
        DurationSpec("lognormal", mean_seconds=10)
    with pytest.raises(ConfigurationError):
        DurationSpec("empirical", values=(1, 2), weights=(1,))


def test_poisson_arrivals_follow_the_rate_of_each_interval():
    spec = ArrivalSpec("poisson", rates_per_hour=(600, 3000), interval_seconds=3600)
    counts = [0, 0]
    for replication in range(20):
        for t in arrival_times(spec, random.Random(replication), 0, 7200):
            counts[int(t // 3600)] += 1
    assert counts[0] / 20 == pytest.approx(600, rel=0.03)
    assert counts[1] / 20 == pytest.approx(3000, rel=0.03)
    assert spec.expected_calls(0, 7200) == 3600


def test_poisson_arrivals_are_ascending_and_inside_the_day():
    spec = ArrivalSpec(
        "poisson", rates_per_hour=(100, 0, 100), interval_seconds=600, start_seconds=0
    )
    times = list(arrival_times(spec, random.Random(1), 1000, 1800))
    assert times == sorted(times)
    assert all(1000 <= t < 1800 for t in times)
    assert not [t for t in times if 600 <= t < 1200]


def test_replayed_counts_are_exact_per_interval():
    spec = ArrivalSpec("replay_counts", counts=(3, 0, 5), interval_seconds=60)
    times = list(arrival_times(spec, random.Random(2), 0, 1000))
    assert len(times) == 8
    assert times == sorted(times)
    assert [int(t // 60) for t in times] == [0, 0, 0, 2, 2, 2, 2, 2]
    assert spec.expected_calls(0, 1000) == 8


def test_replayed_timestamps_are_used_as_they_are():
    spec = ArrivalSpec("replay_timestamps", times=(50.0, 10.0, 30.5, 5000.0))
    assert list(arrival_times(spec, random.Random(0), 0, 3600)) == [10.0, 30.5, 50.0]
