"""The supervisor's agent-state route over HTTP: who may call it, what it answers and
refuses, and the audit entry it leaves."""

from __future__ import annotations

from switchdesk.usecases.principal import Principal


def test_a_team_leader_sets_an_agents_state_and_signs_them_out_and_it_is_audited(
    demo, sqlite_runtime
) -> None:
    client, auth = demo
    rows = client.get("/api/v1/live/overview", headers=auth["lead"]).json()
    ana = next(a["id"] for a in rows["agents"] if a["name"] == "Ana Agent")
    assert {"code": "break", "label": "Break"} in rows["reasons"]
    url = f"/api/v1/live/agents/{ana}/presence"
    r = client.put(url, json={"presence": "not_ready", "reason": "break"}, headers=auth["lead"])
    assert r.status_code == 200, r.text
    assert (r.json()["presence"], r.json()["reason"]) == ("not_ready", "break")
    r = client.put(url, json={"presence": "offline"}, headers=auth["lead"])
    assert r.json()["presence"] == "offline"
    entries = sqlite_runtime.accounts.audit_entries(Principal.operator("t"), limit=5)
    mine = [e for e in entries if e.action.value == "agent.presence_set"]
    assert [(e.target, e.detail["presence"], e.detail["previous"]["presence"]) for e in mine] == [
        (f"agent:{ana}", "offline", "not_ready"),
        (f"agent:{ana}", "not_ready", "offline"),
    ]


def test_the_agent_state_route_refuses_agents_strangers_and_bad_states(demo) -> None:
    client, auth = demo
    rows = client.get("/api/v1/live/overview", headers=auth["ops"]).json()["agents"]
    ana = next(a["id"] for a in rows if a["name"] == "Ana Agent")
    ben = next(a["id"] for a in rows if a["name"] == "Ben Agent")  # Bluebird's
    url = f"/api/v1/live/agents/{ana}/presence"
    assert client.put(url, json={"presence": "available"}, headers=auth["agent"]).status_code == 403
    assert client.put(url, json={"presence": "available"}, headers=auth["qa"]).status_code == 403
    stranger = client.put(
        f"/api/v1/live/agents/{ben}/presence", json={"presence": "offline"}, headers=auth["lead"]
    )
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    bad = client.put(url, json={"presence": "asleep"}, headers=auth["lead"])
    assert (bad.status_code, bad.json()["code"]) == (422, "presence_invalid")
    no_reason = client.put(url, json={"presence": "not_ready"}, headers=auth["lead"])
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "reason_invalid")
