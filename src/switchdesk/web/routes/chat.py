"""The customer's web chat: an embeddable page per channel and its socket (public)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.web.app import templates
from switchdesk.web.live import LiveHub
from switchdesk.web.routes.sockets import accept, pump, read_frames, send_error
from switchdesk.web.security import public

router = APIRouter(tags=["web chat"])

CUSTOMERS = "customers of the center open chats here; no account"


@router.get("/chat/{slug}", response_class=HTMLResponse, dependencies=[public(CUSTOMERS)])
async def chat_page(slug: str, request: Request) -> Response:
    channel = request.app.state.runtime.live.channel(slug)
    response = templates.TemplateResponse(
        request,
        "chat.html",
        {"channel_slug": channel.slug, "channel_name": channel.name, "greeting": channel.greeting},
    )
    # The widget is meant to be embedded in the client's own site.
    response.headers["content-security-policy"] = (
        "default-src 'self'; img-src 'self' data:; form-action 'self'"
    )
    del response.headers["x-frame-options"]
    return response


def _text(frame: dict[str, Any], key: str) -> str:
    value = frame.get(key, "")
    if not isinstance(value, str):
        raise ValidationFailed(f"{key} is text", code="bad_request")
    return value


def _client_id(frame: dict[str, Any]) -> str | None:
    """The browser's id of a message (for idempotency): text, or absent."""
    value = frame.get("client_id")
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("client_id is text", code="bad_request")
    return value or None


@router.websocket("/chat/{slug}/ws", dependencies=[public(CUSTOMERS)])
async def chat_socket(websocket: WebSocket, slug: str) -> None:
    """The customer's side of a chat (protocol in docs/live.md)."""
    live = websocket.app.state.runtime.live
    hub: LiveHub = websocket.app.state.runtime.hub
    await accept(websocket)
    try:
        live.channel(slug)
    except NotFound as exc:
        await send_error(websocket, exc.code, exc.detail)
        await websocket.close(code=4404)
        return
    attached: dict[str, str] = {}
    ready = asyncio.Event()

    async def attach(conversation_id: str) -> None:
        attached["id"] = conversation_id
        ready.set()

    async def handle(frame: dict[str, Any]) -> None:
        kind = frame["type"]
        conv_id = attached.get("id")
        if kind == "start":
            if conv_id:
                raise ValidationFailed("this socket has a chat already", code="bad_request")
            # Handed straight to the center's writer; answered after the commit.
            conv, token = await asyncio.wrap_future(
                live.submit_start_chat(
                    slug,
                    name=_text(frame, "name"),
                    email=_text(frame, "email"),
                    text=_text(frame, "text"),
                    client_id=_client_id(frame),
                )
            )
            await websocket.send_json(
                {"type": "started", "conversation_id": conv.id, "token": token}
            )
            await attach(conv.id)
        elif kind == "resume":
            conv = await run_in_threadpool(live.resume_chat, slug, _text(frame, "token"))
            await attach(conv.id)
        elif conv_id is None:
            raise ValidationFailed("start or resume a chat first", code="bad_request")
        elif kind == "message":
            await run_in_threadpool(
                live.customer_message, conv_id, _text(frame, "text"), _client_id(frame)
            )
        elif kind == "typing":
            await run_in_threadpool(live.customer_typing, conv_id)
        elif kind == "rate":
            score = frame.get("score")
            if not isinstance(score, int) or isinstance(score, bool):
                raise ValidationFailed("score is a whole number from 1 to 5", code="rating_invalid")
            await run_in_threadpool(live.rate, conv_id, score, _text(frame, "comment"))
        elif kind == "leave":
            await run_in_threadpool(live.customer_leave, conv_id)
        else:
            raise ValidationFailed(f"unknown frame type {kind!r}", code="bad_request")

    # Frames are read until the customer starts or resumes a chat; from then on the
    # conversation's messages are forwarded too.
    reader = asyncio.create_task(read_frames(websocket, handle))
    waiter = asyncio.create_task(ready.wait())
    try:
        done, _ = await asyncio.wait({reader, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            return
        conv_id = attached["id"]
        # Departure follows the page: the last one going starts the grace period.
        live.chat_page_opened(conv_id)
        try:
            async with hub.subscribe(f"conversation:{conv_id}") as sub:
                view = await asyncio.wrap_future(live.submit_customer_view(conv_id))
                queue = view.pop("queue", None)
                await websocket.send_json(view)
                if queue:
                    await websocket.send_json(queue)
                forward = asyncio.create_task(pump(sub, websocket))
                try:
                    await asyncio.wait({reader, forward}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    forward.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await forward
        finally:
            live.chat_page_closed(conv_id)
    finally:
        for task in (reader, waiter):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
