"""The OpenAPI document and a self-contained reference page (no CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.security import require, route_access_table

router = APIRouter(tags=["docs"])


def _permissions_by_route(request: Request) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for route in route_access_table(request.app):
        names = [name if kind == "permission" else "public" for kind, name in route.declared]
        for method in route.methods:
            found[(method.lower(), route.path)] = ", ".join(names) or "none"
    return found


@router.get("/api/openapi.json")
async def openapi(
    request: Request, principal: Principal = require(Permission.SELF_READ)
) -> dict[str, Any]:
    """The OpenAPI 3 document; each operation carries ``x-permission``."""
    schema: dict[str, Any] = request.app.openapi()
    perms = _permissions_by_route(request)
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            op["x-permission"] = perms.get((method, path), "none")
    return schema


@router.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
async def api_docs(
    request: Request, principal: Principal = require(Permission.SELF_READ)
) -> Response:
    schema = await openapi(request, principal)
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
            "permission": op.get("x-permission", ""),
        }
        for path, ops in sorted(schema.get("paths", {}).items())
        for method, op in ops.items()
    ]
    return templates.TemplateResponse(
        request, "api_docs.html", {"operations": operations, "version": schema["info"]["version"]}
    )
