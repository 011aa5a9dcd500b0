"""The shared inbox over HTTP: filters, client scoping, permissions and refusal codes,
and the SLA targets in the queue API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime
from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.principal import Principal
from tests.web.conftest import sign_in

EMAIL_CAPACITY = {"total": 100, "costs": {"chat": 50, "email": 20, "messaging": 25}}
OP = Principal.operator("t")

Demo = tuple[TestClient, dict[str, dict[str, str]]]


def _queue(runtime: Runtime, name: str) -> str:
    return next(q.id for q in runtime.live.queues(OP) if q.name == name)


@pytest.fixture
def inbox(sqlite_runtime: Runtime, demo: Demo) -> tuple[TestClient, dict[str, Any], str]:
    """The demo center with a Northwind mailbox and one mail waiting in it."""
    client, auth = demo
    live, acc = sqlite_runtime.live, sqlite_runtime.accounts
    channel = live.create_channel(
        OP,
        slug="northwind-mail",
        name="Northwind mail",
        queue_id=_queue(sqlite_runtime, "Northwind support"),
        kind=ChannelKind.EMAIL,
        address="help@northwind.example",
    )
    for name, skills in (("agent", {"support": 4}), ("agent3", {"billing": 4})):
        user = acc.find_user(OP, name)
        live.set_agent_profile(OP, user.id, skills=skills, capacity=EMAIL_CAPACITY)
    mail = InboundMessage(
        channel_id=channel.id,
        sender=Identity(IdentityKind.EMAIL, "zoe@example.org"),
        sender_name="Zoe Example",
        text="My meter reading is wrong",
        external_id="<z1@example.org>",
        received_at=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        subject="Meter",
    )
    live.receive([mail]).result()
    [row] = client.get("/api/v1/inbox", headers=auth["agent"]).json()["items"]
    return client, auth, row["id"]


def test_an_agent_lists_the_inbox_of_their_client_account_only(inbox) -> None:
    client, auth, conv_id = inbox
    page = client.get("/api/v1/inbox", headers=auth["agent"]).json()
    [row] = page["items"]
    assert row["id"] == conv_id and row["status"] == "open" and row["subject"] == "Meter"
    assert row["sla"]["kind"] == "first_response" and row["sla"]["breached"] is False
    assert page["next_cursor"] is None
    assert client.get("/api/v1/inbox", headers=auth["agent2"]).json()["items"] == []  # Bluebird
    assert len(client.get("/api/v1/inbox", headers=auth["qa"]).json()["items"]) == 1
    hr = client.get("/api/v1/inbox", headers=auth["hr"])
    assert hr.status_code == 403


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=open", 1),
        ("status=pending", 0),
        ("status=open,resolved", 1),
        ("channel_kind=email", 1),
        ("channel_kind=sms", 0),
        ("assignee=unassigned", 1),
        ("assignee=me", 0),
        ("breached=true", 0),
        ("breached=false", 1),
        ("queue_id=elsewhere", 0),
    ],
)
def test_the_list_filters(inbox, query: str, count: int) -> None:
    client, auth, _ = inbox
    answer = client.get(f"/api/v1/inbox?{query}", headers=auth["agent"])
    assert answer.status_code == 200
    assert len(answer.json()["items"]) == count


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=closed", "inbox_filter_invalid"),
        ("channel_kind=web_chat", "inbox_filter_invalid"),
        ("cursor=not-a-cursor", "inbox_cursor_invalid"),
    ],
)
def test_bad_filters_are_refused_with_their_code(inbox, query: str, code: str) -> None:
    client, auth, _ = inbox
    answer = client.get(f"/api/v1/inbox?{query}", headers=auth["agent"])
    assert answer.status_code == 422
    assert answer.json()["code"] == code


def test_assign_pending_and_resolve_answer_with_stable_refusal_codes(inbox) -> None:
    client, auth, conv_id = inbox
    url = f"/api/v1/inbox/{conv_id}"
    offline = client.post(f"{url}/assign", json={}, headers=auth["agent"])
    assert offline.status_code == 409 and offline.json()["code"] == "agent_not_eligible"
    client.put("/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent"])
    mine = client.post(f"{url}/assign", json={}, headers=auth["agent"])
    assert mine.status_code == 200 and mine.json()["state"] == "assigned"
    taken = client.post(f"{url}/assign", json={}, headers=auth["agent3"])
    assert taken.status_code == 409 and taken.json()["code"] == "assigned_elsewhere"
    other = client.post(f"{url}/pending", headers=auth["agent3"])
    assert other.status_code == 403 and other.json()["code"] == "not_your_conversation"
    pending = client.post(f"{url}/pending", headers=auth["agent"])
    assert pending.status_code == 200 and pending.json()["status"] == "pending"
    again = client.post(f"{url}/pending", headers=auth["agent"])
    assert again.status_code == 409 and again.json()["code"] == "conversation_state"
    no_code = client.post(f"{url}/resolve", json={}, headers=auth["agent"])
    assert no_code.status_code == 409 and no_code.json()["code"] == "wrap_up_required"
    bad_code = client.post(f"{url}/resolve", json={"code": "nope"}, headers=auth["agent"])
    assert bad_code.status_code == 422 and bad_code.json()["code"] == "wrap_up_code_invalid"
    done = client.post(f"{url}/resolve", json={"code": "resolved"}, headers=auth["agent"])
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    twice = client.post(f"{url}/resolve", json={"code": "resolved"}, headers=auth["agent"])
    assert twice.status_code == 409 and twice.json()["code"] == "conversation_resolved"


def test_only_a_team_leader_assigns_to_someone_else(inbox, sqlite_runtime: Runtime) -> None:
    client, auth, conv_id = inbox
    url = f"/api/v1/inbox/{conv_id}/assign"
    agent3 = sqlite_runtime.accounts.find_user(OP, "agent3").id
    by_agent = client.post(url, json={"agent_id": agent3}, headers=auth["agent"])
    assert by_agent.status_code == 403
    by_qa = client.post(url, json={}, headers=auth["qa"])
    assert by_qa.status_code == 403
    client.put("/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent3"])
    not_eligible = client.post(url, json={"agent_id": agent3}, headers=auth["lead"])
    assert not_eligible.status_code == 409 and not_eligible.json()["code"] == "agent_not_eligible"
    missing = client.post(url, json={"agent_id": "ghost"}, headers=auth["lead"])
    assert missing.status_code == 404 and missing.json()["code"] == "agent_not_found"
    other_client = client.post(url, json={}, headers=auth["agent2"])
    assert other_client.status_code == 404


def test_the_queue_api_takes_the_sla_targets(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    body = {"name": "Mail", "first_response_seconds": 7200, "next_response_seconds": 3600}
    made = client.post("/api/v1/queues", json=body, headers=auth["admin"])
    assert made.status_code == 201
    assert made.json()["first_response_seconds"] == 7200
    assert made.json()["next_response_seconds"] == 3600
    queue = next(q for q in sqlite_runtime.live.queues(OP) if q.name == "Mail")
    assert queue.first_response_seconds == 7200
    plain = client.post("/api/v1/queues", json={"name": "Plain"}, headers=auth["admin"])
    assert plain.json()["first_response_seconds"] is None
    zero = client.post(
        "/api/v1/queues", json={"name": "Bad", "first_response_seconds": 0}, headers=auth["admin"]
    )
    assert zero.status_code == 422


def test_the_inbox_page_is_linked_from_the_desk_and_closed_to_people_without_contacts(
    demo: Demo,
) -> None:
    client, auth = demo
    page = client.get("/inbox", headers=auth["lead"])
    assert page.status_code == 200
    assert 'data-can-assign="true"' in page.text
    agent_page = client.get("/inbox", headers=auth["agent"])
    assert 'data-can-assign="false"' in agent_page.text
    assert client.get("/inbox", headers=auth["hr"]).status_code == 403
    # A person signed in to the desk has the inbox in the navigation.
    sign_in(client, "agent", "demo password 1")
    assert 'href="/inbox" id="nav-inbox"' in client.get("/desk").text
