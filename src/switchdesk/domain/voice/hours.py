"""Business hours of a queue: weekly opening times in the queue's time zone, and
holidays (whole local days closed). DST is the time zone's business: opening times are
local wall-clock times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchdesk.domain.errors import ValidationFailed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    time_zone: str
    weekly: Mapping[int, tuple[tuple[time, time], ...]]
    """Weekday (0 = Monday) -> opening spans [start, end) in local time."""
    holidays: frozenset[date] = frozenset()

    def is_open(self, at: datetime) -> bool:
        """Whether the queue is open at the aware instant ``at``."""
        local = at.astimezone(ZoneInfo(self.time_zone))
        if local.date() in self.holidays:
            return False
        now = local.time().replace(tzinfo=None)
        return any(start <= now < end for start, end in self.weekly.get(local.weekday(), ()))


def _span(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    first, last = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if not first < last:
        raise ValueError(text)
    return first, last


def parse_hours(data: object) -> BusinessHours:
    """``{"time_zone": "Europe/Paris", "weekly": {"mon": ["09:00-17:00"], ...},
    "holidays": ["2026-12-25"]}``; raises ValidationFailed (``hours_invalid``)."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("business hours are a mapping", code="hours_invalid")
    zone = data.get("time_zone")
    try:
        if not isinstance(zone, str) or not zone:
            raise ZoneInfoNotFoundError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"unknown time zone {zone!r}", code="hours_invalid") from exc
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    raw = data.get("weekly", {})
    if not isinstance(raw, Mapping):
        raise ValidationFailed("weekly hours map weekdays to spans", code="hours_invalid")
    for day, spans in raw.items():
        if day not in WEEKDAYS or not isinstance(spans, Sequence) or isinstance(spans, str):
            raise ValidationFailed(f"bad weekday entry {day!r}", code="hours_invalid")
        try:
            weekly[WEEKDAYS.index(day)] = tuple(_span(str(s)) for s in spans)
        except ValueError as exc:
            raise ValidationFailed(
                f"bad opening span on {day}: use HH:MM-HH:MM", code="hours_invalid"
            ) from exc
    holidays = data.get("holidays", [])
    if not isinstance(holidays, Sequence) or isinstance(holidays, str):
        raise ValidationFailed("holidays are a list of dates", code="hours_invalid")
    try:
        days = frozenset(date.fromisoformat(str(d)) for d in holidays)
    except ValueError as exc:
        raise ValidationFailed("a holiday is a date YYYY-MM-DD", code="hours_invalid") from exc
    return BusinessHours(zone, weekly, days)
