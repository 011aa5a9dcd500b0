"""The one table from error codes to HTTP statuses, and problem+json responses (RFC 9457)."""

from __future__ import annotations

import contextlib
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
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


PAGES_UNDER_API = frozenset({"/api/docs"})
"""Paths under ``/api/`` that are pages for people, not operations of the API."""


def _is_page_path(path: str) -> bool:
    return not path.startswith("/api/") or path in PAGES_UNDER_API


def _quality(accept: str, media_type: str) -> float:
    """The q value ``accept`` gives ``media_type`` itself (ranges such as */* not counted)."""
    for item in accept.split(","):
        kind, _, params = item.strip().partition(";")
        if kind.strip().lower() != media_type:
            continue
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    return max(0.0, min(1.0, float(value)))
                except ValueError:
                    return 0.0
        return 1.0
    return 0.0


def prefers_html(request: Request) -> bool:
    """A browser's request: its Accept names text/html, above any JSON type."""
    accept = request.headers.get("accept", "")
    html = _quality(accept, "text/html")
    json = max(_quality(accept, "application/json"), _quality(accept, PROBLEM_JSON))
    return html > 0 and html >= json


def wants_html(request: Request) -> bool:
    """Pages (not the API) answer people: send them to sign in rather than a JSON error."""
    return (
        request.scope["type"] == "http"
        and request.method == "GET"
        and _is_page_path(request.url.path)
        and request.url.path != "/metrics"  # a scraper, not a person
    )


def wants_error_page(request: Request) -> bool:
    """A person in a browser asked for a page: answer an error with a page, not JSON."""
    return (
        request.scope["type"] == "http"
        and _is_page_path(request.url.path)
        and prefers_html(request)
    )


_pages = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

ERROR_HEADINGS = {
    401: "Please sign in",
    403: "You may not open this page",
    404: "Nothing here",
    429: "Too many attempts",
    500: "Something went wrong",
}


def error_page(request: Request, status: int, code: str, detail: str) -> Response:
    """The plain page a browser gets for an error: what happened, and a link home."""
    phrase = HTTPStatus(status).phrase
    return _pages.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "phrase": phrase,
            "heading": ERROR_HEADINGS.get(status, phrase),
            "detail": detail,
            "code": code,
        },
        status_code=status,
    )


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page, which sends the person back here afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(back, safe='/')}", status_code=303)


def answer(request: Request, status: int, code: str, detail: str, **extra: Any) -> Response:
    """problem+json for the API and other programs; a page (or sign-in) for browsers."""
    if status == 401 and wants_html(request):
        return sign_in_redirect(request)
    if wants_error_page(request):
        response = error_page(request, status, code, detail)
    else:
        response = problem(status, code, detail, instance=request.url.path, **extra)
    retry_after = extra.get("retry_after")
    if status == 429 and isinstance(retry_after, int):
        response.headers["retry-after"] = str(retry_after)
    return response


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
        if isinstance(exc, PermissionDenied) and shows_refusal_page(request):
            return refusal_page(request, exc)
        return answer(request, status, exc.code, exc.detail, **exc.extra)

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
            return answer(
                request, 400, "malformed_json", "the request body is not valid JSON", errors=errors
            )
        return answer(
            request,
            422,
            "validation_failed",
            "the request does not match the schema",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = CODE_BY_HTTP_STATUS.get(exc.status_code, "http_error")
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            # FastAPI's "error parsing the body": too deeply nested, or not UTF-8.
            return answer(request, 400, "malformed_json", "the request body is not valid JSON")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return answer(request, exc.status_code, code, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Details go to the server log (by the server), never to the client.
        return answer(request, 500, "internal", "an unexpected error occurred; it has been logged")
