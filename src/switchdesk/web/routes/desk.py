"""The agent desktop: its page, its live feed and the agent's own actions."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import SwitchdeskError, ValidationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.routes.sockets import accept, send_error, serve_feed
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(tags=["desk"])


class PresenceIn(Strict):
    presence: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(default=None, max_length=64)


def _live(request: Request | WebSocket) -> Any:
    return request.app.state.runtime.live


@router.get("/desk", response_class=HTMLResponse, include_in_schema=False)
async def desk_page(
    request: Request, principal: Principal = require(Permission.CONVERSATIONS_HANDLE)
) -> Response:
    context = {
        "user": principal.user,
        "csrf_token": principal.csrf_token or "",
        "may_merge": principal.can(Permission.CONTACTS_MERGE),
    }
    return templates.TemplateResponse(request, "desk.html", context)


@router.websocket("/ws/agent")
async def agent_feed(
    websocket: WebSocket, principal: Principal = require(Permission.CONVERSATIONS_HANDLE)
) -> None:
    """Snapshot, then offers, assignments, messages and state changes (docs/live.md)."""
    live = _live(websocket)
    assert principal.user is not None
    await accept(websocket)
    try:
        live.require_agent(principal)
    except SwitchdeskError as exc:
        # Say why and stop: the page shows it instead of reconnecting forever.
        await send_error(websocket, exc.code, exc.detail)
        await websocket.close(code=4403)
        return
    agent_id = principal.user.id
    # Presence follows the desks: the last one closing starts the grace period.
    await asyncio.wrap_future(live.desk_opened(agent_id))

    async def snapshot() -> dict[str, Any]:
        return await asyncio.wrap_future(live.submit_agent_snapshot(principal))  # type: ignore[no-any-return]

    async def handle(frame: dict[str, Any]) -> None:
        if frame["type"] != "typing":
            raise ValidationFailed(f"unknown frame type {frame['type']!r}", code="bad_request")
        if not isinstance(frame.get("conversation_id"), str):
            raise ValidationFailed("conversation_id is text", code="bad_request")
        # Typing in a conversation not (or no longer) on this desk is ignored.
        await run_in_threadpool(live.agent_typing, principal, frame["conversation_id"])

    try:
        await serve_feed(
            websocket, websocket.app.state.runtime.hub, (f"agent:{agent_id}",), snapshot, handle
        )
    finally:
        live.desk_closed(agent_id)


# The agent's hot actions are handed straight to the center's writer from the event loop
# (no thread of the pool waits for them) and answered after the commit.


@router.put("/api/v1/desk/presence")
async def set_presence(
    body: PresenceIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """available, not_ready (with a configured reason) or offline."""
    return await asyncio.wrap_future(  # type: ignore[no-any-return]
        _live(request).submit_set_presence(principal, body.presence, body.reason)
    )


@router.post("/api/v1/desk/offers/{offer_id}/accept")
async def accept_offer(
    offer_id: str,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """409 ``offer_taken`` when another agent accepted first; 409 ``offer_gone`` after
    expiry."""
    return await asyncio.wrap_future(  # type: ignore[no-any-return]
        _live(request).submit_accept_offer(principal, offer_id)
    )


@router.post("/api/v1/desk/offers/{offer_id}/decline", status_code=204)
def decline_offer(
    offer_id: str,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> Response:
    _live(request).decline_offer(principal, offer_id)
    return Response(status_code=204)


@router.post("/api/v1/desk/after-contact-work/end", status_code=204)
def end_after_contact_work(
    request: Request, principal: Principal = require(Permission.CONVERSATIONS_HANDLE)
) -> Response:
    _live(request).end_after_contact_work(principal)
    return Response(status_code=204)


@router.get("/api/v1/desk")
def desk_snapshot(
    request: Request, principal: Principal = require(Permission.CONVERSATIONS_HANDLE)
) -> dict[str, Any]:
    """The same snapshot the desk's socket starts with."""
    return _live(request).agent_snapshot(principal)  # type: ignore[no-any-return]
