"""The audit log: read it, or export it (the export is itself audited)."""

from __future__ import annotations

import csv
import io
import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from switchdesk.domain.accounts.model import AuditAction
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import AuditEntryOut
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit")
async def list_audit(
    request: Request,
    limit: int = Query(default=100, ge=1, le=10_000),
    action: AuditAction | None = None,
    principal: Principal = require(Permission.AUDIT_READ),
) -> list[AuditEntryOut]:
    """Newest first."""
    entries = request.app.state.runtime.accounts.audit_entries(principal, limit, action)
    return [AuditEntryOut.of(e) for e in entries]


class CsvResponse(Response):
    media_type = "text/csv"


@router.get("/audit/export.csv", response_class=CsvResponse)
async def export_audit(
    request: Request, principal: Principal = require(Permission.DATA_EXPORT)
) -> Response:
    entries = request.app.state.runtime.accounts.export_audit(principal)
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
