"""Contact-center KPI formulas over raw counts: service level variants, ASA, AHT, abandonment,
occupancy.

Notation (per queue and interval, see docs/wfm.md): A answered, Ab abandoned in queue,
T the service-level threshold, S the short-abandon threshold, A_T answered within T,
Ab_T abandoned within T, Ab_S abandoned within S. Callbacks and flow-outs are not
abandons. A ratio whose denominator is zero is ``None`` (no contacts, no figure), never
0 or 1.

The service-level formula is a per-queue setting; reports label each figure with its
:class:`ServiceLevelFormula` (``SL1``...``SL5``) and thresholds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from switchdesk.domain.errors import ValidationFailed


class ServiceLevelFormula(StrEnum):
    """The five service-level definitions in use across the industry."""

    SL1 = "SL1"
    """A_T / (A + Ab): abandons count against (ICMI; Genesys default with abandons)."""
    SL2 = "SL2"
    """A_T / A: abandons ignored (not recommended)."""
    SL3 = "SL3"
    """A_T / (A + Ab - Ab_T): abandons within T ignored (Cisco "ignore abandoned"; ICMI)."""
    SL4 = "SL4"
    """(A_T + Ab_T) / (A + Ab): abandons within T count as met (Amazon Connect; Asterisk)."""
    SL5 = "SL5"
    """A_T / (A + Ab - Ab_S): short abandons excluded (Genesys; Talkdesk). Suggested default."""

    @property
    def expression(self) -> str:
        """The formula in the notation of the KPI definitions, e.g. ``A_T / (A + Ab)``."""
        return _EXPRESSIONS[self]

    def label(self, threshold_seconds: float, short_abandon_seconds: float | None = None) -> str:
        """Report label, e.g. ``SL5 (T = 20 s, S = 5 s): A_T / (A + Ab - Ab_S)``."""
        parts = [f"T = {threshold_seconds:g} s"]
        if self is ServiceLevelFormula.SL5 and short_abandon_seconds is not None:
            parts.append(f"S = {short_abandon_seconds:g} s")
        return f"{self.value} ({', '.join(parts)}): {self.expression}"


_EXPRESSIONS = {
    ServiceLevelFormula.SL1: "A_T / (A + Ab)",
    ServiceLevelFormula.SL2: "A_T / A",
    ServiceLevelFormula.SL3: "A_T / (A + Ab - Ab_T)",
    ServiceLevelFormula.SL4: "(A_T + Ab_T) / (A + Ab)",
    ServiceLevelFormula.SL5: "A_T / (A + Ab - Ab_S)",
}

DEFAULT_SERVICE_LEVEL_FORMULA = ServiceLevelFormula.SL5
DEFAULT_SHORT_ABANDON_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class ServiceLevelCounts:
    """Raw counts of one queue over one interval."""

    answered: int
    abandoned: int
    answered_within_threshold: int
    abandoned_within_threshold: int = 0
    short_abandons: int = 0

    def __post_init__(self) -> None:
        for name in (
            "answered",
            "abandoned",
            "answered_within_threshold",
            "abandoned_within_threshold",
            "short_abandons",
        ):
            _check_count(getattr(self, name), name=name)
        if self.answered_within_threshold > self.answered:
            raise ValidationFailed(
                "answered_within_threshold cannot exceed answered "
                f"({self.answered_within_threshold} > {self.answered})",
                field="answered_within_threshold",
            )
        for name in ("abandoned_within_threshold", "short_abandons"):
            if getattr(self, name) > self.abandoned:
                raise ValidationFailed(
                    f"{name} cannot exceed abandoned ({getattr(self, name)} > {self.abandoned})",
                    field=name,
                )


def service_level(counts: ServiceLevelCounts, formula: ServiceLevelFormula) -> float | None:
    """Service level of ``counts`` by ``formula``; ``None`` when nothing counts."""
    answered = counts.answered
    abandoned = counts.abandoned
    within = counts.answered_within_threshold
    if formula is ServiceLevelFormula.SL1:
        return _ratio(within, answered + abandoned)
    if formula is ServiceLevelFormula.SL2:
        return _ratio(within, answered)
    if formula is ServiceLevelFormula.SL3:
        return _ratio(within, answered + abandoned - counts.abandoned_within_threshold)
    if formula is ServiceLevelFormula.SL4:
        return _ratio(within + counts.abandoned_within_threshold, answered + abandoned)
    if formula is ServiceLevelFormula.SL5:
        return _ratio(within, answered + abandoned - counts.short_abandons)
    raise ValidationFailed(f"unknown service-level formula {formula!r}", field="formula")


def average_speed_of_answer_seconds(total_wait_seconds: float, answered: int) -> float | None:
    """ASA: queue wait summed over answered contacts / answered."""
    _check_count(answered, name="answered")
    return _ratio(_check_seconds(total_wait_seconds, name="total_wait_seconds"), answered)


def average_handle_time_seconds(total_handle_seconds: float, handled: int) -> float | None:
    """AHT: talk + hold + after-contact work summed over handled contacts / handled."""
    _check_count(handled, name="handled")
    return _ratio(_check_seconds(total_handle_seconds, name="total_handle_seconds"), handled)


def abandonment_rate(answered: int, abandoned: int) -> float | None:
    """Ab / (A + Ab)."""
    _check_count(answered, name="answered")
    _check_count(abandoned, name="abandoned")
    return _ratio(abandoned, answered + abandoned)


def abandonment_rate_excluding_short(
    answered: int, abandoned: int, short_abandons: int
) -> float | None:
    """(Ab - Ab_S) / (A + Ab - Ab_S): abandons within S seconds left out of both sides."""
    _check_count(answered, name="answered")
    _check_count(abandoned, name="abandoned")
    _check_count(short_abandons, name="short_abandons")
    if short_abandons > abandoned:
        raise ValidationFailed(
            f"short_abandons cannot exceed abandoned ({short_abandons} > {abandoned})",
            field="short_abandons",
        )
    return _ratio(abandoned - short_abandons, answered + abandoned - short_abandons)


def occupancy(handle_seconds: float, available_idle_seconds: float) -> float | None:
    """handle / (handle + available idle): not-ready time is left out."""
    handle = _check_seconds(handle_seconds, name="handle_seconds")
    idle = _check_seconds(available_idle_seconds, name="available_idle_seconds")
    return _ratio(handle, handle + idle)


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator == 0:
        return None
    return numerator / denominator


def _check_count(value: int, *, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} must be a whole number, got {value!r}", field=name)
    if value < 0:
        raise ValidationFailed(f"{name} must be at least 0, got {value}", field=name)


def _check_seconds(value: float, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{name} must be a number of seconds, got {value!r}", field=name)
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValidationFailed(f"{name} must be a finite number >= 0, got {value!r}", field=name)
    return seconds
