"""The one table from error codes to HTTP statuses, and problem+json responses (RFC 9457)."""

from __future__ import annotations

import contextlib
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.websockets import WebSocketState

from switchdesk.domain.errors import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    SwitchdeskError,
    ValidationFailed,
)
from switchdesk.web.templates import templates

PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: dict[type[SwitchdeskError], int] = {
    ConfigurationError: 422,
    ValidationFailed: 422,
    NotFound: 404,
    Conflict: 409,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    RateLimited: 429,
}

CODE_BY_HTTP_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "authentication_failed",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def status_for(error: SwitchdeskError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 500


def problem(
    status: int, code: str, detail: str, *, instance: str = "", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:switchdesk:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def shows_refusal_page(request: Request) -> bool:
    """A browser opening a page it may not see gets a page that says so, not JSON."""
    return wants_html(request) and "text/html" in request.headers.get("accept", "")


def refusal_page(request: Request, exc: PermissionDenied) -> Response:
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request,
        "refused.html",
        {
            "user": getattr(principal, "user", None),
            "csrf_token": getattr(principal, "csrf_token", "") or "",
            "detail": exc.detail,
            "permission": exc.extra.get("permission", ""),
        },
        status_code=403,
    )


def wants_html(request: Request) -> bool:
    """Pages (not the API) answer people: send them to sign in rather than a JSON error."""
    return (
        request.scope["type"] == "http"
        and request.method == "GET"
        and not request.url.path.startswith("/api/")
        and request.url.path != "/metrics"  # a scraper, not a person
    )


SOCKET_ACCEPTED = "switchdesk.socket_accepted"
"""Scope key set once a route has accepted its WebSocket (see ``routes/sockets.accept``)."""


def close_code_for(status: int) -> int:
    """The WebSocket close code of a refusal: 4000 plus the HTTP status (4401, 4403...)."""
    return 4000 + status if 400 <= status < 500 else 1011


async def refuse_socket(websocket: WebSocket, status: int, code: str, detail: str) -> None:
    """Accept (if not yet), send an error frame with ``code``, and close with
    :func:`close_code_for` and ``code`` as the reason. Never a 500 on a handshake: a
    browser cannot read a refused handshake's status, but it can read a close code."""
    if not websocket.scope.get(SOCKET_ACCEPTED):
        await websocket.accept()
        websocket.scope[SOCKET_ACCEPTED] = True
    else:
        # The route accepted through its own WebSocket object; this one is a second view
        # of the same connection.
        websocket.application_state = WebSocketState.CONNECTED
    with contextlib.suppress(RuntimeError, OSError):
        await websocket.send_json({"type": "error", "code": code, "detail": detail})
        await websocket.close(code=close_code_for(status), reason=code)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SwitchdeskError)
    async def _domain_error(request: Request, exc: SwitchdeskError) -> Response | None:
        status = status_for(exc)
        if isinstance(request, WebSocket):
            # A socket refused by its route's dependencies (not signed in, no permission).
            await refuse_socket(request, status, exc.code, exc.detail)
            return None
        if isinstance(exc, AuthenticationFailed) and wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if isinstance(exc, PermissionDenied) and shows_refusal_page(request):
            return refusal_page(request, exc)
        return problem(status, exc.code, exc.detail, instance=request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "location": [str(part) for part in err.get("loc", ())],
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                400,
                "malformed_json",
                "the request body is not valid JSON",
                instance=request.url.path,
                errors=errors,
            )
        return problem(
            422,
            "validation_failed",
            "the request does not match the schema",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = CODE_BY_HTTP_STATUS.get(exc.status_code, "http_error")
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            # FastAPI's "error parsing the body": too deeply nested, or not UTF-8.
            return problem(
                400,
                "malformed_json",
                "the request body is not valid JSON",
                instance=request.url.path,
            )
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, code, detail, instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Details go to the server log (by the server), never to the client.
        return problem(
            500,
            "internal",
            "an unexpected error occurred; it has been logged",
            instance=request.url.path,
        )
