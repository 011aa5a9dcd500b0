"""ASGI middleware that refuses request bodies over a size limit with 413 problem+json.

The rest of a refused body is read and thrown away (up to :data:`DRAIN_CAP_BYTES`) before
the 413 goes out. Answering and closing with the upload still arriving makes the kernel
reset the connection, and a client busy sending then sees the reset, not the 413.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_CAP_BYTES = 64 * 1024 * 1024
"""Past this much of a refused body the server stops reading and closes at once."""


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, drain_cap: int = DRAIN_CAP_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_cap = drain_cap

    async def _drain(self, receive: Receive, read: int, more: bool) -> None:
        """Read and drop the rest of the body, ``read`` bytes of it already read."""
        while more and read <= self.drain_cap:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            read += len(message.get("body", b""))
            more = message.get("more_body", False)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "urn:switchdesk:problem:payload_too_large",
                "title": "Request Entity Too Large",
                "status": 413,
                "code": "payload_too_large",
                "detail": f"the request body exceeds {self.max_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    await self._drain(receive, 0, True)
                    await self._refuse(send)
                    return
        seen = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if not started and not refused:
                        refused = True
                        await self._drain(receive, seen, message.get("more_body", False))
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; drop whatever the app says after it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not refused:
                raise
