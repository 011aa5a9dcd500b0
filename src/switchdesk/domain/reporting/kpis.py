"""Every KPI of a report row, computed from facts (see ``facts.py``), stdlib only.

Counting rules (docs/reports.md says the same):

- a queue leg counts in the interval in which it entered the queue (arrival interval);
- offered = legs that entered; answered A = legs an agent accepted; abandoned Ab = legs the
  contact left while waiting or ringing; flow-outs (overflow, callback, transfer while
  waiting) are neither; short abandons Ab_S are abandons within S seconds;
- handled = answered legs an agent completed or transferred on; AHT = (talk + hold +
  after-contact work) / handled, with each part shown;
- transfers = handled legs an agent passed on; escalations = conversations escalated,
  counted in the interval of the escalation;
- FCR: a handled interaction with a reason (wrap-up code) is a first contact unless the
  same contact came back on the same reason within the window before it; it is resolved
  when that contact does not come back on that reason within the window after it;
- CSAT = answers 4 or 5 / answers on the 1-5 scale; NPS = % 9-10 minus % 0-6; response
  rate = survey answers / handled conversations; answers count in the interval of the
  handled leg they rate;
- occupancy = handle / (handle + available idle), utilisation = (handle + available idle)
  / logged-in time, from presence spans and handle time split over intervals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from switchdesk.domain.reporting.facts import Facts, QueueLeg
from switchdesk.domain.reporting.intervals import Interval, interval_start, split_span
from switchdesk.domain.reporting.service_level import (
    DEFAULT_SERVICE_LEVEL_FORMULA,
    DEFAULT_SHORT_ABANDON_SECONDS,
    ServiceLevelCounts,
    ServiceLevelFormula,
    abandonment_rate,
    abandonment_rate_excluding_short,
    service_level,
)

__all__ = ["GroupBy", "KpiRow", "QueueSetting", "ReportSettings", "compute_rows"]

DEFAULT_FCR_WINDOW_SECONDS = 7 * 24 * 3600.0
DEFAULT_THRESHOLD_SECONDS = 20.0


class GroupBy(StrEnum):
    NONE = "none"
    QUEUE = "queue"
    CHANNEL = "channel"
    CLIENT_ACCOUNT = "client_account"
    TEAM = "team"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class QueueSetting:
    threshold_seconds: float = DEFAULT_THRESHOLD_SECONDS
    formula: ServiceLevelFormula = DEFAULT_SERVICE_LEVEL_FORMULA


@dataclass(frozen=True, slots=True)
class ReportSettings:
    queues: Mapping[str, QueueSetting] = field(default_factory=dict)
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS
    fcr_window_seconds: float = DEFAULT_FCR_WINDOW_SECONDS
    formula: ServiceLevelFormula = DEFAULT_SERVICE_LEVEL_FORMULA
    """The headline formula of rows that mix queues (a queue row uses its own)."""

    def queue(self, queue_id: str) -> QueueSetting:
        return self.queues.get(queue_id) or QueueSetting(formula=self.formula)


@dataclass
class KpiRow:
    interval_start: float
    group: str | None
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    answered_within_threshold: int = 0
    abandoned_within_threshold: int = 0
    flowed_out: int = 0
    handled: int = 0
    wait_answered_seconds: float = 0.0
    longest_wait_seconds: float | None = None
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    after_contact_work_seconds: float = 0.0
    transfers: int = 0
    escalations: int = 0
    fcr_first_contacts: int = 0
    fcr_resolved: int = 0
    csat_answers: int = 0
    csat_top_two: int = 0
    nps_answers: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    survey_answers: int = 0
    handle_in_interval_seconds: float = 0.0
    available_seconds: float = 0.0
    logged_in_seconds: float = 0.0
    queues: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)

    @property
    def handled_conversations(self) -> int:
        return len(self.conversations)

    # -- figures ----------------------------------------------------------------------

    def counts(self) -> ServiceLevelCounts:
        return ServiceLevelCounts(
            answered=self.answered,
            abandoned=self.abandoned,
            answered_within_threshold=self.answered_within_threshold,
            abandoned_within_threshold=self.abandoned_within_threshold,
            short_abandons=self.short_abandons,
        )

    def figures(self, settings: ReportSettings) -> dict[str, Any]:
        counts = self.counts()
        if len(self.queues) == 1:
            setting = settings.queue(next(iter(self.queues)))
            formula, threshold = setting.formula, setting.threshold_seconds
        else:
            formula, threshold = settings.formula, None
        handle = self.talk_seconds + self.hold_seconds + self.after_contact_work_seconds
        idle = max(0.0, self.available_seconds - self.handle_in_interval_seconds)
        busy = self.handle_in_interval_seconds
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandons": self.short_abandons,
            "abandoned_excluding_short": self.abandoned - self.short_abandons,
            "answered_within_threshold": self.answered_within_threshold,
            "abandoned_within_threshold": self.abandoned_within_threshold,
            "flowed_out": self.flowed_out,
            "handled": self.handled,
            "service_level": service_level(counts, formula),
            "service_level_formula": formula.value,
            "service_level_label": (
                formula.label(threshold, settings.short_abandon_seconds)
                if threshold is not None
                else f"{formula.value} (T per queue, S = {settings.short_abandon_seconds:g} s): "
                f"{formula.expression}"
            ),
            "service_levels": {f.value: service_level(counts, f) for f in ServiceLevelFormula},
            "asa_seconds": _ratio(self.wait_answered_seconds, self.answered),
            "aht_seconds": _ratio(handle, self.handled),
            "talk_seconds": _ratio(self.talk_seconds, self.handled),
            "hold_seconds": _ratio(self.hold_seconds, self.handled),
            "after_contact_work_seconds": _ratio(self.after_contact_work_seconds, self.handled),
            "abandonment_rate": abandonment_rate(self.answered, self.abandoned),
            "abandonment_rate_excluding_short": abandonment_rate_excluding_short(
                self.answered, self.abandoned, self.short_abandons
            ),
            "longest_wait_seconds": self.longest_wait_seconds,
            "transfers": self.transfers,
            "transfer_rate": _ratio(self.transfers, self.handled),
            "escalations": self.escalations,
            "fcr_first_contacts": self.fcr_first_contacts,
            "fcr_resolved": self.fcr_resolved,
            "fcr": _ratio(self.fcr_resolved, self.fcr_first_contacts),
            "csat_answers": self.csat_answers,
            "csat": _ratio(self.csat_top_two, self.csat_answers),
            "nps_answers": self.nps_answers,
            "nps": (
                None
                if not self.nps_answers
                else 100.0 * (self.nps_promoters - self.nps_detractors) / self.nps_answers
            ),
            "survey_response_rate": _ratio(self.survey_answers, self.handled_conversations),
            "occupancy": _ratio(busy, busy + idle),
            "utilisation": _ratio(busy + idle, self.logged_in_seconds),
        }


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


_KEYS: dict[GroupBy, Callable[[QueueLeg], str | None]] = {
    GroupBy.NONE: lambda leg: None,
    GroupBy.QUEUE: lambda leg: leg.queue_id,
    GroupBy.CHANNEL: lambda leg: leg.channel_kind,
    GroupBy.CLIENT_ACCOUNT: lambda leg: leg.client_account_id,
    GroupBy.TEAM: lambda leg: leg.team_id,
    GroupBy.AGENT: lambda leg: leg.agent_id,
}


def compute_rows(
    facts: Facts,
    settings: ReportSettings,
    *,
    interval: Interval | None,
    tz: ZoneInfo,
    group_by: GroupBy = GroupBy.NONE,
    start: float | None = None,
    end: float | None = None,
    keep: Callable[[QueueLeg], bool] | None = None,
    keep_agent: Callable[[str, str | None], bool] | None = None,
) -> list[KpiRow]:
    """Rows ordered by interval start then group. Legs that entered in [start, end) count;
    ``keep`` narrows them further (a client account, a team, one agent); ``keep_agent``
    (agent id, team id) narrows the agents whose time counts for occupancy. Without an
    ``interval``, one row per group covers the whole range (its start is ``start``)."""
    rows: dict[tuple[float, str | None], KpiRow] = {}
    key_of = _KEYS[group_by]
    short = settings.short_abandon_seconds

    def inside(at: float) -> bool:
        return (start is None or at >= start) and (end is None or at < end)

    whole = start if start is not None else 0.0

    def row(at: float, group: str | None) -> KpiRow:
        bucket = interval_start(at, interval, tz) if interval is not None else whole
        found = rows.get((bucket, group))
        if found is None:
            found = rows[(bucket, group)] = KpiRow(bucket, group)
        return found

    legs = [leg for leg in facts.legs if inside(leg.entered_at) and (keep is None or keep(leg))]
    all_legs = [leg for leg in facts.legs if keep is None or keep(leg)]
    for leg in legs:
        r = row(leg.entered_at, key_of(leg))
        r.queues.add(leg.queue_id)
        r.offered += 1
        threshold = settings.queue(leg.queue_id).threshold_seconds
        wait = leg.wait_seconds
        if (
            wait is not None
            and leg.outcome != "cancelled"
            and (r.longest_wait_seconds is None or wait > r.longest_wait_seconds)
        ):
            r.longest_wait_seconds = wait
        if leg.answered:
            assert wait is not None
            r.answered += 1
            r.wait_answered_seconds += wait
            if wait <= threshold:
                r.answered_within_threshold += 1
        elif leg.outcome == "abandoned":
            assert wait is not None
            r.abandoned += 1
            if wait <= threshold:
                r.abandoned_within_threshold += 1
            if wait <= short:
                r.short_abandons += 1
        elif leg.outcome == "flowed_out":
            r.flowed_out += 1
        if leg.handled:
            r.handled += 1
            r.talk_seconds += leg.talk_seconds
            r.hold_seconds += leg.hold_seconds
            r.after_contact_work_seconds += leg.after_contact_work_seconds
            if leg.outcome == "transferred":
                r.transfers += 1

    _escalations(facts, legs, all_legs, row, key_of, inside)
    _first_contact_resolution(facts, legs, all_legs, row, key_of, settings)
    _surveys(facts, legs, all_legs, row, key_of)
    if group_by in (GroupBy.NONE, GroupBy.AGENT, GroupBy.TEAM):
        _agent_time(
            facts, all_legs, rows, group_by, _Buckets(interval, tz, whole), start, end, keep_agent
        )
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] or ""))]


@dataclass(frozen=True, slots=True)
class _Buckets:
    interval: Interval | None
    tz: ZoneInfo
    whole: float

    def split(self, start: float, end: float) -> list[tuple[float, float]]:
        if self.interval is None:
            return [(self.whole, end - start)]
        return list(split_span(start, end, self.interval, self.tz))


def _legs_by_conversation(legs: list[QueueLeg]) -> dict[str, list[QueueLeg]]:
    found: dict[str, list[QueueLeg]] = defaultdict(list)
    for leg in legs:
        if leg.conversation_id and leg.handled:
            found[leg.conversation_id].append(leg)
    return found


def _handled_before(legs: list[QueueLeg], at: float) -> QueueLeg | None:
    """The last handled leg answered at or before ``at``."""
    best = None
    for leg in legs:
        if (
            leg.answered_at is not None
            and leg.answered_at <= at
            and (best is None or leg.answered_at >= (best.answered_at or 0.0))
        ):
            best = leg
    return best


Row = Callable[[float, "str | None"], KpiRow]


def _escalations(
    facts: Facts,
    legs: list[QueueLeg],
    all_legs: list[QueueLeg],
    row: Row,
    key_of: Callable[[QueueLeg], str | None],
    inside: Callable[[float], bool],
) -> None:
    by_conv = _legs_by_conversation(all_legs)
    counted = {id(leg) for leg in legs}
    for escalation in facts.escalations:
        leg = _handled_before(by_conv.get(escalation.conversation_id, []), escalation.at)
        if leg is not None and id(leg) in counted and inside(escalation.at):
            row(escalation.at, key_of(leg)).escalations += 1


def _reasons_of(facts: Facts, all_legs: list[QueueLeg]) -> list[tuple[QueueLeg, str]]:
    """Each handled interaction (its last handled leg) with the reason recorded for it."""
    by_conv = _legs_by_conversation(all_legs)
    found: dict[tuple[str, str], tuple[QueueLeg, str]] = {}
    for reason in facts.reasons:
        leg = _handled_before(by_conv.get(reason.conversation_id, []), reason.at)
        if leg is not None:
            found[(leg.interaction_id, leg.conversation_id or "")] = (leg, reason.reason)
    return list(found.values())


def _first_contact_resolution(
    facts: Facts,
    legs: list[QueueLeg],
    all_legs: list[QueueLeg],
    row: Row,
    key_of: Callable[[QueueLeg], str | None],
    settings: ReportSettings,
) -> None:
    window = settings.fcr_window_seconds
    contacts: dict[tuple[str, str], list[float]] = defaultdict(list)
    reasoned = _reasons_of(facts, all_legs)
    arrival: dict[str, float] = {}
    for leg in all_legs:  # an interaction arrives when its first leg enters
        arrival[leg.interaction_id] = min(
            arrival.get(leg.interaction_id, leg.entered_at), leg.entered_at
        )
    for leg, reason in reasoned:
        if leg.contact_id:
            contacts[(leg.contact_id, reason)].append(arrival[leg.interaction_id])
    for times in contacts.values():
        times.sort()
    counted = {id(leg) for leg in legs}
    for leg, reason in reasoned:
        if id(leg) not in counted or not leg.contact_id:
            continue
        times = contacts[(leg.contact_id, reason)]
        at = arrival[leg.interaction_id]
        before = bisect_left(times, at) - bisect_left(times, at - window)
        if before:
            continue  # a repeat of an earlier contact, not a first contact
        r = row(leg.entered_at, key_of(leg))
        r.fcr_first_contacts += 1
        after = bisect_right(times, at + window) - bisect_right(times, at)
        if not after:
            r.fcr_resolved += 1


def _surveys(
    facts: Facts,
    legs: list[QueueLeg],
    all_legs: list[QueueLeg],
    row: Row,
    key_of: Callable[[QueueLeg], str | None],
) -> None:
    by_conv = _legs_by_conversation(all_legs)
    counted = {id(leg) for leg in legs}
    for leg in legs:
        if leg.handled and leg.conversation_id:
            row(leg.entered_at, key_of(leg)).conversations.add(leg.conversation_id)
    for answer in facts.surveys:
        rated = _handled_before(by_conv.get(answer.conversation_id, []), answer.at)
        if rated is None or id(rated) not in counted:
            continue
        r = row(rated.entered_at, key_of(rated))
        r.survey_answers += 1
        if answer.csat_score is not None:
            r.csat_answers += 1
            if answer.csat_score >= 4:
                r.csat_top_two += 1
        if answer.nps_score is not None:
            r.nps_answers += 1
            if answer.nps_score >= 9:
                r.nps_promoters += 1
            elif answer.nps_score <= 6:
                r.nps_detractors += 1


def _agent_time(
    facts: Facts,
    all_legs: list[QueueLeg],
    rows: dict[tuple[float, str | None], KpiRow],
    group_by: GroupBy,
    buckets: _Buckets,
    start: float | None,
    end: float | None,
    keep_agent: Callable[[str, str | None], bool] | None,
) -> None:
    def clip(a: float, b: float | None) -> tuple[float, float] | None:
        lo = a if start is None else max(a, start)
        hi = b if b is not None else facts.as_of
        if hi is None:
            return None
        if end is not None:
            hi = min(hi, end)
        return (lo, hi) if hi > lo else None

    def group(agent_id: str | None, team_id: str | None) -> str | None:
        if group_by is GroupBy.AGENT:
            return agent_id
        if group_by is GroupBy.TEAM:
            return team_id
        return None

    def add(bucket: float, key: str | None, name: str, seconds: float) -> None:
        found = rows.get((bucket, key))
        if found is None:
            found = rows[(bucket, key)] = KpiRow(bucket, key)
        setattr(found, name, getattr(found, name) + seconds)

    for leg in all_legs:
        if leg.answered_at is None or leg.ended_at is None or not leg.handled:
            continue
        span = clip(leg.answered_at, leg.ended_at + leg.after_contact_work_seconds)
        if span is None:
            continue
        for bucket, seconds in buckets.split(*span):
            add(bucket, group(leg.agent_id, leg.team_id), "handle_in_interval_seconds", seconds)
    for presence in facts.presence:
        if keep_agent is not None and not keep_agent(presence.agent_id, presence.team_id):
            continue
        if presence.presence == "offline":
            continue
        span = clip(presence.start, presence.end)
        if span is None:
            continue
        key = group(presence.agent_id, presence.team_id)
        for bucket, seconds in buckets.split(*span):
            add(bucket, key, "logged_in_seconds", seconds)
            if presence.presence == "available":
                add(bucket, key, "available_seconds", seconds)
