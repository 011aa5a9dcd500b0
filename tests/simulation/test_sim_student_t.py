"""Student-t quantiles and intervals, checked against printed table values."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.errors import ValidationFailed
from switchdesk.simulation import (
    estimate,
    regularized_incomplete_beta,
    student_t_cdf,
    student_t_quantile,
)

TABLE = [
    (0.995, 9, 3.2498),
    (0.975, 4, 2.7764),
    (0.975, 1, 12.7062),
    (0.95, 30, 1.6973),
    (0.995, 120, 2.6174),
    (0.9, 2, 1.8856),
    (0.999, 5, 5.8934),
    (0.975, 19, 2.0930),
]


@pytest.mark.parametrize(("p", "df", "expected"), TABLE)
def test_quantile_matches_the_printed_t_table(p, df, expected):
    assert student_t_quantile(p, df) == pytest.approx(expected, abs=5e-5)


def test_quantile_is_symmetric_and_zero_at_the_median():
    assert student_t_quantile(0.5, 7) == 0.0
    assert student_t_quantile(0.025, 4) == pytest.approx(-2.7764, abs=5e-5)


def test_quantile_approaches_the_normal_for_many_degrees_of_freedom():
    assert student_t_quantile(0.975, 1_000_000) == pytest.approx(1.95996, abs=1e-4)


@given(st.floats(0.001, 0.999), st.integers(1, 200))
def test_cdf_inverts_the_quantile(p, df):
    assert student_t_cdf(student_t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


def test_incomplete_beta_matches_closed_forms():
    assert regularized_incomplete_beta(0.3, 1, 1) == pytest.approx(0.3)
    assert regularized_incomplete_beta(0.3, 2.5, 1) == pytest.approx(0.3**2.5)
    assert regularized_incomplete_beta(0.5, 4.2, 4.2) == pytest.approx(0.5)
    assert regularized_incomplete_beta(0.0, 2, 3) == 0.0
    assert regularized_incomplete_beta(1.0, 2, 3) == 1.0


def test_bad_arguments_are_refused():
    with pytest.raises(ValidationFailed):
        student_t_quantile(1.0, 3)
    with pytest.raises(ValidationFailed):
        student_t_quantile(0.9, 0)
    with pytest.raises(ValidationFailed):
        estimate([1.0, 2.0], confidence=1.5)


def test_estimate_gives_mean_and_student_t_half_width():
    values = [10.0, 12.0, 11.0, 13.0, 9.0]
    result = estimate(values, 0.95)
    sd = math.sqrt(sum((v - 11.0) ** 2 for v in values) / 4)
    assert result.mean == pytest.approx(11.0)
    assert result.half_width == pytest.approx(2.7764 * sd / math.sqrt(5), rel=1e-4)
    assert result.contains(11.5)
    assert not result.contains(20.0)
    assert result.to_dict()["replications"] == 5


def test_estimate_skips_missing_values_and_needs_two_for_an_interval():
    assert estimate([None, 4.0]).mean == 4.0
    assert estimate([None, 4.0]).half_width is None
    assert estimate([None, None]).mean is None
    assert estimate([]).low is None
