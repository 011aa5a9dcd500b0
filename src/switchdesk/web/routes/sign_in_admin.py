"""The admin page "Sign-in security": who is throttled, unlock, one-time reset links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import SwitchdeskError
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.schemas import ResetLinkOut
from switchdesk.web.security import require
from switchdesk.web.sign_in_links import reset_link_out

router = APIRouter(tags=["admin pages"])

PAGE = "/admin/sign-in"


def _page(
    request: Request,
    principal: Principal,
    *,
    notice: str = "",
    error: str = "",
    link: ResetLinkOut | None = None,
    status: int = 200,
) -> Response:
    accounts = request.app.state.runtime.accounts
    settings = request.app.state.runtime.settings
    response = templates.TemplateResponse(
        request,
        "admin_sign_in.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "throttled": accounts.throttled_sign_ins(principal),
            "users": [u for u in accounts.list_users(principal) if u.active],
            "notice": notice,
            "error": error,
            "link": link,
            "settings": settings,
        },
        status_code=status,
    )
    response.headers["cache-control"] = "no-store"
    return response


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
def sign_in_page(
    request: Request,
    unlocked: str = "",
    principal: Principal = require(Permission.USERS_MANAGE),
) -> Response:
    notice = f"{unlocked[:200]} may sign in again right away." if unlocked else ""
    return _page(request, principal, notice=notice)


@router.post(f"{PAGE}/unlock", include_in_schema=False)
def unlock(
    request: Request,
    user_id: Annotated[str, Form(max_length=64)],
    principal: Principal = require(Permission.USERS_MANAGE),
) -> Response:
    try:
        user = request.app.state.runtime.accounts.unlock_user(principal, user_id)
    except SwitchdeskError as exc:
        return _page(request, principal, error=exc.detail, status=400)
    return RedirectResponse(f"{PAGE}?unlocked={user.username}", status_code=303)


@router.post(f"{PAGE}/reset-link", include_in_schema=False)
def reset_link(
    request: Request,
    user_id: Annotated[str, Form(max_length=64)],
    principal: Principal = require(Permission.USERS_MANAGE),
) -> Response:
    try:
        issued = request.app.state.runtime.accounts.create_password_reset(principal, user_id)
    except SwitchdeskError as exc:
        return _page(request, principal, error=exc.detail, status=400)
    return _page(request, principal, link=reset_link_out(request, issued))
