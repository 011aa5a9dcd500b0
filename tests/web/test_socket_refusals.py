"""Sockets refuse callers who are not signed in with a close code, never a server error;
frames the server cannot parse get an error frame and leave the socket open."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from switchdesk.domain.errors import NotFound
from switchdesk.web.errors import install_error_handlers
from switchdesk.web.routes.sockets import accept
from tests.web.test_live_api import _until

FEEDS = ["/ws/agent", "/ws/supervisor"]

NOT_SIGNED_IN = {
    "no credentials": ({}, {}),
    "a forged session cookie": ({}, {"sd_session": "forged-session-value"}),
    "a bad bearer token": ({"authorization": "Bearer sdt_not-a-real-token"}, {}),
    "an empty bearer token": ({"authorization": "Bearer "}, {}),
}


def _refusal(client: Any, path: str, headers: dict[str, str]) -> tuple[dict[str, Any], int, str]:
    """Connect; return the error frame and the close code and reason that follow it."""
    with client.websocket_connect(path, headers=headers) as ws:
        frame = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return frame, closed.value.code, closed.value.reason


@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize("who", list(NOT_SIGNED_IN))
def test_a_caller_not_signed_in_is_refused_with_4401(
    demo, path: str, who: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = demo
    headers, cookies = NOT_SIGNED_IN[who]
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    with caplog.at_level(logging.WARNING):
        frame, code, reason = _refusal(client, path, headers)
    assert frame == {"type": "error", "code": "authentication_failed", "detail": frame["detail"]}
    assert (code, reason) == (4401, "authentication_failed")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "path,user,code",
    [("/ws/supervisor", "agent", "permission_denied"), ("/ws/agent", "qa", "permission_denied")],
)
def test_a_caller_without_the_permission_is_refused_with_4403(
    demo, path: str, user: str, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, auth = demo
    with caplog.at_level(logging.WARNING):
        frame, close_code, reason = _refusal(client, path, auth[user])
    assert frame["type"] == "error" and frame["code"] == code
    assert (close_code, reason) == (4403, code)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_feeds_still_open_for_the_right_caller(demo) -> None:
    client, auth = demo
    for path, user in [("/ws/agent", "agent"), ("/ws/supervisor", "lead")]:
        with client.websocket_connect(path, headers=auth[user]) as ws:
            assert _until(ws, "snapshot")["type"] == "snapshot"


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 12_000,
        "{" * 12_000,
        '{"a":' * 2_000 + "1" + "}" * 2_000,
        "\ud800",
        "",
        "nul\x00",
    ],
    ids=["deep-list", "deep-object", "deep-valid", "lone-surrogate", "empty", "nul"],
)
def test_a_frame_the_server_cannot_parse_gets_an_error_and_the_socket_stays_open(
    demo, raw: str
) -> None:
    client, _ = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_text(raw)
        frame = ws.receive_json()
        assert frame["type"] == "error"
        assert frame["code"] in {"malformed_json", "bad_request"}
        ws.send_json({"type": "start", "name": "Nest", "email": "", "text": "still here?"})
        assert _until(ws, "started")["conversation_id"]


def test_deeply_nested_json_is_a_malformed_json_frame(demo) -> None:
    client, _ = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_text("[" * 12_000)
        assert ws.receive_json()["code"] == "malformed_json"


@pytest.mark.parametrize("body", [b"[" * 12_000, b'{"name":' * 5_000, b'{"name": "\xff"}'])
def test_rest_bodies_the_server_cannot_parse_are_a_400_malformed_json(
    client_for, center, body: bytes
) -> None:
    admin = client_for("admin")
    r = admin.post(
        "/api/v1/client-accounts", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "malformed_json"


def test_an_error_raised_after_the_socket_was_accepted_is_refused_on_the_open_socket() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.websocket("/ws")
    async def feed(websocket: WebSocket) -> None:
        await accept(websocket)
        raise NotFound("gone")

    with TestClient(app) as client:
        frame, code, reason = _refusal(client, "/ws", {})
    assert frame["code"] == "not_found"
    assert (code, reason) == (4404, "not_found")
