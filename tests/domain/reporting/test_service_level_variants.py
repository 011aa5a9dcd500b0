"""Service-level variants SL1..SL5 and the queue KPIs, on hand-computed counts.

The interval used throughout: 100 answered (A), 20 abandoned (Ab), 80 answered within
T = 20 s (A_T), 12 abandoned within T (Ab_T), 5 abandoned within S = 5 s (Ab_S).
"""

import pytest

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.reporting import (
    DEFAULT_SERVICE_LEVEL_FORMULA,
    ServiceLevelCounts,
    ServiceLevelFormula,
    abandonment_rate,
    abandonment_rate_excluding_short,
    average_handle_time_seconds,
    average_speed_of_answer_seconds,
    occupancy,
    service_level,
)

COUNTS = ServiceLevelCounts(
    answered=100,
    abandoned=20,
    answered_within_threshold=80,
    abandoned_within_threshold=12,
    short_abandons=5,
)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (ServiceLevelFormula.SL1, 80 / 120),  # A_T / (A + Ab) = 0.6667
        (ServiceLevelFormula.SL2, 80 / 100),  # A_T / A = 0.8
        (ServiceLevelFormula.SL3, 80 / 108),  # A_T / (A + Ab - Ab_T) = 0.7407
        (ServiceLevelFormula.SL4, 92 / 120),  # (A_T + Ab_T) / (A + Ab) = 0.7667
        (ServiceLevelFormula.SL5, 80 / 115),  # A_T / (A + Ab - Ab_S) = 0.6957
    ],
)
def test_each_variant_gives_its_hand_computed_value(formula, expected):
    assert service_level(COUNTS, formula) == pytest.approx(expected)


def test_the_five_variants_rank_as_their_formulas_imply_for_this_interval():
    values = {f: service_level(COUNTS, f) for f in ServiceLevelFormula}
    assert round(values[ServiceLevelFormula.SL1], 4) == 0.6667
    assert round(values[ServiceLevelFormula.SL5], 4) == 0.6957
    assert round(values[ServiceLevelFormula.SL3], 4) == 0.7407
    assert round(values[ServiceLevelFormula.SL4], 4) == 0.7667
    assert values[ServiceLevelFormula.SL2] == 0.8


def test_without_abandons_every_variant_agrees():
    counts = ServiceLevelCounts(answered=50, abandoned=0, answered_within_threshold=45)
    assert {service_level(counts, f) for f in ServiceLevelFormula} == {0.9}


def test_an_interval_with_no_contacts_has_no_service_level():
    counts = ServiceLevelCounts(answered=0, abandoned=0, answered_within_threshold=0)
    assert all(service_level(counts, f) is None for f in ServiceLevelFormula)


def test_an_interval_of_short_abandons_only_has_no_sl5_but_an_sl1_of_zero():
    counts = ServiceLevelCounts(
        answered=0,
        abandoned=3,
        answered_within_threshold=0,
        abandoned_within_threshold=3,
        short_abandons=3,
    )
    assert service_level(counts, ServiceLevelFormula.SL5) is None
    assert service_level(counts, ServiceLevelFormula.SL1) == 0.0
    assert service_level(counts, ServiceLevelFormula.SL4) == 1.0


def test_formulas_are_identified_by_stable_names_for_reports():
    assert ServiceLevelFormula("SL5") is ServiceLevelFormula.SL5
    assert str(ServiceLevelFormula.SL3) == "SL3"
    assert DEFAULT_SERVICE_LEVEL_FORMULA is ServiceLevelFormula.SL5
    assert ServiceLevelFormula.SL4.expression == "(A_T + Ab_T) / (A + Ab)"


def test_a_report_label_names_the_formula_and_its_thresholds():
    assert (
        ServiceLevelFormula.SL5.label(20, short_abandon_seconds=5)
        == "SL5 (T = 20 s, S = 5 s): A_T / (A + Ab - Ab_S)"
    )
    assert ServiceLevelFormula.SL1.label(20) == "SL1 (T = 20 s): A_T / (A + Ab)"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"answered": 10, "abandoned": 0, "answered_within_threshold": 11}, "exceed answered"),
        (
            {
                "answered": 10,
                "abandoned": 2,
                "answered_within_threshold": 5,
                "abandoned_within_threshold": 3,
            },
            "exceed abandoned",
        ),
        (
            {"answered": 10, "abandoned": 2, "answered_within_threshold": 5, "short_abandons": 3},
            "exceed abandoned",
        ),
        ({"answered": -1, "abandoned": 0, "answered_within_threshold": 0}, "at least 0"),
        ({"answered": 1.5, "abandoned": 0, "answered_within_threshold": 0}, "whole number"),
    ],
)
def test_inconsistent_counts_are_rejected(arguments, message):
    with pytest.raises(ValidationFailed, match=message):
        ServiceLevelCounts(**arguments)


def test_asa_is_the_total_wait_of_answered_contacts_over_answered():
    assert average_speed_of_answer_seconds(1230.0, 100) == 12.3
    assert average_speed_of_answer_seconds(0.0, 0) is None


def test_aht_is_the_total_handle_time_over_handled():
    # 3 contacts: talk 200 + hold 20 + wrap 30, talk 100, talk 300 + wrap 50
    assert average_handle_time_seconds(250 + 100 + 350, 3) == pytest.approx(233.333333)


def test_abandonment_rate_counts_every_abandon():
    assert abandonment_rate(100, 20) == pytest.approx(20 / 120)
    assert abandonment_rate(0, 0) is None


def test_abandonment_rate_can_leave_out_short_abandons():
    assert abandonment_rate_excluding_short(100, 20, 5) == pytest.approx(15 / 115)
    with pytest.raises(ValidationFailed, match="short_abandons"):
        abandonment_rate_excluding_short(100, 2, 5)


def test_occupancy_is_handle_time_over_handle_plus_available_idle():
    assert occupancy(3000.0, 600.0) == pytest.approx(3000 / 3600)
    assert occupancy(0.0, 0.0) is None


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_negative_or_non_finite_durations_are_rejected(seconds):
    with pytest.raises(ValidationFailed):
        occupancy(seconds, 10.0)
