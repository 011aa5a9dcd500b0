"""The OpenAPI document, with the error responses every operation can give declared once.

Each operation can be refused with a problem+json body (RFC 9457, :mod:`switchdesk.web.errors`):
malformed or invalid input, a body over the limit, not signed in, no permission, not found,
a conflict, too many attempts. FastAPI documents only its own 422 (as ``application/json``,
which is not what we send); this declares the whole set on every operation, with one
``Problem`` schema, so a client and the fuzz suite (``tests/web/test_api_fuzz.py``) can rely
on the document. An operation that declares a status itself (an HTML form's error page)
keeps its own declaration.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from switchdesk.web.errors import PROBLEM_JSON

ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422, 429)
"""The refusals any operation can answer (see docs/errors.md for the codes of each)."""

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error (RFC 9457); ``code`` is stable, see docs/errors.md.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "description": "urn:switchdesk:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For validation_failed and malformed_json: what was wrong, where.",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "array", "items": {"type": "string"}},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Further problem+json statuses one route can answer (``responses=`` of a route)."""
    return {status: _problem_response(status) for status in statuses}


def declare_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Problem`` schema and :data:`ERROR_STATUSES` to every operation of
    ``schema`` (in place; returns it). FastAPI's own 422 is replaced."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            fastapi_422 = responses.get("422", {})
            if "HTTPValidationError" in str(fastapi_422):
                del responses["422"]
            for status in ERROR_STATUSES:
                responses.setdefault(str(status), _problem_response(status))
    text = str(schema.get("paths", {}))
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f"#/components/schemas/{name}'" not in text:
            components.pop(name, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the document with the problem responses declared."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problem_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
