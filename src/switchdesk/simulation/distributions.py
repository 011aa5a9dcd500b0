"""Random durations (handle time, patience, after-contact work) and arrival streams.

Each sampler is a zero-argument callable built from a spec and its own ``random.Random``,
so every stream of random numbers is independent and reproducible from the seed (common
random numbers: two scenarios with the same seed see the same calls).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from switchdesk.domain.errors import ConfigurationError

__all__ = [
    "ArrivalSpec",
    "DurationSpec",
    "arrival_times",
    "duration_sampler",
]

Sampler = Callable[[], float]

DURATION_KINDS = ("exponential", "lognormal", "empirical", "constant", "none")
ARRIVAL_KINDS = ("poisson", "replay_timestamps", "replay_counts")


@dataclass(frozen=True, slots=True)
class DurationSpec:
    """A duration distribution in seconds.

    - ``exponential``: ``mean_seconds``
    - ``lognormal``: ``mean_seconds`` and ``sd_seconds`` of the duration itself
    - ``empirical``: ``values`` (seconds), drawn with equal weight, or with ``weights``
    - ``constant``: ``mean_seconds`` every time
    - ``none``: infinite (patience: nobody abandons)
    """

    kind: str = "exponential"
    mean_seconds: float = 0.0
    sd_seconds: float = 0.0
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        where = f"duration {self.kind!r}"
        if self.kind not in DURATION_KINDS:
            raise ConfigurationError(
                f"unknown distribution {self.kind!r}; use one of {', '.join(DURATION_KINDS)}",
                field="kind",
            )
        if self.kind in ("exponential", "lognormal") and not self.mean_seconds > 0:
            raise ConfigurationError(f"{where}: mean_seconds must be > 0", field="mean_seconds")
        if self.kind == "lognormal" and not self.sd_seconds > 0:
            raise ConfigurationError(f"{where}: sd_seconds must be > 0", field="sd_seconds")
        if self.kind == "constant" and self.mean_seconds < 0:
            raise ConfigurationError(f"{where}: mean_seconds must be >= 0", field="mean_seconds")
        if self.kind == "empirical":
            if not self.values or any(v < 0 or not math.isfinite(v) for v in self.values):
                raise ConfigurationError(
                    f"{where}: values must be a non-empty list of seconds >= 0", field="values"
                )
            if self.weights and (
                len(self.weights) != len(self.values) or any(w < 0 for w in self.weights)
            ):
                raise ConfigurationError(
                    f"{where}: weights must be one number >= 0 per value", field="weights"
                )

    @property
    def mean(self) -> float:
        """The distribution's mean in seconds (infinite for ``none``)."""
        if self.kind == "none":
            return math.inf
        if self.kind == "empirical":
            if self.weights:
                return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / sum(
                    self.weights
                )
            return sum(self.values) / len(self.values)
        return self.mean_seconds


def duration_sampler(spec: DurationSpec, rng: random.Random) -> Sampler:
    """A zero-argument sampler of ``spec`` drawing from ``rng``."""
    if spec.kind == "exponential":
        # what rng.expovariate(rate) computes, without its extra Python frame
        rate = 1.0 / spec.mean_seconds
        uniform = rng.random
        log = math.log
        return lambda: -log(1.0 - uniform()) / rate
    if spec.kind == "lognormal":
        # parameters of the underlying normal from the mean and sd of the duration
        sigma2 = math.log1p((spec.sd_seconds / spec.mean_seconds) ** 2)
        mu = math.log(spec.mean_seconds) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        lognorm = rng.lognormvariate
        return lambda: lognorm(mu, sigma)
    if spec.kind == "empirical":
        values = list(spec.values)
        if spec.weights:
            cumulative: list[float] = []
            total = 0.0
            for w in spec.weights:
                total += w
                cumulative.append(total)
            uniform = rng.random
            last = len(values) - 1

            def weighted() -> float:
                return values[min(bisect.bisect_right(cumulative, uniform() * total), last)]

            return weighted
        choice = rng.choice
        return lambda: choice(values)
    if spec.kind == "constant":
        value = spec.mean_seconds
        return lambda: value
    return lambda: math.inf


