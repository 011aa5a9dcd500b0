"""Who is calling, and may they? Every route declares ``require(...)`` or ``public(...)``.

``tests/web/test_route_permissions.py`` walks every route of the app and fails when one
declares neither, or when a public route is not in :data:`PUBLIC_ROUTES`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.routing import Mount

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import AuthenticationFailed, PermissionDenied
from switchdesk.usecases.principal import Principal

SESSION_COOKIE = "sd_session"
LOGIN_CSRF_COOKIE = "sd_login_csrf"
RESET_CSRF_COOKIE = "sd_reset_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/password-reset"),
        ("POST", "/password-reset"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/chat/{slug}"),
        ("WS", "/chat/{slug}/ws"),
        # Messaging providers; every POST is verified by the provider's signature.
        ("GET", "/webhooks/{kind}/{slug}"),
        ("POST", "/webhooks/{kind}/{slug}"),
    }
)
"""(method, path) of every route anyone may call. Keep it short; say why in the route."""

PUBLIC_MOUNTS: frozenset[str] = frozenset({"/static"})


async def resolve_principal(request: HTTPConnection) -> Principal | None:
    """From a bearer API token, else from the session cookie. None when neither is valid."""
    cached = getattr(request.state, "principal", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    accounts = request.app.state.runtime.accounts
    principal: Principal | None = None
    header = request.headers.get("authorization", "")
    # The lookups are blocking database calls: keep them off the event loop (a token
    # verified a moment ago is answered from memory).
    if header.lower().startswith("bearer "):
        secret = header[7:].strip()
        principal = accounts.recently_verified_token(secret)
        if principal is None:
            principal = await run_in_threadpool(accounts.principal_for_token, secret)
        if principal is None:
            raise AuthenticationFailed("the API token is not valid")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = await run_in_threadpool(accounts.principal_for_session, cookie)
    request.state.principal = principal
    return principal


def _same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser: no cross-site request to fear
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


async def _check_csrf(conn: HTTPConnection, principal: Principal) -> None:
    if principal.via != "session":
        return
    if conn.scope["type"] == "websocket":
        # Browsers send cookies with cross-site WebSocket handshakes: check the origin.
        if not _same_origin(conn):
            raise PermissionDenied("cross-site WebSocket refused", code="csrf_failed")
        return
    request = conn if isinstance(conn, Request) else Request(conn.scope)
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    expected = principal.csrf_token or ""
    if not sent or not hmac.compare_digest(sent, expected):
        raise PermissionDenied("missing or wrong CSRF token", code="csrf_failed")


async def _signed_in(conn: HTTPConnection) -> Principal:
    """The caller, signed in, with the CSRF token checked on unsafe requests."""
    principal = await resolve_principal(conn)
    if principal is None:
        raise AuthenticationFailed("sign in first")
    await _check_csrf(conn, principal)
    return principal


def require(permission: Permission) -> Any:
    """A route dependency: the caller is signed in and holds ``permission``."""

    async def dependency(conn: HTTPConnection) -> Principal:
        principal = await _signed_in(conn)
        principal.require(permission)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


def require_any(*permissions: Permission) -> Any:
    """A route dependency: the caller is signed in and holds at least one of ``permissions``
    (a read that both the people who configure and the people who use a thing need)."""

    async def dependency(conn: HTTPConnection) -> Principal:
        principal = await _signed_in(conn)
        if not any(principal.can(p) for p in permissions):
            names = ", ".join(repr(p.value) for p in permissions)
            raise PermissionDenied(
                f"this needs one of the permissions {names}",
                permission=" | ".join(p.value for p in permissions),
            )
        return principal

    dependency.permission = " | ".join(p.value for p in permissions)  # type: ignore[attr-defined]
    return Depends(dependency)


def public(reason: str) -> Any:
    """A route dependency that marks a route as open to anyone, with the reason."""

    async def dependency() -> None:
        return None

    dependency.public_reason = reason  # type: ignore[attr-defined]
    return Depends(dependency)


def declared_access(call: Callable[..., Any]) -> tuple[str, str] | None:
    """('permission', name) or ('public', reason) for a dependency callable, else None."""
    if hasattr(call, "permission"):
        return ("permission", str(call.permission))
    if hasattr(call, "public_reason"):
        return ("public", str(call.public_reason))
    return None


@dataclass(frozen=True, slots=True)
class RouteAccess:
    """One route of the app with what it declares about who may call it."""

    path: str
    methods: frozenset[str]
    declared: tuple[tuple[str, str], ...]
    """('permission', name) and ('public', reason) pairs found on the route."""
    mount: bool = False


def route_access_table(app: FastAPI) -> list[RouteAccess]:
    """Every route of ``app`` (routers included) with its declared access."""
    table: list[RouteAccess] = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            table.append(RouteAccess(str(context.path), frozenset(), (), mount=True))
            continue
        declared: list[tuple[str, str]] = []
        dependant = getattr(context, "dependant", None)
        stack = list(dependant.dependencies) if dependant is not None else []
        while stack:
            dep = stack.pop()
            if dep.call is not None and (found := declared_access(dep.call)):
                declared.append(found)
            stack.extend(dep.dependencies)
        methods = (
            frozenset({"WS"})
            if isinstance(context.original_route, APIWebSocketRoute)
            else frozenset(context.methods or ())
        )
        table.append(RouteAccess(str(context.path), methods, tuple(declared)))
    return table
