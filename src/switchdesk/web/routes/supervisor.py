"""The supervisor's live view: queues and agents, snapshot then events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import ValidationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.routes.sockets import accept, serve_feed
from switchdesk.web.security import require

router = APIRouter(tags=["supervisor"])


@router.get("/supervisor", response_class=HTMLResponse, include_in_schema=False)
async def supervisor_page(
    request: Request, principal: Principal = require(Permission.TEAM_MONITOR)
) -> Response:
    return templates.TemplateResponse(
        request,
        "supervisor.html",
        {"user": principal.user, "csrf_token": principal.csrf_token or ""},
    )


@router.get("/api/v1/live/overview")
def overview(
    request: Request, principal: Principal = require(Permission.TEAM_MONITOR)
) -> dict[str, Any]:
    """Queues and agents now (the supervisor feed's snapshot)."""
    return request.app.state.runtime.live.supervisor_snapshot(principal)  # type: ignore[no-any-return]


@router.websocket("/ws/supervisor")
async def supervisor_feed(
    websocket: WebSocket, principal: Principal = require(Permission.TEAM_MONITOR)
) -> None:
    live = websocket.app.state.runtime.live
    await accept(websocket)

    async def snapshot() -> dict[str, Any]:
        return await run_in_threadpool(live.supervisor_snapshot, principal)  # type: ignore[no-any-return]

    # Rows of queues outside the supervisor's client accounts are not sent to them.
    allowed = {q.id for q in live.queues(principal)}

    def keep(message: dict[str, Any]) -> bool:
        if message.get("type") == "queue":
            return message["queue"]["id"] in allowed
        if message.get("type") == "agent":
            return bool(live.may_see_agent(principal, message["agent"]["id"]))
        return True

    async def handle(frame: dict[str, Any]) -> None:
        raise ValidationFailed("the supervisor feed takes no frames", code="bad_request")

    await serve_feed(
        websocket, websocket.app.state.runtime.hub, ("supervisor",), snapshot, handle, keep
    )
