"""Staffing solver, shrinkage headcount and square-root staffing."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm import (
    StaffingTargets,
    Workload,
    erlang_a_figures,
    erlang_c,
    exact_fraction,
    halfin_whitt_beta,
    halfin_whitt_wait_probability,
    meets_targets,
    required_agents,
    scheduled_headcount,
    square_root_staffing,
)

EXAMPLE = Workload.from_counts(calls=360, interval_seconds=1800, handle_time_seconds=240)
EIGHTY_TWENTY = StaffingTargets(service_level=0.8, threshold_seconds=20)


def test_worked_example_needs_54_agents_for_80_20():
    result = required_agents(EXAMPLE, EIGHTY_TWENTY)
    assert result.agents == 54
    assert result.figures.service_level == pytest.approx(0.8172, abs=1e-4)


def test_the_example_load_is_48_erlangs_exactly():
    assert EXAMPLE.load == 48
    assert EXAMPLE.arrival_rate_per_second == pytest.approx(0.2)


def test_one_agent_fewer_than_the_answer_misses_the_target():
    result = required_agents(EXAMPLE, EIGHTY_TWENTY)
    smaller = required_agents(EXAMPLE, StaffingTargets(max_occupancy=1))
    assert smaller.agents == 49  # just above the load
    assert result.agents - 1 >= smaller.agents


def test_asa_target_alone_finds_the_fewest_agents():
    result = required_agents(EXAMPLE, StaffingTargets(max_asa_seconds=10))
    assert result.agents == 55  # ASA 8.18 s at 55, 12.05 s at 54
    assert result.figures.asa_seconds <= 10


def test_an_occupancy_cap_raises_staffing_to_load_over_cap():
    targets = StaffingTargets(service_level=0.8, threshold_seconds=20, max_occupancy="0.85")
    assert required_agents(EXAMPLE, targets).agents == math.ceil(48 / 0.85) == 57


@pytest.mark.parametrize("cap", [0.85, "0.85", Decimal("0.85"), Fraction(17, 20)])
def test_an_occupancy_cap_that_divides_the_load_exactly_adds_no_agent(cap):
    workload = Workload.from_counts(calls=425, interval_seconds=1800, handle_time_seconds=180)
    assert workload.load == Fraction(85, 2)
    result = required_agents(workload, StaffingTargets(max_occupancy=cap))
    assert result.agents == 50
    assert result.figures.occupancy == pytest.approx(0.85)


def test_an_occupancy_cap_is_met_exactly_for_rates_that_floats_cannot_hold():
    workload = Workload.from_counts(calls=17, interval_seconds=1800, handle_time_seconds=90)
    assert workload.load == Fraction(17, 20)
    assert required_agents(workload, StaffingTargets(max_occupancy=0.85)).agents == 1


def test_erlang_a_staffing_can_answer_fewer_agents_than_the_load():
    workload = Workload.from_counts(calls=6500, interval_seconds=1800, handle_time_seconds=180)
    targets = StaffingTargets(max_abandon_probability=0.1)
    result = required_agents(workload, targets, patience_seconds=60)
    assert result.agents < workload.load_erlangs
    assert result.figures.abandon_probability <= 0.1
    fewer = erlang_a_figures(
        agents=result.agents - 1,
        load_erlangs=650.0,
        handle_time_seconds=180.0,
        patience_seconds=60.0,
    )
    assert fewer.abandon_probability > 0.1


def test_erlang_a_staffing_meets_80_20_with_no_more_agents_than_erlang_c():
    with_patience = required_agents(EXAMPLE, EIGHTY_TWENTY, patience_seconds=180)
    assert with_patience.figures.model == "erlang_a"
    assert with_patience.agents <= 54
    assert with_patience.figures.service_level >= 0.8


def test_every_target_is_met_together():
    targets = StaffingTargets(
        service_level=0.8,
        threshold_seconds=20,
        max_asa_seconds=15,
        max_abandon_probability=0.02,
        max_occupancy="0.9",
    )
    result = required_agents(EXAMPLE, targets, patience_seconds=180)
    assert meets_targets(result.figures, targets, EXAMPLE.load)
    fewer = erlang_a_figures(
        agents=result.agents - 1,
        load_erlangs=48.0,
        handle_time_seconds=240.0,
        patience_seconds=180.0,
        threshold_seconds=20.0,
    )
    assert not meets_targets(fewer, targets, EXAMPLE.load)


def test_no_calls_need_no_agents():
    workload = Workload.from_counts(calls=0, interval_seconds=1800, handle_time_seconds=240)
    assert required_agents(workload, EIGHTY_TWENTY).agents == 0


@pytest.mark.timeout(20)
def test_five_thousand_erlangs_are_staffed_by_both_models():
    workload = Workload.from_rate(arrival_rate_per_second=20, handle_time_seconds=250)
    assert workload.load == 5000
    erlang_c_result = required_agents(workload, EIGHTY_TWENTY)
    erlang_a_result = required_agents(workload, EIGHTY_TWENTY, patience_seconds=120)
    assert 5000 < erlang_c_result.agents < 5100
    assert erlang_a_result.agents <= erlang_c_result.agents


def test_an_unreachable_target_within_the_agent_limit_is_reported():
    with pytest.raises(ValidationFailed, match="no staffing up to 50 agents"):
        required_agents(EXAMPLE, EIGHTY_TWENTY, max_agents=50)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "at least one target"),
        ({"service_level": 0.8}, "threshold_seconds"),
        ({"service_level": 1.0, "threshold_seconds": 20}, "below 1"),
        ({"service_level": 0.0, "threshold_seconds": 20}, "service_level"),
        ({"max_occupancy": "1.2"}, "max_occupancy"),
        ({"max_occupancy": "abc"}, "max_occupancy"),
        ({"max_asa_seconds": -1}, "max_asa_seconds"),
    ],
)
def test_bad_targets_raise_validation_failed(arguments, message):
    with pytest.raises(ValidationFailed, match=message):
        StaffingTargets(**arguments)


def test_a_negative_call_count_is_rejected():
    with pytest.raises(ValidationFailed, match="calls"):
        Workload.from_counts(calls=-1, interval_seconds=1800, handle_time_seconds=240)


@pytest.mark.parametrize("shrinkage", [0.3, "0.3", Decimal("0.3"), Fraction(3, 10)])
def test_21_agents_at_30_percent_shrinkage_schedule_30_not_31(shrinkage):
    assert math.ceil(21 / (1 - 0.3)) == 31  # the float trap avoided below
    assert scheduled_headcount(21, shrinkage) == 30


def test_no_shrinkage_schedules_the_agents_themselves():
    assert scheduled_headcount(54, 0) == 54


def test_shrinkage_rounds_a_fractional_headcount_up():
    assert scheduled_headcount(54, "0.3") == 78  # 77.14...


@pytest.mark.parametrize("shrinkage", [1, 1.5, -0.1, "x"])
def test_shrinkage_outside_zero_to_one_is_rejected(shrinkage):
    with pytest.raises(ValidationFailed, match="shrinkage"):
        scheduled_headcount(10, shrinkage)


def test_exact_fraction_reads_a_float_as_its_shortest_decimal():
    assert exact_fraction(0.85, name="x") == Fraction(17, 20)
    assert exact_fraction("1/3", name="x") == Fraction(1, 3)
    with pytest.raises(ValidationFailed):
        exact_fraction(math.nan, name="x")
    with pytest.raises(ValidationFailed):
        exact_fraction(True, name="x")


def test_halfin_whitt_beta_inverts_the_limiting_wait_probability():
    beta = halfin_whitt_beta(0.2)
    assert halfin_whitt_wait_probability(beta) == pytest.approx(0.2, rel=1e-9)
    assert halfin_whitt_wait_probability(0.0001) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("load", [20.0, 48.0, 100.0, 400.0, 2000.0])
def test_square_root_staffing_lands_within_two_agents_of_the_exact_answer(load):
    target = 0.2
    estimate = square_root_staffing(load, halfin_whitt_beta(target))
    exact = math.floor(load) + 1
    while erlang_c(exact, load) > target:
        exact += 1
    assert abs(estimate - exact) <= 2


def test_square_root_staffing_always_exceeds_the_load():
    assert square_root_staffing(48.0, 0.0) == 49
