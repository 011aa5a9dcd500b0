"""The supervisor's live view: queues and agents, snapshot then events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import ValidationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.routes.sockets import accept, serve_feed
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(tags=["supervisor"])


@router.get("/supervisor", response_class=HTMLResponse, include_in_schema=False)
async def supervisor_page(
    request: Request, principal: Principal = require(Permission.TEAM_MONITOR)
) -> Response:
    return templates.TemplateResponse(
        request,
        "supervisor.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "may_manage": principal.can(Permission.TEAM_MANAGE),
        },
    )


@router.get("/api/v1/live/overview")
def overview(
    request: Request, principal: Principal = require(Permission.TEAM_MONITOR)
) -> dict[str, Any]:
    """Queues and agents now (the supervisor feed's snapshot)."""
    return request.app.state.runtime.live.supervisor_snapshot(principal)  # type: ignore[no-any-return]


class AgentPresenceIn(Strict):
    presence: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(default=None, max_length=64)


@router.put("/api/v1/live/agents/{agent_id}/presence")
def set_agent_presence(
    agent_id: str,
    body: AgentPresenceIn,
    request: Request,
    principal: Principal = require(Permission.TEAM_MANAGE),
) -> dict[str, Any]:
    """Set an agent's state: available, not_ready (with a configured reason) or offline
    (signs them out). Audited (``agent.presence_set``); answers the agent's board row."""
    return request.app.state.runtime.live.set_agent_presence(  # type: ignore[no-any-return]
        principal, agent_id, body.presence, body.reason
    )


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
