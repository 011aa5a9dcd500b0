"""The audit log page: filter by action, actor, time range and client account, and export
exactly the rows shown (through ``GET /api/v1/audit/export.csv`` with the same query)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchdesk.domain.accounts.model import AuditAction, AuditFilter
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import SwitchdeskError
from switchdesk.usecases.principal import Principal
from switchdesk.web.routes.page_forms import FormState
from switchdesk.web.security import require
from switchdesk.web.templates import templates

router = APIRouter(tags=["audit pages"])

DEFAULT_LIMIT = 200
FIELDS = frozenset({"action", "actor", "since", "until", "client_account_id", "limit"})


def _time(form: FormState, name: str) -> datetime | None:
    """A ``datetime-local`` value (or any ISO time), read as UTC when it has no zone."""
    text = form.text(name).strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        form.errors[name] = "a time like 2026-12-03T09:30 (UTC)"
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _filter(form: FormState) -> tuple[AuditFilter, int]:
    action: AuditAction | None = None
    if form.text("action"):
        try:
            action = AuditAction(form.text("action"))
        except ValueError:
            form.errors["action"] = "choose an action from the list"
    limit = DEFAULT_LIMIT
    if form.text("limit"):
        try:
            limit = int(form.text("limit"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 10_000:
            form.errors["limit"] = "a number from 1 to 10000"
            limit = DEFAULT_LIMIT
    where = AuditFilter(
        action=action,
        actor=form.text("actor").strip() or None,
        since=_time(form, "since"),
        until=_time(form, "until"),
        client_account_id=form.text("client_account_id") or None,
    )
    return where, limit


def _export_query(where: AuditFilter, limit: int) -> str:
    """The export's query string: the same filters, as the API reads them."""
    pairs = {
        "action": where.action.value if where.action else "",
        "actor": where.actor or "",
        "since": where.since.isoformat() if where.since else "",
        "until": where.until.isoformat() if where.until else "",
        "client_account_id": where.client_account_id or "",
        "limit": str(limit),
    }
    return urlencode({k: v for k, v in pairs.items() if v})


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, principal: Principal = require(Permission.AUDIT_READ)) -> Response:
    accounts = request.app.state.runtime.accounts
    form = FormState({k: v for k, v in request.query_params.items() if k in FIELDS})
    form.values.setdefault("limit", str(DEFAULT_LIMIT))
    where, limit = _filter(form)
    entries = []
    if not form.errors:
        try:
            entries = accounts.audit_entries(principal, limit, where=where)
        except SwitchdeskError as exc:
            form.fail(exc, FIELDS)
    if form.errors:
        form.status = 422
    client_accounts = (
        accounts.list_client_accounts(principal) if principal.can(Permission.ORG_READ) else []
    )
    context = {
        "user": principal.user,
        "csrf_token": principal.csrf_token or "",
        "entries": entries,
        "form": form,
        "limit": limit,
        "action_options": [(a.value, a.value) for a in AuditAction],
        "client_options": [(a.id, a.name) for a in client_accounts],
        "can_export": principal.can(Permission.DATA_EXPORT),
        "export_href": f"/api/v1/audit/export.csv?{_export_query(where, limit)}",
    }
    return templates.TemplateResponse(request, "audit.html", context, status_code=form.status)
