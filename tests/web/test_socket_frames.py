"""Regression tests for what the socket fuzz run (test_socket_fuzz.py) found: every bad
frame gets an error frame with a stable code, and the socket stays open."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient

from switchdesk.web.errors import install_error_handlers
from switchdesk.web.routes.sockets import accept, read_frames
from tests.web.test_live_api import _until

FEEDS = [("/chat/northwind-chat/ws", None), ("/ws/agent", "agent"), ("/ws/supervisor", "lead")]


def _open(client: TestClient, auth: dict[str, dict[str, str]], path: str, user: str | None) -> Any:
    ws = client.websocket_connect(path, headers=auth[user] if user else {})
    session = ws.__enter__()
    if user:
        assert _until(session, "snapshot")["type"] == "snapshot"
    return ws, session


@pytest.mark.parametrize("path,user", FEEDS)
def test_a_binary_frame_gets_malformed_json_and_the_socket_stays_open(
    demo, path: str, user: str | None
) -> None:
    client, auth = demo
    ws, session = _open(client, auth, path, user)
    try:
        session.send_bytes(b'{"type": "typing"}')
        assert _until(session, "error")["code"] == "malformed_json"
        session.send_text("[")  # the socket still reads frames
        assert _until(session, "error")["code"] == "malformed_json"
    finally:
        ws.__exit__(None, None, None)


@pytest.mark.parametrize("client_id", [[1], {"a": 1}, 7, True])
def test_a_chat_started_with_a_client_id_that_is_not_text_is_a_bad_request(
    demo, client_id: object
) -> None:
    client, _ = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        start = {"type": "start", "name": "Ida", "email": "", "text": "hi"}
        ws.send_json({**start, "client_id": client_id})
        assert _until(ws, "error")["code"] == "bad_request"
        ws.send_json({**start, "client_id": "c1"})  # the same socket starts it right
        assert _until(ws, "started")["conversation_id"]


@pytest.mark.parametrize(
    "path,user,frame",
    [
        ("/ws/agent", "agent", {"type": "offer"}),
        ("/ws/agent", "agent", {"type": "typing", "conversation_id": 1}),
        ("/ws/agent", "agent", {"type": "typing"}),
        ("/ws/supervisor", "lead", {"type": "typing"}),
    ],
)
def test_the_staff_feeds_answer_a_frame_they_do_not_take_with_bad_request(
    demo, path: str, user: str, frame: dict[str, object]
) -> None:
    client, auth = demo
    ws, session = _open(client, auth, path, user)
    try:
        session.send_json(frame)
        session.send_text("[")  # were the first one ignored, this error would come first
        assert _until(session, "error")["code"] == "bad_request"
        assert _until(session, "error")["code"] == "malformed_json"
    finally:
        ws.__exit__(None, None, None)


def test_a_frame_handler_that_fails_answers_internal_and_keeps_the_socket(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    async def handle(frame: dict[str, Any]) -> None:
        if frame["type"] == "boom":
            raise KeyError("a defect")

    @app.websocket("/ws")
    async def feed(websocket: WebSocket) -> None:
        await accept(websocket)
        await read_frames(websocket, handle)

    with (
        caplog.at_level(logging.ERROR),
        TestClient(app) as client,
        client.websocket_connect("/ws") as ws,
    ):
        ws.send_json({"type": "boom"})
        assert ws.receive_json()["code"] == "internal"
        ws.send_text("[")
        assert ws.receive_json()["code"] == "malformed_json"
    assert any(r.exc_info for r in caplog.records)  # logged for us, not sent to the client
