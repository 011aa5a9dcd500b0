"""Reports as JSON (interval, agent, queue, CSAT/FCR trend) and the raw event export.

Every report takes the same filters: ``start``/``end`` (ISO 8601 with an offset),
``interval``, ``group_by``, ``client_account_id``, ``tz`` (the center's time zone when
left out), ``formula`` (a service-level formula for every queue instead of each queue's
own), ``short_abandon_seconds`` and ``fcr_window_days``. The export streams CSV or JSON
Lines with one row per raw event, from which any KPI variant can be recomputed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.reporting.facts import RawEvent
from switchdesk.domain.reporting.intervals import Interval
from switchdesk.domain.reporting.kpis import GroupBy
from switchdesk.domain.reporting.service_level import ServiceLevelFormula
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.reports import ReportKind, ReportQuery, Reports
from switchdesk.web.security import require, require_any

router = APIRouter(prefix="/api/v1", tags=["reports"])

_READ = require_any(Permission.REPORTS_READ, Permission.CONVERSATIONS_HANDLE)


class KpiRowOut(BaseModel):
    """One interval (and group) of a report. Ratios are 0..1 (NPS -100..100); a ratio with
    nothing to count is null. Counts follow the notation of docs/reports.md."""

    interval_start: str
    group: str | None
    offered: int | None = None
    answered: int | None = None
    abandoned: int | None = None
    short_abandons: int | None = None
    abandoned_excluding_short: int | None = None
    answered_within_threshold: int | None = None
    abandoned_within_threshold: int | None = None
    flowed_out: int | None = None
    handled: int | None = None
    service_level: float | None = None
    service_level_formula: str | None = None
    service_level_label: str | None = None
    service_levels: dict[str, float | None] | None = None
    asa_seconds: float | None = None
    aht_seconds: float | None = None
    talk_seconds: float | None = None
    hold_seconds: float | None = None
    after_contact_work_seconds: float | None = None
    abandonment_rate: float | None = None
    abandonment_rate_excluding_short: float | None = None
    longest_wait_seconds: float | None = None
    transfers: int | None = None
    transfer_rate: float | None = None
    escalations: int | None = None
    fcr_first_contacts: int | None = None
    fcr_resolved: int | None = None
    fcr: float | None = None
    csat_answers: int | None = None
    csat: float | None = None
    nps_answers: int | None = None
    nps: float | None = None
    survey_response_rate: float | None = None
    occupancy: float | None = None
    utilisation: float | None = None


class ReportOut(BaseModel):
    report: str
    start: str
    end: str
    interval: str | None
    group_by: str
    time_zone: str
    client_account_id: str | None
    short_abandon_seconds: float
    fcr_window_days: float
    rows: list[KpiRowOut]


def _query(
    start: datetime,
    end: datetime,
    interval: Interval = Interval.MINUTES_60,
    group_by: GroupBy = GroupBy.NONE,
    client_account_id: Annotated[str | None, Query(max_length=64)] = None,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    formula: ServiceLevelFormula | None = None,
    short_abandon_seconds: Annotated[float, Query(ge=0, le=3600)] = 5.0,
    fcr_window_days: Annotated[float, Query(gt=0, le=366)] = 7.0,
) -> ReportQuery:
    return ReportQuery(
        start=start,
        end=end,
        interval=interval,
        group_by=group_by,
        client_account_id=client_account_id,
        time_zone=tz,
        formula=formula,
        short_abandon_seconds=short_abandon_seconds,
        fcr_window_days=fcr_window_days,
    )


def _reports(request: Request) -> Reports:
    reports: Reports = request.app.state.runtime.reports
    return reports


def _answer(request: Request, principal: Principal, kind: ReportKind, q: ReportQuery) -> Any:
    return _reports(request).report(principal, kind, q)


@router.get("/reports/intervals", response_model=ReportOut)
def interval_report(
    request: Request,
    q: ReportQuery = Depends(_query),
    principal: Principal = _READ,
) -> Any:
    """Every KPI per interval (15m, 30m, 60m, day, week, month), optionally by group."""
    return _answer(request, principal, ReportKind.INTERVALS, q)


@router.get("/reports/agents", response_model=ReportOut)
def agent_performance(
    request: Request,
    q: ReportQuery = Depends(_query),
    principal: Principal = _READ,
) -> Any:
    """One row per agent over the whole range."""
    return _answer(request, principal, ReportKind.AGENTS, q)


@router.get("/reports/queues", response_model=ReportOut)
def queue_performance(
    request: Request,
    q: ReportQuery = Depends(_query),
    principal: Principal = _READ,
) -> Any:
    """One row per queue over the whole range, labelled with the queue's SL formula."""
    return _answer(request, principal, ReportKind.QUEUES, q)


