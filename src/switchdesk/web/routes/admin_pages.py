"""Admin pages for the live center's configuration (the API does the work)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.routing import Strategy
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.security import require

router = APIRouter(tags=["admin pages"])


@router.get("/admin/center", response_class=HTMLResponse, include_in_schema=False)
def center_page(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> Response:
    runtime = request.app.state.runtime
    live = runtime.live
    accounts = runtime.accounts
    users = (
        {u.id: u for u in accounts.list_users(principal)}
        if principal.can(Permission.USERS_READ)
        else {}
    )
    client_accounts = {a.id: a.name for a in accounts.list_client_accounts(principal)}
    return templates.TemplateResponse(
        request,
        "admin_center.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "queues": live.queues(principal),
            "queue_names": {q.id: q.name for q in live.queues(principal)},
            "channels": live.channels(principal),
            "profiles": live.agent_profiles(principal),
            "reasons": live.reasons(),
            "users": users,
            "client_accounts": client_accounts,
            "strategies": [s.value for s in Strategy],
        },
    )
