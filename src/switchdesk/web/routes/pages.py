"""The landing page of each role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.landing import HEADLINE_ROLES, LANDING, ROLE_TITLES
from switchdesk.web.security import require

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def landing(
    request: Request, principal: Principal = require(Permission.SELF_READ)
) -> Response:
    user = principal.user
    assert user is not None  # sessions always belong to a user
    accounts = request.app.state.runtime.accounts
    context = {
        "user": user,
        "role_title": ROLE_TITLES[user.role],
        "features": LANDING[user.role],
        "csrf_token": principal.csrf_token or "",
        "audit": accounts.audit_entries(principal, 10)
        if principal.can(Permission.AUDIT_READ)
        else [],
        "users": accounts.list_users(principal) if principal.can(Permission.USERS_READ) else [],
        "client_accounts": accounts.list_client_accounts(principal)
        if principal.can(Permission.ORG_READ)
        else [],
        "headline": request.app.state.runtime.live.headline(principal)
        if user.role in HEADLINE_ROLES
        else None,
    }
    return templates.TemplateResponse(request, "landing.html", context)
