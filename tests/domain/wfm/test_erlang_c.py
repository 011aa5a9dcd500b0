"""Erlang B and Erlang C against the worked example of wfm.md and exact rational oracles."""

import math
from fractions import Fraction

import pytest

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm import (
    erlang_b,
    erlang_c,
    erlang_c_asa_seconds,
    erlang_c_figures,
    erlang_c_service_level,
    occupancy,
)


def exact_erlang_b(agents: int, load: Fraction) -> Fraction:
    terms = [load**n / math.factorial(n) for n in range(agents + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    below = sum(load**n / math.factorial(n) for n in range(agents))
    return top / (below + top)


def test_worked_example_wait_probability_is_0_2387():
    assert round(erlang_c(55, 48.0), 4) == 0.2387


def test_worked_example_asa_is_8_18_seconds():
    assert round(erlang_c_asa_seconds(55, 48.0, 240.0), 2) == 8.18


def test_worked_example_service_level_at_15_seconds_is_84_59_percent():
    assert round(100 * erlang_c_service_level(55, 48.0, 240.0, 15.0), 2) == 84.59


def test_worked_example_occupancy_is_87_3_percent():
    assert round(100 * occupancy(55, 48.0), 1) == 87.3


def test_worked_example_figures_agree_with_the_single_formulas():
    figures = erlang_c_figures(
        agents=55, load_erlangs=48.0, handle_time_seconds=240.0, threshold_seconds=15.0
    )
    assert figures.model == "erlang_c"
    assert figures.wait_probability == pytest.approx(erlang_c(55, 48.0))
    assert figures.service_level == pytest.approx(erlang_c_service_level(55, 48.0, 240.0, 15.0))
    assert figures.asa_seconds == pytest.approx(8.184032104, abs=1e-8)
    assert figures.abandon_probability == 0.0
    assert figures.occupancy == pytest.approx(48 / 55)


@pytest.mark.parametrize(
    ("agents", "load"),
    [(1, Fraction(1, 2)), (5, Fraction(3)), (10, Fraction(10)), (30, Fraction(45, 2)), (80, 70)],
)
def test_erlang_b_matches_the_factorial_formula_in_exact_arithmetic(agents, load):
    expected = exact_erlang_b(agents, Fraction(load))
    assert erlang_b(agents, float(load)) == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize(
    ("agents", "load"),
    [(1, Fraction(1, 2)), (5, Fraction(3)), (11, Fraction(10)), (30, Fraction(45, 2)), (80, 70)],
)
def test_erlang_c_matches_the_factorial_formula_in_exact_arithmetic(agents, load):
    expected = exact_erlang_c(agents, Fraction(load))
    assert erlang_c(agents, float(load)) == pytest.approx(float(expected), rel=1e-12)


def test_erlang_b_of_ten_agents_at_ten_erlangs_is_the_table_value():
    assert round(erlang_b(10, 10.0), 5) == 0.21458


@pytest.mark.parametrize("agents", [0, 1, 47, 48])
def test_agents_at_or_below_the_load_wait_always_and_never_meet_a_threshold(agents):
    figures = erlang_c_figures(
        agents=agents, load_erlangs=48.0, handle_time_seconds=240.0, threshold_seconds=20.0
    )
    assert figures.wait_probability == 1.0
    assert figures.service_level == 0.0
    assert figures.asa_seconds == math.inf
    assert figures.occupancy == 1.0


def test_one_agent_above_the_load_gives_a_probability_below_one():
    assert 0.0 < erlang_c(49, 48.0) < 1.0


def test_zero_load_never_waits():
    figures = erlang_c_figures(
        agents=1, load_erlangs=0.0, handle_time_seconds=60.0, threshold_seconds=0.0
    )
    assert figures.wait_probability == 0.0
    assert figures.service_level == 1.0
    assert figures.asa_seconds == 0.0


def test_service_level_at_zero_seconds_is_the_share_that_does_not_wait():
    level = erlang_c_service_level(55, 48.0, 240.0, 0.0)
    assert level == pytest.approx(1.0 - erlang_c(55, 48.0))


def test_five_thousand_erlangs_compute_finite_figures():
    figures = erlang_c_figures(
        agents=5080, load_erlangs=5000.0, handle_time_seconds=300.0, threshold_seconds=20.0
    )
    assert 0.0 < figures.wait_probability < 1.0
    assert figures.service_level is not None and 0.0 < figures.service_level < 1.0
    assert math.isfinite(figures.asa_seconds)


def test_erlang_b_of_far_more_agents_than_load_underflows_to_zero_not_nan():
    assert erlang_b(5000, 1.0) == 0.0
    assert erlang_c(5000, 1.0) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"agents": -1, "load_erlangs": 1.0, "handle_time_seconds": 1.0}, "agents"),
        ({"agents": True, "load_erlangs": 1.0, "handle_time_seconds": 1.0}, "agents"),
        ({"agents": 2.0, "load_erlangs": 1.0, "handle_time_seconds": 1.0}, "agents"),
        ({"agents": 2, "load_erlangs": -1.0, "handle_time_seconds": 1.0}, "load_erlangs"),
        ({"agents": 2, "load_erlangs": math.nan, "handle_time_seconds": 1.0}, "load_erlangs"),
        ({"agents": 2, "load_erlangs": 1.0, "handle_time_seconds": 0.0}, "handle_time_seconds"),
        (
            {
                "agents": 2,
                "load_erlangs": 1.0,
                "handle_time_seconds": 1.0,
                "threshold_seconds": -5.0,
            },
            "threshold_seconds",
        ),
    ],
)
def test_bad_arguments_raise_validation_failed_naming_the_argument(kwargs, field):
    with pytest.raises(ValidationFailed) as raised:
        erlang_c_figures(**kwargs)
    assert raised.value.extra["field"] == field
    assert field in raised.value.detail
