"""The traffic offered to a queue in one interval, held exactly."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm.exact_numbers import ExactNumber, exact_fraction


@dataclass(frozen=True, slots=True)
class Workload:
    """Contacts offered in an interval and their average handle time, as exact fractions.

    Kept exact so that the load ``calls * handle_time / interval`` is exact too: a load of
    42.5 Erlangs under an 85 % occupancy cap needs exactly 50 agents, not 51.
    """

    calls: Fraction
    interval_seconds: Fraction
    handle_time_seconds: Fraction
    load: Fraction = field(init=False, repr=False, compare=False)
    """Offered load in Erlangs, exactly: ``calls * handle_time_seconds / interval_seconds``."""

    def __post_init__(self) -> None:
        calls, interval, handle = self.calls, self.interval_seconds, self.handle_time_seconds
        if calls.numerator < 0:
            raise ValidationFailed(f"calls must be at least 0, got {calls}", field="calls")
        if interval.numerator <= 0:
            raise ValidationFailed(
                f"interval_seconds must be greater than 0, got {interval}",
                field="interval_seconds",
            )
        if handle.numerator <= 0:
            raise ValidationFailed(
                f"handle_time_seconds must be greater than 0, got {handle}",
                field="handle_time_seconds",
            )
        load = Fraction(
            calls.numerator * handle.numerator * interval.denominator,
            calls.denominator * handle.denominator * interval.numerator,
        )
        object.__setattr__(self, "load", load)

    @classmethod
    def from_counts(
        cls,
        *,
        calls: ExactNumber,
        interval_seconds: ExactNumber,
        handle_time_seconds: ExactNumber,
    ) -> Workload:
        """``calls`` offered over ``interval_seconds``, each taking ``handle_time_seconds``."""
        return cls(
            calls=exact_fraction(calls, name="calls"),
            interval_seconds=exact_fraction(interval_seconds, name="interval_seconds"),
            handle_time_seconds=exact_fraction(handle_time_seconds, name="handle_time_seconds"),
        )

    @classmethod
    def from_rate(
        cls, *, arrival_rate_per_second: ExactNumber, handle_time_seconds: ExactNumber
    ) -> Workload:
        """Arrivals per second and average handle time."""
        return cls.from_counts(
            calls=arrival_rate_per_second,
            interval_seconds=1,
            handle_time_seconds=handle_time_seconds,
        )

    @property
    def load_erlangs(self) -> float:
        """Offered load in Erlangs."""
        return self.load.numerator / self.load.denominator

    @property
    def arrival_rate_per_second(self) -> float:
        """Arrivals per second."""
        return float(self.calls / self.interval_seconds)
