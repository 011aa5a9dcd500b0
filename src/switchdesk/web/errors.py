"""The one table from error codes to HTTP statuses, and problem+json responses (RFC 9457)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def wants_html(request: Request) -> bool:
    """Pages (not the API) answer people: send them to sign in rather than a JSON error."""
    return request.method == "GET" and not request.url.path.startswith("/api/")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SwitchdeskError)
    async def _domain_error(request: Request, exc: SwitchdeskError) -> Response:
        status = status_for(exc)
        if isinstance(exc, AuthenticationFailed) and wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
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
