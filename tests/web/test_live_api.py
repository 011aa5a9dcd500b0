"""The live API over HTTP and WebSockets (in-process server): chat socket, agent feed,
supervisor feed, bad input, and client-account isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from switchdesk.bootstrap import Runtime
from switchdesk.usecases.principal import Principal


def _until(ws: Any, kind: str, limit: int = 30, text: str | None = None) -> dict[str, Any]:
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == kind and (text is None or frame.get("text") == text):
            return frame
    raise AssertionError(f"no {kind} frame")


def test_a_customer_chat_reaches_an_agent_over_real_sockets(demo) -> None:
    client, auth = demo
    with (
        client.websocket_connect("/chat/northwind-chat/ws") as customer,
        client.websocket_connect("/ws/agent", headers=auth["agent"]) as agent,
    ):
        assert _until(agent, "snapshot")["agent"]["presence"] == "offline"
        customer.send_json(
            {"type": "start", "name": "Zoe", "email": "zoe@example.com", "text": "Hello there"}
        )
        conv_id = _until(customer, "started")["conversation_id"]
        assert _until(customer, "history")["messages"][0]["text"] == "Hello there"
        assert _until(customer, "queue")["position"] == 1
        r = client.put(
            "/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent"]
        )
        assert r.status_code == 200
        offer = _until(agent, "offer")["offer"]
        assert offer["conversation_id"] == conv_id
        assert offer["contact"]["email"] == "zoe@example.com"
        assert (
            client.post(
                f"/api/v1/desk/offers/{offer['id']}/accept", headers=auth["agent"]
            ).status_code
            == 200
        )
        assert _until(customer, "agent_joined")["agent_name"] == "Ana Agent"
        customer.send_json({"type": "typing"})
        assert _until(agent, "typing")["conversation_id"] == conv_id
        customer.send_json({"type": "message", "text": "Are you there?", "client_id": "m1"})
        assert _until(agent, "message")["text"] == "Are you there?"
        client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            json={"text": "Yes!"},
            headers=auth["agent"],
        )
        assert _until(customer, "message", text="Yes!")["author"] == "agent"
        with client.websocket_connect("/ws/supervisor", headers=auth["lead"]) as sup:
            snap = _until(sup, "snapshot")
            ana = next(a for a in snap["agents"] if a["name"] == "Ana Agent")
            assert ana["conversations"][0]["id"] == conv_id
        client.post(f"/api/v1/conversations/{conv_id}/end", headers=auth["agent"])
        assert _until(customer, "ended")["by"] == "agent"
        customer.send_json({"type": "rate", "score": 5, "comment": "great"})
        assert _until(customer, "rated")["score"] == 5


def test_bad_frames_get_error_frames_and_the_socket_stays_usable(demo) -> None:
    client, _ = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_text("{not json")
        assert _until(ws, "error")["code"] == "malformed_json"
        ws.send_json({"type": "message", "text": "before start"})
        assert _until(ws, "error")["code"] == "bad_request"
        ws.send_json({"type": "start", "name": "A", "email": "", "text": "x" * 5000})
        assert _until(ws, "error")["code"] == "message_too_long"
        ws.send_text(json.dumps({"type": "start", "name": "A", "email": "", "text": "y" * 20000}))
        assert _until(ws, "error")["code"] == "message_too_long"
        ws.send_json({"type": "start", "name": "A", "email": "not-an-email", "text": "hi"})
        assert _until(ws, "error")["code"] == "email_invalid"
        ws.send_json({"type": "start", "name": "A", "email": "", "text": "finally"})
        conv_id = _until(ws, "started")["conversation_id"]
        ws.send_json({"type": "dance"})
        assert _until(ws, "error")["code"] == "bad_request"
        ws.send_json({"type": "rate", "score": 9})
        assert _until(ws, "error")["code"] == "rating_invalid"
        ws.send_json({"type": "message", "text": "still here", "client_id": "k"})
        assert _until(ws, "message", text="still here")["client_id"] == "k"
    assert conv_id


def test_a_dropped_socket_loses_nothing_and_the_customer_resumes(demo) -> None:
    client, auth = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_json({"type": "start", "name": "Dee", "email": "", "text": "one"})
        started = _until(ws, "started")
        ws.send_json({"type": "message", "text": "two", "client_id": "c2"})
        _until(ws, "message", 30)
    # The socket is gone mid-conversation; the chat waits on, and the customer resumes.
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_json({"type": "resume", "token": started["token"]})
        history = _until(ws, "history")
        assert [m["text"] for m in history["messages"]] == ["one", "two"]
        assert history["state"] == "waiting"
        ws.send_json({"type": "message", "text": "two", "client_id": "c2"})  # a retry
        _until(ws, "message", 30)
    detail = client.get(
        f"/api/v1/conversations/{started['conversation_id']}", headers=auth["ops"]
    ).json()
    assert [m["text"] for m in detail["messages"]] == ["one", "two"]


def test_an_unknown_channel_is_a_404_page_and_a_closed_socket(demo) -> None:
    client, _ = demo
    page = client.get("/chat/no-such-channel")
    assert page.status_code == 404
    with client.websocket_connect("/chat/no-such-channel/ws") as ws:
        assert ws.receive_json()["code"] == "not_found"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_another_client_accounts_conversation_is_invisible(demo) -> None:
    client, auth = demo
    with client.websocket_connect("/chat/northwind-chat/ws") as ws:
        ws.send_json({"type": "start", "name": "N", "email": "", "text": "hi"})
        conv_id = _until(ws, "started")["conversation_id"]
    # agent2 serves Bluebird only.
    for method, path, body in [
        ("GET", f"/api/v1/conversations/{conv_id}", None),
        ("POST", f"/api/v1/conversations/{conv_id}/messages", {"text": "peek"}),
        ("POST", f"/api/v1/conversations/{conv_id}/end", None),
    ]:
        r = client.request(method, path, json=body, headers=auth["agent2"])
        assert r.status_code == 404, (path, r.text)
        assert "hi" not in r.text
    r = client.get(f"/api/v1/conversations/{conv_id}", headers=auth["ops"])
    assert r.status_code == 200


def test_accepting_an_offer_someone_else_took_says_so(demo) -> None:
    client, auth = demo
    r = client.post("/api/v1/desk/offers/o999/accept", headers=auth["agent"])
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_configuration_api_refuses_a_bad_expression_with_its_position(demo) -> None:
    client, auth = demo
    r = client.post(
        "/api/v1/queues",
        json={"name": "Broken", "eligibility": "agent.skills >= "},
        headers=auth["ops"],
    )
    assert r.status_code == 422
    assert r.json()["code"] == "configuration_invalid"
    assert r.json()["position"] == 16
    assert "at position 16" in r.json()["detail"]
    ok = client.post(
        "/api/v1/queues",
        json={
            "name": "Fine",
            "eligibility": "agent.skills.x >= 2",
            "wrap_up_codes": [{"code": "done"}],
        },
        headers=auth["ops"],
    )
    assert ok.status_code == 201, ok.text
    assert (
        client.post("/api/v1/queues", json={"name": "X"}, headers=auth["agent"]).status_code == 403
    )


def test_an_agent_without_a_profile_is_told_clearly(demo) -> None:
    client, auth = demo
    r = client.put("/api/v1/desk/presence", json={"presence": "available"}, headers=auth["admin"])
    assert r.status_code == 403


def test_a_user_without_an_agent_profile_is_told_on_the_desk_socket(
    demo, sqlite_runtime: Runtime
) -> None:
    from switchdesk.domain.accounts.permissions import Role

    client, _ = demo
    acc, op = sqlite_runtime.accounts, Principal.operator("t")
    newbie = acc.create_user(op, username="newbie", password="long enough pw", role=Role.AGENT)
    headers = {"authorization": "Bearer " + acc.issue_token(op, newbie.id, "t").secret}
    with client.websocket_connect("/ws/agent", headers=headers) as ws:
        assert ws.receive_json()["code"] == "no_agent_profile"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_a_queue_of_an_unknown_client_account_is_a_404_not_a_500(demo) -> None:
    # Found by tests/web/test_api_fuzz.py: the row failed its foreign key (a 500).
    client, auth = demo
    r = client.post(
        "/api/v1/queues",
        json={"name": "Nowhere", "client_account_id": "nope"},
        headers=auth["admin"],
    )
    assert r.status_code == 404, r.text
    assert r.json()["code"] == "not_found"
