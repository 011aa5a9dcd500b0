"""Reports and the raw event export, scoped by client account and role.

Who sees what:

- roles with ``reports.read`` see the figures of the client accounts they may see; a team
  leader only those of their own team's agents;
- an agent (``conversations.handle`` without ``reports.read``) sees only their own;
- the raw export needs ``data.export`` and is limited to the caller's client accounts.

Every report is computed from the raw log (``RawEventSource``) through
``switchdesk.domain.reporting``; nothing is precomputed, so any variant can be recomputed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from switchdesk.domain.accounts.permissions import Permission, Role
from switchdesk.domain.errors import NotFound, PermissionDenied, ValidationFailed
from switchdesk.domain.reporting.facts import QueueLeg, RawEvent, derive_facts
from switchdesk.domain.reporting.intervals import Interval, label, parse_time_zone
from switchdesk.domain.reporting.kpis import (
    DEFAULT_FCR_WINDOW_SECONDS,
    GroupBy,
    KpiRow,
    QueueSetting,
    ReportSettings,
    compute_rows,
)
from switchdesk.domain.reporting.service_level import (
    DEFAULT_SHORT_ABANDON_SECONDS,
    ServiceLevelFormula,
)
from switchdesk.usecases.principal import Principal

MAX_RANGE_SECONDS = 400 * 24 * 3600.0
"""The longest range one report covers (a year and a bit)."""


class RawEventSource(Protocol):
    def queue_settings(self) -> Mapping[str, QueueSetting]: ...

    def events(
        self,
        start: float,
        end: float,
        client_account_ids: Collection[str] | None = None,
        *,
        only_client_account: str | None = None,
    ) -> Iterator[RawEvent]: ...


class ReportKind(StrEnum):
    INTERVALS = "intervals"
    AGENTS = "agents"
    QUEUES = "queues"
    TREND = "trend"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    start: datetime
    end: datetime
    interval: Interval | None = Interval.MINUTES_60
    group_by: GroupBy = GroupBy.NONE
    client_account_id: str | None = None
    time_zone: str | None = None
    formula: ServiceLevelFormula | None = None
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS
    fcr_window_days: float = DEFAULT_FCR_WINDOW_SECONDS / 86400


@dataclass(frozen=True, slots=True)
class _Scope:
    client_account_ids: frozenset[str] | None  # None: every account
    only_client_account: str | None
    team_id: str | None
    agent_id: str | None

    def keep(self, leg: QueueLeg) -> bool:
        if self.agent_id is not None and leg.agent_id != self.agent_id:
            return False
        if self.team_id is not None and leg.team_id != self.team_id:
            return False
        if self.only_client_account is not None:
            return leg.client_account_id == self.only_client_account
        return (
            self.client_account_ids is None
            or leg.client_account_id is None
            or leg.client_account_id in self.client_account_ids
        )

    def keep_agent(self, agent_id: str, team_id: str | None) -> bool:
        if self.agent_id is not None:
            return agent_id == self.agent_id
        return self.team_id is None or team_id == self.team_id


def _client_scope(
    principal: Principal, client_account_id: str | None
) -> tuple[frozenset[str] | None, str | None]:
    user = principal.user
    if client_account_id is not None and not principal.sees_client_account(client_account_id):
        raise NotFound(f"client account {client_account_id!r} not found")
    if user is None or user.sees_every_client_account():
        return None, client_account_id
    return frozenset(user.client_account_ids), client_account_id


class Reports:
    def __init__(self, source: RawEventSource, time_zone: str = "UTC") -> None:
        self._source = source
        self._tz = time_zone
        parse_time_zone(time_zone)

    def _scope(self, principal: Principal, client_account_id: str | None) -> _Scope:
        accounts, only = _client_scope(principal, client_account_id)
        user = principal.user
        if principal.can(Permission.REPORTS_READ):
            team = user.team_id if user is not None and user.role is Role.TEAM_LEADER else None
            if user is not None and user.role is Role.TEAM_LEADER and team is None:
                team = "\x00no team"  # a leader of no team sees no agent's figures
            return _Scope(accounts, only, team, None)
        if user is not None and principal.can(Permission.CONVERSATIONS_HANDLE):
            return _Scope(accounts, only, None, user.id)
        raise PermissionDenied(
            "this needs the permission 'reports.read'", permission=Permission.REPORTS_READ.value
        )

    def report(self, principal: Principal, kind: ReportKind, query: ReportQuery) -> dict[str, Any]:
        scope = self._scope(principal, query.client_account_id)
        start, end = _range(query)
        tz_name = query.time_zone or self._tz
        tz = parse_time_zone(tz_name)
        if query.short_abandon_seconds < 0 or not 0 < query.fcr_window_days <= 366:
            raise ValidationFailed(
                "short_abandon_seconds must be >= 0 and fcr_window_days in (0, 366]"
            )
        interval: Interval | None = query.interval
        group_by = query.group_by
        if kind is ReportKind.AGENTS:
            interval, group_by = None, GroupBy.AGENT
        elif kind is ReportKind.QUEUES:
            interval, group_by = None, GroupBy.QUEUE
        elif kind is ReportKind.TREND and interval is None:
            interval = Interval.DAY
        queues = dict(self._source.queue_settings())
        settings = ReportSettings(
            queues=queues,
            short_abandon_seconds=query.short_abandon_seconds,
            fcr_window_seconds=query.fcr_window_days * 86400,
        )
        if query.formula is not None:
            settings = replace(
                settings,
                formula=query.formula,
                queues={k: replace(v, formula=query.formula) for k, v in queues.items()},
            )
        margin = settings.fcr_window_seconds
        events = self._source.events(
            start - margin,
            end + margin,
            scope.client_account_ids,
            only_client_account=scope.only_client_account,
        )
        facts = derive_facts(events)
        rows = compute_rows(
            facts,
            settings,
            interval=interval,
            tz=tz,
            group_by=group_by,
            start=start,
            end=end,
            keep=scope.keep,
            keep_agent=scope.keep_agent,
        )
        return {
            "report": kind.value,
            "start": query.start.isoformat(),
            "end": query.end.isoformat(),
            "interval": interval.value if interval is not None else None,
            "group_by": group_by.value,
            "time_zone": tz_name,
            "client_account_id": query.client_account_id,
            "short_abandon_seconds": settings.short_abandon_seconds,
            "fcr_window_days": query.fcr_window_days,
            "rows": [_row(r, settings, tz, kind) for r in rows],
        }

    def export(
        self,
        principal: Principal,
        start: datetime,
        end: datetime,
        client_account_id: str | None = None,
    ) -> Iterator[RawEvent]:
        """The raw rows (checked now; streamed as the caller reads)."""
        principal.require(Permission.DATA_EXPORT)
        accounts, only = _client_scope(principal, client_account_id)
        lo, hi = _range(ReportQuery(start, end))
        return self._source.events(lo, hi, accounts, only_client_account=only)


_TREND_FIELDS = (
    "handled",
    "fcr_first_contacts",
    "fcr_resolved",
    "fcr",
    "csat_answers",
    "csat",
    "nps_answers",
    "nps",
    "survey_response_rate",
)


def _row(row: KpiRow, settings: ReportSettings, tz: Any, kind: ReportKind) -> dict[str, Any]:
    figures = row.figures(settings)
    if kind is ReportKind.TREND:
        figures = {k: figures[k] for k in _TREND_FIELDS}
    return {"interval_start": label(row.interval_start, tz), "group": row.group, **figures}


def _range(query: ReportQuery) -> tuple[float, float]:
    if query.start.tzinfo is None or query.end.tzinfo is None:
        raise ValidationFailed("start and end need a UTC offset (e.g. 2026-06-10T00:00:00Z)")
    start, end = query.start.timestamp(), query.end.timestamp()
    if not start < end:
        raise ValidationFailed("start must be before end", field="start")
    if end - start > MAX_RANGE_SECONDS:
        raise ValidationFailed("a report covers at most 400 days", field="end")
    return start, end
