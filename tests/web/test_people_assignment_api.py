"""The API behind the people and audit pages: a person's assignment (name, client scope,
team, site), reactivation, and the audit log's filters shared by the list and the export."""

from __future__ import annotations

import csv
import io

import pytest

from switchdesk.bootstrap import Runtime
from switchdesk.domain.accounts.model import SiteKind
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import AuthenticationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.landing import LANDING
from tests.web.conftest import PASSWORD, Center


def test_hr_moves_a_person_to_a_team_and_site_and_hidden_client_accounts_stay(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    op = Principal.operator("t")
    acc = sqlite_runtime.accounts
    site = acc.create_site(op, "Porto", SiteKind.ON_SITE, "Europe/Lisbon")
    team = acc.create_team(op, "North team", client_account_id=center.north.id)
    both = acc.create_user(
        op,
        username="both",
        password=PASSWORD,
        role=Role.AGENT,
        client_account_ids=[center.north.id, center.blue.id],
    )
    hr = client_for("hr")  # scoped to Northwind only
    answer = hr.put(
        f"/api/v1/users/{both.id}/assignment",
        json={
            "display_name": "Bo Th",
            "client_account_ids": [center.north.id],
            "team_id": team.id,
            "site_id": site.id,
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["display_name"], body["team_id"], body["site_id"]) == ("Bo Th", team.id, site.id)
    # Bluebird, which HR does not see, is still in the scope.
    assert set(body["client_account_ids"]) == {center.north.id, center.blue.id}
    [entry] = acc.audit_entries(op, 1)
    assert entry.action.value == "user.updated"
    assert entry.detail == {"fields": ["display_name", "site_id", "team_id"]}


def test_a_scoped_person_may_not_assign_what_they_do_not_see_nor_every_client_account(
    client_for, center: Center
) -> None:
    hr = client_for("hr")
    agent_id = center.user_ids["agent"]
    other = hr.put(
        f"/api/v1/users/{agent_id}/assignment", json={"client_account_ids": [center.blue.id]}
    )
    assert other.status_code == 404
    assert other.json()["field"] == "client_account_ids"
    everything = hr.put(f"/api/v1/users/{agent_id}/assignment", json={"all_client_accounts": True})
    assert everything.status_code == 403
    blue = hr.put(f"/api/v1/users/{center.user_ids['blue_agent']}/assignment", json={})
    assert blue.status_code == 404  # someone HR does not see does not exist for HR


def test_a_deactivated_person_is_reactivated_and_may_sign_in_again(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    hr = client_for("hr")
    agent_id = center.user_ids["agent"]
    assert hr.post(f"/api/v1/users/{agent_id}/deactivate").json()["active"] is False
    with pytest.raises(AuthenticationFailed):
        sqlite_runtime.accounts.log_in("agent", PASSWORD, "10.0.0.9")
    back = hr.post(f"/api/v1/users/{agent_id}/reactivate")
    assert back.status_code == 200 and back.json()["active"] is True
    lead = client_for("team_leader")
    assert lead.post(f"/api/v1/users/{agent_id}/reactivate").status_code == 403
    assert client_for("agent").get("/api/v1/me").json()["username"] == "agent"


def test_the_audit_list_and_export_take_the_same_filters(client_for, center: Center) -> None:
    admin = client_for("admin")
    client_for("agent")
    client_for("hr")
    listed = admin.get(
        "/api/v1/audit", params={"action": "login.succeeded", "actor": "user:hr", "limit": 5}
    )
    assert listed.status_code == 200
    rows = listed.json()
    assert rows and {(r["action"], r["actor"]) for r in rows} == {("login.succeeded", "user:hr")}
    exported = admin.get(
        "/api/v1/audit/export.csv",
        params={"action": "login.succeeded", "actor": "user:hr", "limit": 5},
    )
    assert exported.status_code == 200
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(line["id"]) for line in lines] == [r["id"] for r in rows]
    client = admin.get("/api/v1/audit", params={"client_account_id": center.north.id}).json()
    assert [r["target"] for r in client] == [f"client_account:{center.north.id}"]
    future = admin.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00"}).json()
    assert future == []
    backwards = admin.get(
        "/api/v1/audit", params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 422


def test_no_landing_page_sends_a_browser_to_the_json_api() -> None:
    hrefs = [f.href for features in LANDING.values() for f in features if f.href]
    assert hrefs and not [h for h in hrefs if h.startswith("/api/v1/")]