@dataclass(frozen=True, slots=True)
class ArrivalSpec:
    """When contacts arrive, in seconds of the simulated clock.

    - ``poisson``: a Poisson process whose rate is constant within each interval of
      ``interval_seconds`` from ``start_seconds``; ``rates_per_hour`` gives one rate per
      interval (a single rate: all day). Beyond the list the last rate holds until ``end``.
    - ``replay_timestamps``: exactly these ``times`` (seconds of the clock).
    - ``replay_counts``: ``counts`` contacts per interval, each at a uniform random time
      within its interval (the within-interval order is random, the counts are exact).
    """

    kind: str = "poisson"
    rates_per_hour: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    times: tuple[float, ...] = ()
    interval_seconds: float = 1800.0
    start_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ARRIVAL_KINDS:
            raise ConfigurationError(
                f"unknown arrival kind {self.kind!r}; use one of {', '.join(ARRIVAL_KINDS)}",
                field="kind",
            )
        if not self.interval_seconds > 0:
            raise ConfigurationError("interval_seconds must be > 0", field="interval_seconds")
        if self.kind == "poisson" and (
            not self.rates_per_hour
            or any(r < 0 or not math.isfinite(r) for r in self.rates_per_hour)
        ):
            raise ConfigurationError(
                "poisson arrivals need rates_per_hour: one or more rates >= 0",
                field="rates_per_hour",
            )
        if self.kind == "replay_counts" and any(c < 0 for c in self.counts):
            raise ConfigurationError("counts must be >= 0", field="counts")

    def expected_calls(self, start: float, end: float) -> float:
        """Expected number of arrivals in ``[start, end)``."""
        if self.kind == "replay_timestamps":
            return float(sum(1 for t in self.times if start <= t < end))
        origin = start if self.start_seconds is None else self.start_seconds
        values: Sequence[float] = (
            self.rates_per_hour if self.kind == "poisson" else [float(c) for c in self.counts]
        )
        total = 0.0
        index = 0
        while True:
            lo = origin + index * self.interval_seconds
            if lo >= end:
                break
            hi = lo + self.interval_seconds
            if index >= len(values) and self.kind == "replay_counts":
                break
            value = values[min(index, len(values) - 1)]
            share = max(0.0, min(hi, end) - max(lo, start)) / self.interval_seconds
            if self.kind == "poisson":
                total += value * self.interval_seconds / 3600.0 * share
            else:
                total += value * share
            index += 1
        return total


def arrival_times(
    spec: ArrivalSpec, rng: random.Random, start: float, end: float
) -> Iterator[float]:
    """Arrival times in ``[start, end)``, ascending, generated lazily."""
    if spec.kind == "replay_timestamps":
        for t in sorted(spec.times):
            if start <= t < end:
                yield float(t)
        return
    origin = start if spec.start_seconds is None else spec.start_seconds
    width = spec.interval_seconds
    if spec.kind == "replay_counts":
        uniform = rng.random
        for index, count in enumerate(spec.counts):
            lo = origin + index * width
            if lo >= end:
                return
            times = sorted(lo + uniform() * width for _ in range(count))
            for t in times:
                if start <= t < end:
                    yield t
        return
    rates = spec.rates_per_hour
    uniform = rng.random
    log = math.log
    last = len(rates) - 1
    index = 0
    while True:
        lo = origin + index * width
        if lo >= end:
            return
        hi = min(lo + width, end)
        rate = rates[min(index, last)] / 3600.0
        if rate > 0.0:
            # memoryless: restarting the exponential clock at the interval start is exact
            t = lo - log(1.0 - uniform()) / rate  # rng.expovariate(rate), inlined
            while t < hi:
                if t >= start:
                    yield t
                t -= log(1.0 - uniform()) / rate
        index += 1
