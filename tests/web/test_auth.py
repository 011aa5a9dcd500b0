"""Browser sign-in: sessions, cookies, CSRF, rate limits, and errors that reveal nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from switchdesk.adapters.db import tables
from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.accounts.model import AuditAction
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER
from tests.web.conftest import PASSWORD, Center, sign_in


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """The web tests' runtime, but a throttled sign-in waits ten minutes: no test here,
    however slow the machine, outlives the wait it checks."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", login_delay_seconds=600.0)
    migrate(settings)
    runtime = build_runtime(settings, hasher=FAST_HASHER)
    yield runtime
    runtime.close()


def _form_token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _form(username: str, password: str, client: TestClient) -> dict[str, str]:
    return {"username": username, "password": password, "csrf_token": _form_token(client)}


def _sessions(runtime: Runtime) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.sessions)).scalar_one())


def test_sign_in_sets_an_httponly_samesite_session_cookie_and_lands_on_the_role_page(
    app_client: TestClient, center: Center
) -> None:
    token = _form_token(app_client)
    response = app_client.post(
        "/login",
        data={"username": "agent", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "sd_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    landing = app_client.get("/")
    assert landing.status_code == 200
    assert "Agent desk" in landing.text
    assert "Not built yet" in landing.text


def test_wrong_password_shows_an_error_and_creates_no_session(
    app_client: TestClient, center: Center, sqlite_runtime: Runtime
) -> None:
    token = _form_token(app_client)
    response = app_client.post(
        "/login", data={"username": "agent", "password": "wrong-password", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Invalid username or password." in response.text
    assert "sd_session" not in response.headers.get("set-cookie", "")
    assert _sessions(sqlite_runtime) == 0
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_unknown_user_gets_exactly_the_same_answer_as_a_wrong_password(
    app_client: TestClient, center: Center
) -> None:
    wrong = app_client.post(
        "/login",
        data={
            "username": "agent",
            "password": "nope-nope-nope",
            "csrf_token": _form_token(app_client),
        },
    )
    unknown = app_client.post(
        "/login",
        data={
            "username": "nobody",
            "password": "nope-nope-nope",
            "csrf_token": _form_token(app_client),
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(wrong.text) == strip(unknown.text.replace("nobody", "agent"))


def test_sign_in_without_the_form_csrf_token_is_refused(
    app_client: TestClient, center: Center, sqlite_runtime: Runtime
) -> None:
    app_client.get("/login")
    response = app_client.post(
        "/login", data={"username": "agent", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert _sessions(sqlite_runtime) == 0


def test_repeated_failures_are_rate_limited_even_with_the_right_password(
    app_client: TestClient, center: Center
) -> None:
    for _ in range(5):
        r = app_client.post(
            "/login",
            data={
                "username": "agent",
                "password": "bad-password",
                "csrf_token": _form_token(app_client),
            },
        )
        assert r.status_code == 401
    blocked = app_client.post(
        "/login",
        data={"username": "agent", "password": PASSWORD, "csrf_token": _form_token(app_client)},
    )
    assert blocked.status_code == 429
    assert "Too many" in blocked.text
    # The same limit applies to a name that does not exist: nothing is revealed.
    for _ in range(5):
        app_client.post(
            "/login",
            data={
                "username": "ghost",
                "password": "bad-password",
                "csrf_token": _form_token(app_client),
            },
        )
    ghost = app_client.post(
        "/login",
        data={
            "username": "ghost",
            "password": "bad-password",
            "csrf_token": _form_token(app_client),
        },
    )
    assert ghost.status_code == 429


def test_failed_and_successful_sign_ins_are_audited(
    app_client: TestClient, center: Center, sqlite_runtime: Runtime
) -> None:
    app_client.post(
        "/login",
        data={
            "username": "agent",
            "password": "bad-password",
            "csrf_token": _form_token(app_client),
        },
    )
    sign_in(app_client, "agent")
    entries = sqlite_runtime.accounts.audit_entries(Principal.operator("t"), 10)
    actions = [e.action for e in entries]
    assert AuditAction.LOGIN_FAILED in actions
    assert AuditAction.LOGIN_SUCCEEDED in actions
    failed = next(e for e in entries if e.action is AuditAction.LOGIN_FAILED)
    assert failed.target == "agent"
    assert failed.source  # the client address
    assert "bad-password" not in str(entries)


def test_passwords_are_stored_as_argon2id_hashes(sqlite_runtime: Runtime, center: Center) -> None:
    with sqlite_runtime.engine.connect() as conn:
        hashes = conn.execute(select(tables.users.c.password_hash)).scalars().all()
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_session_post_without_csrf_header_is_refused(client_for, center: Center) -> None:
    admin = client_for("admin")
    del admin.headers["x-csrf-token"]
    response = admin.post("/api/v1/client-accounts", json={"name": "Contoso"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_sign_out_ends_the_session(client_for, center: Center, sqlite_runtime: Runtime) -> None:
    agent = client_for("agent")
    assert agent.get("/api/v1/me").status_code == 200
    token = agent.headers["x-csrf-token"]
    response = agent.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert agent.get("/api/v1/me").status_code == 401
    assert _sessions(sqlite_runtime) == 0


def test_role_change_ends_the_users_sessions(client_for, center: Center) -> None:
    agent = client_for("agent")
    admin = client_for("admin")
    r = admin.put(f"/api/v1/users/{center.user_ids['agent']}/role", json={"role": "trainer"})
    assert r.status_code == 200
    assert r.json()["role"] == "trainer"
    assert agent.get("/api/v1/me").status_code == 401


def test_next_parameter_never_redirects_to_another_site(
    app_client: TestClient, center: Center
) -> None:
    token = _form_token(app_client)
    response = app_client.post(
        "/login",
        data={
            "username": "agent",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/phish",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_every_page_names_an_icon_the_server_serves(app_client: TestClient) -> None:
    page = app_client.get("/login")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page.text)
    assert icon is not None
    answer = app_client.get(icon.group(1))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
