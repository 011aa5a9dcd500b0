"""The configuration API the admin page drives: not-ready reasons replaced as a list, agent
capacity checked number by number, and reads open to those who configure."""

from __future__ import annotations

import pytest

from switchdesk.bootstrap import Runtime
from switchdesk.usecases.principal import Principal


def _user_id(sqlite_runtime: Runtime, username: str) -> str:
    op = Principal.operator("t")
    return sqlite_runtime.accounts.find_user(op, username).id


def test_putting_not_ready_reasons_replaces_the_list(demo) -> None:
    client, auth = demo
    r = client.put(
        "/api/v1/not-ready-reasons",
        json=[{"code": "break", "label": "Short break"}, {"code": "outage", "label": "Outage"}],
        headers=auth["admin"],
    )
    assert r.status_code == 204, r.text
    listed = client.get("/api/v1/not-ready-reasons", headers=auth["admin"]).json()
    assert listed == [
        {"code": "break", "label": "Short break"},
        {"code": "outage", "label": "Outage"},
    ]
    assert client.get("/api/v1/not-ready-reasons", headers=auth["agent"]).json() == listed
    # A removed reason can no longer be chosen on the desk.
    r = client.put(
        "/api/v1/desk/presence",
        json={"presence": "not_ready", "reason": "lunch"},
        headers=auth["agent"],
    )
    assert r.status_code == 422 and r.json()["code"] == "reason_invalid"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ([], "keep at least one not-ready reason"),
        ([{"code": "a"}, {"code": "b"}, {"code": "a"}], "reason code listed twice: a"),
    ],
)
def test_an_empty_or_repeating_reason_list_is_refused_and_changes_nothing(
    demo, body: list[dict[str, str]], detail: str
) -> None:
    client, auth = demo
    before = client.get("/api/v1/not-ready-reasons", headers=auth["ops"]).json()
    r = client.put("/api/v1/not-ready-reasons", json=body, headers=auth["ops"])
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["detail"]) == ("reasons_invalid", detail)
    assert client.get("/api/v1/not-ready-reasons", headers=auth["ops"]).json() == before


@pytest.mark.parametrize(
    ("capacity", "detail"),
    [
        ({"total": -5}, "capacity total is an integer 1 to 10000"),
        ({"total": 0}, "capacity total is an integer 1 to 10000"),
        ({"total": "lots"}, "capacity total is an integer 1 to 10000"),
        ({"costs": {"chat": 30}}, "capacity total is an integer 1 to 10000"),
        ({"total": 100, "costs": {"chat": 0}}, "cost of 'chat' is an integer 1 to 100"),
        ({"total": 100, "costs": {"voice": 150}}, "cost of 'voice' is an integer 1 to 100"),
        ({"total": 100, "costs": {"chat": 2.5}}, "cost of 'chat' is an integer 1 to 100"),
        ({"total": 100, "maximum": {"chat": -1}}, "maximum of 'chat' is an integer 1 to 1000"),
        ({"total": 100, "costs": []}, "capacity costs maps channel kinds to numbers"),
        (
            {"total": 100, "spare": 1},
            "capacity has a total and optional costs and maximum per channel kind",
        ),
    ],
)
def test_a_bad_capacity_is_refused_with_a_clear_detail_and_changes_nothing(
    demo, sqlite_runtime: Runtime, capacity: dict[str, object], detail: str
) -> None:
    client, auth = demo
    carla = _user_id(sqlite_runtime, "agent3")
    before = client.get("/api/v1/agent-profiles", headers=auth["ops"]).json()
    r = client.put(
        f"/api/v1/agent-profiles/{carla}",
        json={"skills": {"billing": 4}, "capacity": capacity},
        headers=auth["ops"],
    )
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["detail"]) == ("capacity_invalid", detail)
    assert client.get("/api/v1/agent-profiles", headers=auth["ops"]).json() == before


def test_a_good_capacity_is_stored_as_given(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    carla = _user_id(sqlite_runtime, "agent3")
    capacity = {"total": 120, "costs": {"chat": 40, "voice": 120}, "maximum": {"chat": 2}}
    r = client.put(
        f"/api/v1/agent-profiles/{carla}",
        json={"skills": {"billing": 5}, "languages": ["en"], "capacity": capacity},
        headers=auth["admin"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["capacity"] == capacity
    stored = {
        p["user_id"]: p for p in client.get("/api/v1/agent-profiles", headers=auth["admin"]).json()
    }
    assert stored[carla]["capacity"] == capacity
    assert stored[carla]["attributes"]["skills"] == {"billing": 5}


def test_those_who_configure_can_read_queues_and_reasons_and_others_cannot(demo) -> None:
    client, auth = demo
    for who in ("admin", "ops", "agent"):
        assert client.get("/api/v1/queues", headers=auth[who]).status_code == 200, who
        assert client.get("/api/v1/not-ready-reasons", headers=auth[who]).status_code == 200, who
    r = client.get("/api/v1/not-ready-reasons", headers=auth["qa"])
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert "routing.configure" in r.json()["detail"]
    for method, path in [
        ("PUT", "/api/v1/not-ready-reasons"),
        ("GET", "/api/v1/agent-profiles"),
        ("GET", "/admin/center"),
    ]:
        r = client.request(method, path, json=[{"code": "nap"}], headers=auth["agent"])
        assert r.status_code == 403, (method, path)


def test_the_openapi_document_names_every_permission_that_opens_a_read(demo) -> None:
    client, auth = demo
    schema = client.get("/api/openapi.json", headers=auth["admin"]).json()
    assert (
        schema["paths"]["/api/v1/not-ready-reasons"]["get"]["x-permission"]
        == "routing.configure | conversations.handle"
    )
    assert schema["paths"]["/api/v1/not-ready-reasons"]["put"]["x-permission"] == (
        "routing.configure"
    )
