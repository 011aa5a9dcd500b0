"""Shared plumbing of the WebSocket feeds: snapshot first, then events, until either
side goes away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket

from switchdesk.domain.errors import SwitchdeskError
from switchdesk.web.errors import SOCKET_ACCEPTED
from switchdesk.web.live import LiveHub, Subscription

MAX_FRAME_CHARS = 16_384
log = logging.getLogger("switchdesk.web.sockets")


async def accept(websocket: WebSocket) -> None:
    """Accept the socket, and say so in its scope: an error raised after this is refused
    on the open socket (error frame and close code) rather than on the handshake."""
    await websocket.accept()
    websocket.scope[SOCKET_ACCEPTED] = True


async def send_error(websocket: WebSocket, code: str, detail: str) -> None:
    await websocket.send_json({"type": "error", "code": code, "detail": detail})


async def pump(
    sub: Subscription,
    websocket: WebSocket,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """Forward published messages to the socket; stop when the hub says resync."""
    while True:
        message = await sub.queue.get()
        if message is None:
            await websocket.close(code=4000, reason="resync")
            return
        if keep is None or keep(message):
            await websocket.send_json(message)


async def read_frames(
    websocket: WebSocket, handle: Callable[[dict[str, Any]], Awaitable[None]]
) -> None:
    """Read JSON frames and hand each to ``handle``; errors go back as error frames and
    the next frame is read as usual (docs/live.md, Refusals and close codes)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            # A binary frame: the feeds speak JSON text only.
            await send_error(websocket, "malformed_json", "a frame is JSON text, not binary")
            continue
        if len(raw) > MAX_FRAME_CHARS:
            await send_error(
                websocket, "message_too_long", f"a frame has at most {MAX_FRAME_CHARS} characters"
            )
            continue
        try:
            frame = json.loads(raw)
        except (ValueError, RecursionError):
            # RecursionError: nesting deeper than the parser's stack (e.g. "[" * 12000).
            await send_error(websocket, "malformed_json", "a frame is one JSON object")
            continue
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await send_error(websocket, "bad_request", "a frame is an object with a type")
            continue
        try:
            await handle(frame)
        except SwitchdeskError as exc:
            await send_error(websocket, exc.code, exc.detail)
        except Exception:
            # A defect of ours: logged, answered like a 500, and the socket stays open.
            log.exception("a %r frame failed", frame["type"])
            await send_error(
                websocket, "internal", "an unexpected error occurred; it has been logged"
            )


async def serve_feed(
    websocket: WebSocket,
    hub: LiveHub,
    topics: tuple[str, ...],
    snapshot: Callable[[], Awaitable[dict[str, Any]]],
    handle: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """Subscribe, send the snapshot, then forward events (those ``keep`` accepts) and
    read frames."""
    async with hub.subscribe(*topics) as sub:
        await websocket.send_json(await snapshot())

        async def ignore(frame: dict[str, Any]) -> None:
            return None

        tasks = [
            asyncio.create_task(pump(sub, websocket, keep)),
            asyncio.create_task(read_frames(websocket, handle or ignore)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
