"""Report intervals in the center's time zone (15, 30, 60 minutes, day, week, month).

An interval starts at a local wall-clock boundary, so a day is 23 or 25 hours long on the
days the clocks change, and the repeated hour of the autumn change is two intervals (told
apart by their UTC offset). Times are float seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from switchdesk.domain.errors import ValidationFailed

__all__ = ["Interval", "interval_start", "parse_time_zone", "split_span"]


class Interval(StrEnum):
    MINUTES_15 = "15m"
    MINUTES_30 = "30m"
    MINUTES_60 = "60m"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_MINUTES = {Interval.MINUTES_15: 15, Interval.MINUTES_30: 30, Interval.MINUTES_60: 60}


def parse_time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise ValidationFailed(f"unknown time zone {name!r}", field="tz") from None


def interval_start(at: float, interval: Interval, tz: ZoneInfo) -> float:
    """The start (epoch seconds) of the interval holding ``at``."""
    local = datetime.fromtimestamp(at, tz)
    minutes = _MINUTES.get(interval)
    if minutes is not None:
        # Whole local minutes; the UTC offset (fold) of ``local`` is kept, so the repeated
        # hour of an autumn change stays two intervals.
        floor = local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)
        return floor.timestamp()
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    if interval is Interval.WEEK:
        day = (day - timedelta(days=day.weekday())).replace(tzinfo=None).replace(tzinfo=tz)
    elif interval is Interval.MONTH:
        day = day.replace(day=1)
    return day.replace(tzinfo=None).replace(tzinfo=tz).timestamp()


def interval_end(start: float, interval: Interval, tz: ZoneInfo) -> float:
    """The start of the interval after the one starting at ``start``."""
    minutes = _MINUTES.get(interval)
    if minutes is not None:
        return interval_start(start + minutes * 60, interval, tz)
    local = datetime.fromtimestamp(start, tz).replace(tzinfo=None)
    if interval is Interval.DAY:
        following = local + timedelta(days=1)
    elif interval is Interval.WEEK:
        following = local + timedelta(days=7)
    else:
        following = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following.replace(tzinfo=tz).timestamp()


def label(start: float, tz: ZoneInfo) -> str:
    """ISO 8601 local time with its UTC offset, e.g. ``2026-03-29T01:00:00+01:00``."""
    return datetime.fromtimestamp(start, tz).isoformat()


def utc_label(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def split_span(
    start: float, end: float, interval: Interval, tz: ZoneInfo
) -> Iterator[tuple[float, float]]:
    """(interval start, seconds of [start, end) inside it) for each interval it touches."""
    at = start
    while at < end:
        bucket = interval_start(at, interval, tz)
        stop = min(end, interval_end(bucket, interval, tz))
        yield bucket, stop - at
        at = stop
