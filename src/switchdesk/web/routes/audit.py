"""The audit log: read it, or export it (the export is itself audited)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from switchdesk.domain.accounts.model import AuditAction, AuditFilter
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import AuditEntryOut
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1", tags=["audit"])


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def audit_filter(
    action: AuditAction | None = None,
    actor: Annotated[str | None, Query(max_length=200, description="e.g. user:ana")] = None,
    since: Annotated[datetime | None, Query(description="inclusive; UTC if no zone")] = None,
    until: Annotated[datetime | None, Query(description="exclusive; UTC if no zone")] = None,
    client_account_id: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditFilter:
    """The audit filter of the query string (shared by the list, the export and the page)."""
    return AuditFilter(
        action=action,
        actor=actor or None,
        since=_utc(since),
        until=_utc(until),
        client_account_id=client_account_id or None,
    )


@router.get("/audit")
async def list_audit(
    request: Request,
    limit: int = Query(default=100, ge=1, le=10_000),
    where: AuditFilter = Depends(audit_filter),
    principal: Principal = require(Permission.AUDIT_READ),
) -> list[AuditEntryOut]:
    """Newest first, narrowed by the filters given."""
    entries = request.app.state.runtime.accounts.audit_entries(principal, limit, where=where)
    return [AuditEntryOut.of(e) for e in entries]


class CsvResponse(Response):
    media_type = "text/csv"


@router.get("/audit/export.csv", response_class=CsvResponse)
async def export_audit(
    request: Request,
    limit: int = Query(default=10_000, ge=1, le=10_000),
    where: AuditFilter = Depends(audit_filter),
    principal: Principal = require(Permission.DATA_EXPORT),
) -> Response:
    """Exactly the rows ``GET /audit`` lists with the same filters and limit, newest first."""
    entries = request.app.state.runtime.accounts.export_audit(principal, limit, where=where)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "action", "actor", "target", "detail", "source"])
    for e in entries:
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.action.value,
                e.actor,
                e.target,
                json.dumps(e.detail, sort_keys=True),
                e.source,
            ]
        )
    return CsvResponse(
        out.getvalue(),
        headers={"content-disposition": 'attachment; filename="audit_log.csv"'},
    )
