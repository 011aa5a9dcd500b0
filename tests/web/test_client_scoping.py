"""A user scoped to client accounts never sees another client's data."""

from __future__ import annotations

from tests.web.conftest import Center


def test_scoped_team_leader_lists_only_their_client_account(client_for, center: Center) -> None:
    lead = client_for("team_leader")  # scoped to Northwind
    names = [a["name"] for a in lead.get("/api/v1/client-accounts").json()]
    assert names == ["Northwind"]


def test_another_clients_account_answers_404_like_a_missing_one(client_for, center: Center) -> None:
    lead = client_for("team_leader")
    other = lead.get(f"/api/v1/client-accounts/{center.blue.id}")
    missing = lead.get("/api/v1/client-accounts/does-not-exist")
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"] == "not_found"
    assert lead.get(f"/api/v1/client-accounts/{center.north.id}").status_code == 200


def test_scoped_users_see_only_people_of_their_client_accounts(client_for, center: Center) -> None:
    blue_lead = client_for("blue_lead")
    usernames = {u["username"] for u in blue_lead.get("/api/v1/users").json()}
    assert "blue_agent" in usernames
    assert "agent" not in usernames  # a Northwind agent
    assert "global_exec" not in usernames
    hidden = blue_lead.get(f"/api/v1/users/{center.user_ids['agent']}")
    assert hidden.status_code == 404


def test_teams_of_another_client_are_invisible(client_for, center: Center) -> None:
    admin = client_for("admin")
    north_team = admin.post(
        "/api/v1/teams", json={"name": "North care", "client_account_id": center.north.id}
    )
    assert north_team.status_code == 201
    blue_team = admin.post(
        "/api/v1/teams", json={"name": "Blue sales", "client_account_id": center.blue.id}
    )
    assert blue_team.status_code == 201
    lead = client_for("team_leader")
    assert [t["name"] for t in lead.get("/api/v1/teams").json()] == ["North care"]


def test_an_unscoped_executive_sees_every_client_account(client_for, center: Center) -> None:
    names = {a["name"] for a in client_for("global_exec").get("/api/v1/client-accounts").json()}
    assert names == {"Northwind", "Bluebird"}


def test_a_scoped_manager_cannot_grant_a_client_account_outside_their_scope(
    client_for, center: Center
) -> None:
    hr = client_for("hr")  # HR scoped to Northwind only
    r = hr.post(
        "/api/v1/users",
        json={
            "username": "sneaky",
            "password": "long enough pw",
            "role": "agent",
            "client_account_ids": [center.blue.id],
        },
    )
    assert r.status_code == 404
    ok = hr.post(
        "/api/v1/users",
        json={
            "username": "newhire",
            "password": "long enough pw",
            "role": "agent",
            "client_account_ids": [center.north.id],
        },
    )
    assert ok.status_code == 201, ok.text
