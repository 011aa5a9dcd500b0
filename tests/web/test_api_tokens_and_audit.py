"""API tokens (shown once, hashed, revocable) and the audit log."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from switchdesk.adapters.db import tables
from switchdesk.bootstrap import Runtime
from switchdesk.web.app import create_app
from tests.web.conftest import Center


def test_a_token_is_shown_once_stored_hashed_works_and_stops_when_revoked(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    admin = client_for("admin")
    issued = admin.post(
        "/api/v1/tokens", json={"user_id": center.user_ids["team_leader"], "name": "crm sync"}
    )
    assert issued.status_code == 201
    secret = issued.json()["secret"]
    token_id = issued.json()["id"]
    assert secret.startswith("sdt_")
    listed = admin.get("/api/v1/tokens").json()
    assert all("secret" not in t for t in listed)
    with sqlite_runtime.engine.connect() as conn:
        stored = conn.execute(select(tables.api_tokens.c.token_hash)).scalars().all()
    assert secret not in stored and len(stored) == 1

    with TestClient(create_app(sqlite_runtime)) as integration:
        auth = {"authorization": f"Bearer {secret}"}
        me = integration.get("/api/v1/me", headers=auth)
        assert me.status_code == 200
        assert me.json()["username"] == "team_leader"
        assert me.json()["via"] == "token"
        # A token acts with its user's role: a team leader may not read the audit log.
        assert integration.get("/api/v1/audit", headers=auth).status_code == 403
        # Bearer calls need no CSRF token.
        assert integration.get("/api/v1/client-accounts", headers=auth).status_code == 200

        assert admin.delete(f"/api/v1/tokens/{token_id}").json()["active"] is False
        after = integration.get("/api/v1/me", headers=auth)
        assert after.status_code == 401
        assert after.json()["code"] == "authentication_failed"
        bogus = integration.get("/api/v1/me", headers={"authorization": "Bearer sdt_nope"})
        assert bogus.status_code == 401


def test_security_actions_land_in_the_audit_log_with_who_what_when(
    client_for, center: Center
) -> None:
    admin = client_for("admin")
    issued = admin.post("/api/v1/tokens", json={"user_id": center.user_ids["agent"], "name": "x"})
    admin.delete(f"/api/v1/tokens/{issued.json()['id']}")
    admin.put(f"/api/v1/users/{center.user_ids['agent']}/role", json={"role": "qa_analyst"})
    export = admin.get("/api/v1/audit/export.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    actions = [r["action"] for r in rows]
    for action in (
        "login.succeeded",
        "token.issued",
        "token.revoked",
        "role.changed",
        "user.created",
    ):
        assert action in actions, action
    role_change = next(r for r in rows if r["action"] == "role.changed")
    assert role_change["actor"] == "user:admin"
    assert role_change["target"] == "user:agent"
    assert '"to": "qa_analyst"' in role_change["detail"]
    assert role_change["at"]
    entries = admin.get("/api/v1/audit?action=data.exported").json()
    assert len(entries) == 1 and entries[0]["actor"] == "user:admin"


def test_the_audit_log_cannot_be_changed_or_deleted_in_the_database(
    sqlite_runtime: Runtime, center: Center
) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with sqlite_runtime.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))


def test_the_openapi_document_lists_each_operations_permission(client_for, center: Center):
    admin = client_for("admin")
    schema = admin.get("/api/openapi.json").json()
    assert schema["paths"]["/api/v1/users"]["get"]["x-permission"] == "users.read"
    assert schema["paths"]["/api/v1/users"]["post"]["x-permission"] == "users.manage"
    assert schema["paths"]["/healthz"]["get"]["x-permission"] == "public"
    page = admin.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/tokens" in page.text and "tokens.manage" in page.text
    assert "cdn" not in page.text.lower()


def test_health_and_readiness(app_client: TestClient) -> None:
    assert app_client.get("/healthz").json()["status"] == "ok"
    ready = app_client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_readiness_fails_on_an_unmigrated_database(tmp_path) -> None:
    from switchdesk.bootstrap import build_runtime
    from switchdesk.config import Settings

    rt = build_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    with TestClient(create_app(rt)) as client:
        r = client.get("/readyz")
    assert r.status_code == 503
    assert "db upgrade" in r.json()["detail"]


def test_every_response_carries_the_security_headers(app_client: TestClient) -> None:
    for path in ("/login", "/healthz", "/api/v1/users"):
        headers = app_client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