@router.get("/reports/trend", response_model=ReportOut)
def csat_fcr_trend(
    request: Request,
    q: ReportQuery = Depends(_query),
    principal: Principal = _READ,
) -> Any:
    """CSAT, NPS, FCR and survey response rate per interval."""
    return _answer(request, principal, ReportKind.TREND, q)


EXPORT_COLUMNS = (
    "source",
    "seq",
    "at",
    "at_epoch",
    "type",
    "interaction_id",
    "conversation_id",
    "contact_id",
    "client_account_id",
    "channel_kind",
    "queue_id",
    "agent_id",
    "team_id",
    "site_id",
    "payload",
)


def _record(e: RawEvent) -> dict[str, Any]:
    return {
        "source": e.source,
        "seq": e.seq,
        "at": datetime.fromtimestamp(e.at, UTC).isoformat(),
        "at_epoch": e.at,
        "type": e.type,
        "interaction_id": e.interaction_id,
        "conversation_id": e.conversation_id,
        "contact_id": e.contact_id,
        "client_account_id": e.client_account_id,
        "channel_kind": e.channel_kind,
        "queue_id": e.queue_id,
        "agent_id": e.agent_id,
        "team_id": e.team_id,
        "site_id": e.site_id,
        "payload": dict(e.payload),
    }


def _csv_lines(rows: Iterator[RawEvent]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for e in rows:
        record = _record(e)
        record["payload"] = json.dumps(record["payload"], sort_keys=True)
        record["at_epoch"] = repr(e.at)
        writer.writerow(["" if record[k] is None else record[k] for k in EXPORT_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _json_lines(rows: Iterator[RawEvent]) -> Iterator[str]:
    for e in rows:
        yield json.dumps(_record(e), sort_keys=True) + "\n"


def _export(
    request: Request,
    principal: Principal,
    start: datetime,
    end: datetime,
    client_account_id: str | None,
) -> Iterator[RawEvent]:
    return _reports(request).export(principal, start, end, client_account_id)


@router.get(
    "/reports/events.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_events_csv(
    request: Request,
    start: datetime,
    end: datetime,
    client_account_id: Annotated[str | None, Query(max_length=64)] = None,
    principal: Principal = require(Permission.DATA_EXPORT),
) -> StreamingResponse:
    """Raw routing and conversation events, one CSV row each (``payload`` as JSON)."""
    rows = _export(request, principal, start, end, client_account_id)
    return StreamingResponse(
        _csv_lines(rows),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="events.csv"'},
    )


@router.get(
    "/reports/events.jsonl",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/jsonl": {}}}},
)
def export_events_jsonl(
    request: Request,
    start: datetime,
    end: datetime,
    client_account_id: Annotated[str | None, Query(max_length=64)] = None,
    principal: Principal = require(Permission.DATA_EXPORT),
) -> StreamingResponse:
    """Raw routing and conversation events, one JSON object per line."""
    rows = _export(request, principal, start, end, client_account_id)
    return StreamingResponse(
        _json_lines(rows),
        media_type="application/jsonl",
        headers={"content-disposition": 'attachment; filename="events.jsonl"'},
    )
