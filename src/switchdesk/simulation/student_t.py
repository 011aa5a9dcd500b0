"""Student-t quantiles and confidence intervals over replications, standard library only.

The t distribution's CDF is written with the regularized incomplete beta function
``I_x(a, b)``: for ``t >= 0`` and ``df`` degrees of freedom,
``P(T <= t) = 1 - I_{df / (df + t^2)}(df / 2, 1 / 2) / 2``. ``I_x`` is evaluated with
``math.lgamma`` and Lentz's continued fraction (Numerical Recipes, ``betacf``); the
quantile is found by bisection on the CDF (monotone, so it always converges).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from switchdesk.domain.errors import ValidationFailed

__all__ = [
    "Estimate",
    "estimate",
    "regularized_incomplete_beta",
    "student_t_cdf",
    "student_t_quantile",
]

_EPS = 1e-15
_TINY = 1e-300


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """``I_x(a, b)`` for ``0 <= x <= 1`` and ``a, b > 0``."""
    if a <= 0 or b <= 0:
        raise ValidationFailed(f"beta shapes must be > 0, got a={a}, b={b}", field="a")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, df: float) -> float:
    """``P(T <= t)`` for Student's t with ``df > 0`` degrees of freedom."""
    if df <= 0:
        raise ValidationFailed(f"degrees of freedom must be > 0, got {df}", field="df")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * regularized_incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t >= 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (e.g. ``student_t_quantile(0.975, 4) = 2.7764``)."""
    if not 0.0 < p < 1.0:
        raise ValidationFailed(f"probability must be in (0, 1), got {p}", field="p")
    if df <= 0:
        raise ValidationFailed(f"degrees of freedom must be > 0, got {df}", field="df")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while student_t_cdf(high, df) < p:
        low, high = high, high * 2.0
        if high > 1e12:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (low + high)
        if student_t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low <= 1e-13 * max(1.0, high):
            break
    return 0.5 * (low + high)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean over replications with a Student-t confidence interval.

    ``half_width`` is ``t(1 - (1 - confidence) / 2, n - 1) * s / sqrt(n)``; it is ``None``
    with fewer than two replications (no interval), and the mean is ``None`` when no
    replication had a value (e.g. a service level with no contacts).
    """

    mean: float | None
    half_width: float | None
    replications: int
    confidence: float

    @property
    def low(self) -> float | None:
        if self.mean is None or self.half_width is None:
            return None
        return self.mean - self.half_width

    @property
    def high(self) -> float | None:
        if self.mean is None or self.half_width is None:
            return None
        return self.mean + self.half_width

    def contains(self, value: float) -> bool:
        low, high = self.low, self.high
        return low is not None and high is not None and low <= value <= high

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "mean": self.mean,
            "half_width": self.half_width,
            "low": self.low,
            "high": self.high,
            "replications": self.replications,
        }


def estimate(values: Sequence[float | None], confidence: float = 0.95) -> Estimate:
    """Mean and Student-t interval of the values that are not ``None``."""
    if not 0.0 < confidence < 1.0:
        raise ValidationFailed(
            f"confidence must be in (0, 1), got {confidence}", field="confidence"
        )
    present = [v for v in values if v is not None and not math.isnan(v)]
    n = len(present)
    if n == 0:
        return Estimate(None, None, 0, confidence)
    mean = math.fsum(present) / n
    if n < 2:
        return Estimate(mean, None, n, confidence)
    variance = math.fsum((v - mean) ** 2 for v in present) / (n - 1)
    quantile = student_t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1)
    return Estimate(mean, quantile * math.sqrt(variance / n), n, confidence)
