"""Browser sign-in and sign-out (HTML forms, CSRF-protected)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import AuthenticationFailed, NotFound, RateLimited, ValidationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.client_address import client_address
from switchdesk.web.security import (
    LOGIN_CSRF_COOKIE,
    RESET_CSRF_COOKIE,
    SESSION_COOKIE,
    public,
    require,
    resolve_principal,
)

router = APIRouter(tags=["auth"], include_in_schema=True)

SIGNED_IN = {303: {"description": "signed in: to the page asked for (or /)"}}
FORM_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": why, "content": {"text/html": {"schema": {"type": "string"}}}}
    for status, why in (
        (401, "the sign-in page again, saying the username or password is wrong"),
        (403, "the sign-in page again: the form expired (CSRF)"),
        (429, "the sign-in page again: too many attempts"),
    )
}
"""The sign-in form answers people: its refusals are the page again, not problem+json."""


def _secure(request: Request) -> bool:
    mode = request.app.state.runtime.settings.cookie_secure
    if mode == "always":
        return True
    if mode == "never":
        return False
    public_url = request.app.state.runtime.settings.public_url
    return request.url.scheme == "https" or public_url.startswith("https://")


def _safe_next(value: str) -> str:
    # Only local paths: never redirect to another site after sign-in.
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _source(request: Request) -> str:
    return client_address(request)


def _login_page(
    request: Request,
    *,
    error: str = "",
    status: int = 200,
    next_path: str = "/",
    username: str = "",
) -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": token, "error": error, "next": next_path, "username": username},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=3600,
        path="/login",
    )
    return response


@router.get(
    "/login",
    response_class=HTMLResponse,
    responses=SIGNED_IN,
    dependencies=[public("people sign in here")],
)
async def login_page(request: Request, next: str = "/") -> Response:
    if await resolve_principal(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_path=_safe_next(next))


@router.post(
    "/login",
    response_class=HTMLResponse,
    responses={**SIGNED_IN, **FORM_ERRORS},
    dependencies=[public("people sign in here")],
)
async def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    next_path = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf_token or not expected or not hmac.compare_digest(csrf_token, expected):
        return _login_page(
            request,
            error="Your sign-in form expired. Please try again.",
            status=403,
            next_path=next_path,
            username=username,
        )
    accounts = request.app.state.runtime.accounts
    try:
        started = accounts.log_in(username, password, _source(request))
    except RateLimited as exc:
        page = _login_page(
            request, error=exc.detail, status=429, next_path=next_path, username=username
        )
        page.headers["retry-after"] = str(exc.extra.get("retry_after", 1))
        return page
    except AuthenticationFailed as exc:
        return _login_page(
            request, error=exc.detail, status=401, next_path=next_path, username=username
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.cookie_value,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int(started.expires_in.total_seconds()),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post(
    "/logout",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "signed out: to the sign-in page"}},
)
async def logout(
    request: Request, principal: Principal = require(Permission.SELF_READ)
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        request.app.state.runtime.accounts.log_out(cookie, _source(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _reset_page(
    request: Request, token: str, *, error: str = "", status: int = 200, done: bool = False
) -> Response:
    csrf = secrets.token_urlsafe(32)
    username = ""
    if not done:
        try:
            username = request.app.state.runtime.accounts.password_reset_user(token).username
        except NotFound as exc:
            error, status = exc.detail, 404
    response = templates.TemplateResponse(
        request,
        "password_reset.html",
        {
            "csrf_token": csrf,
            "token": token if username else "",
            "username": username,
            "error": error,
            "done": done,
        },
        status_code=status,
    )
    response.headers["cache-control"] = "no-store"
    response.set_cookie(
        RESET_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=3600,
        path="/password-reset",
    )
    return response


@router.get(
    "/password-reset",
    response_class=HTMLResponse,
    include_in_schema=False,  # a page for people, like the admin pages
    dependencies=[public("the one-time link an admin gave the user; the token is the proof")],
)
async def password_reset_page(request: Request, token: str = "") -> Response:
    """The page of a password reset link: the user sets a new password (the link is not
    used up by opening it)."""
    return _reset_page(request, token[:200])


@router.post(
    "/password-reset",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[public("the one-time link an admin gave the user; the token is the proof")],
)
async def password_reset_submit(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    expected = request.cookies.get(RESET_CSRF_COOKIE, "")
    if not csrf_token or not expected or not hmac.compare_digest(csrf_token, expected):
        return _reset_page(request, token, error="The form expired. Please try again.", status=403)
    if password != confirm:
        return _reset_page(request, token, error="The two passwords differ.", status=422)
    accounts = request.app.state.runtime.accounts
    try:
        accounts.reset_password(token, password, _source(request))
    except ValidationFailed as exc:
        return _reset_page(request, token, error=exc.detail.capitalize() + ".", status=422)
    except NotFound as exc:
        return _reset_page(request, token, error=exc.detail, status=404)
    response = _reset_page(request, "", done=True)
    response.delete_cookie(RESET_CSRF_COOKIE, path="/password-reset")
    return response
