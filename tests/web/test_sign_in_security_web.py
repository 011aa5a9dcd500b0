"""Sign-in security over HTTP: Retry-After, trusted proxies, unlock, reset links, the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.accounts.model import AuditAction
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from switchdesk.web.client_address import forwarded_client
from tests.conftest import FAST_HASHER
from tests.web.conftest import PASSWORD, Center, sign_in

OP = Principal.operator("t")


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """The web tests' runtime, but a throttled sign-in waits ten minutes: no test here,
    however slow the machine, outlives the wait it checks."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", login_delay_seconds=600.0)
    migrate(settings)
    runtime = build_runtime(settings, hasher=FAST_HASHER)
    yield runtime
    runtime.close()


def _form_token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _fail_sign_in(client: TestClient, username: str, headers: dict[str, str] | None = None) -> int:
    r = client.post(
        "/login",
        data={"username": username, "password": "bad-password", "csrf_token": _form_token(client)},
        headers=headers or {},
    )
    return r.status_code


def test_a_throttled_sign_in_says_how_long_to_wait_and_sends_retry_after(
    app_client: TestClient, center: Center
) -> None:
    for _ in range(5):
        assert _fail_sign_in(app_client, "agent") == 401
    r = app_client.post(
        "/login",
        data={"username": "agent", "password": PASSWORD, "csrf_token": _form_token(app_client)},
    )
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert "Try again in" in r.text


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(
    sqlite_runtime: Runtime, center: Center
) -> None:
    sqlite_runtime.settings = sqlite_runtime.settings.model_copy(
        update={"trusted_proxies": [ip_network("10.0.0.5")]}
    )
    app = create_app(sqlite_runtime)
    forwarded = {"x-forwarded-for": "198.51.100.1, 203.0.113.7"}
    with TestClient(app, client=("10.0.0.5", 4000)) as via_proxy:
        _fail_sign_in(via_proxy, "agent", forwarded)
    with TestClient(app, client=("192.0.2.9", 4000)) as direct:
        _fail_sign_in(direct, "agent", forwarded)
    entries = sqlite_runtime.accounts.audit_entries(OP, 10, AuditAction.LOGIN_FAILED)
    assert [e.source for e in entries] == ["192.0.2.9", "203.0.113.7"]


def test_forwarded_addresses_are_walked_back_through_trusted_proxies_only() -> None:
    proxies = [ip_network("10.0.0.0/8")]
    assert forwarded_client("10.0.0.5", ["1.2.3.4, 10.1.1.1"], proxies) == "1.2.3.4"
    assert forwarded_client("10.0.0.5", ["6.6.6.6", "1.2.3.4"], proxies) == "1.2.3.4"
    assert forwarded_client("8.8.8.8", ["1.2.3.4"], proxies) == "8.8.8.8"
    assert forwarded_client("10.0.0.5", [], proxies) == "10.0.0.5"


def test_an_admin_lists_unlocks_and_gives_a_reset_link_through_the_api(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    with TestClient(create_app(sqlite_runtime)) as anonymous:
        for _ in range(6):
            _fail_sign_in(anonymous, "agent")
    admin = client_for("admin")
    throttled = admin.get("/api/v1/sign-in/throttled")
    assert throttled.status_code == 200
    [row] = throttled.json()
    assert row["user"]["username"] == "agent" and row["failures"] >= 5
    agent_id = center.user_ids["agent"]
    assert admin.post(f"/api/v1/users/{agent_id}/unlock").json()["username"] == "agent"
    assert admin.get("/api/v1/sign-in/throttled").json() == []
    link = admin.post(f"/api/v1/users/{agent_id}/password-reset")
    assert link.status_code == 201
    assert re.fullmatch(r"http://testserver/password-reset\?token=[\w-]+", link.json()["url"])


def test_an_agent_may_neither_unlock_nor_make_reset_links(client_for, center: Center) -> None:
    agent = client_for("agent")
    admin_id = center.user_ids["admin"]
    assert agent.post(f"/api/v1/users/{admin_id}/unlock").status_code == 403
    assert agent.post(f"/api/v1/users/{admin_id}/password-reset").status_code == 403
    assert agent.get("/api/v1/sign-in/throttled").status_code == 403


def test_a_reset_link_opens_a_page_that_sets_the_password_once(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    admin = client_for("admin")
    url = admin.post(f"/api/v1/users/{center.user_ids['agent']}/password-reset").json()["url"]
    path = url.removeprefix("http://testserver")
    with TestClient(create_app(sqlite_runtime)) as person:
        page = person.get(path)
        assert page.status_code == 200 and "agent" in page.text
        token = path.split("token=", 1)[1]
        differ = person.post(
            "/password-reset",
            data={
                "token": token,
                "password": "my new password",
                "confirm": "my new passwort",
                "csrf_token": _form_token(person, path),
            },
        )
        assert differ.status_code == 422 and "differ" in differ.text
        done = person.post(
            "/password-reset",
            data={
                "token": token,
                "password": "my new password",
                "confirm": "my new password",
                "csrf_token": _form_token(person, path),
            },
        )
        assert done.status_code == 200 and "Your new password is set" in done.text
        assert person.get(path).status_code == 404
        sign_in(person, "agent", "my new password")


def test_the_sign_in_security_page_lists_a_throttled_user_and_unlocks_them(
    client_for, center: Center, sqlite_runtime: Runtime
) -> None:
    with TestClient(create_app(sqlite_runtime)) as anonymous:
        for _ in range(5):
            _fail_sign_in(anonymous, "agent")
    admin = client_for("admin")
    page = admin.get("/admin/sign-in")
    assert page.status_code == 200
    assert 'data-username="agent"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    unlocked = admin.post(
        "/admin/sign-in/unlock",
        data={"user_id": center.user_ids["agent"], "csrf_token": csrf.group(1)},
        headers={"x-csrf-token": ""},
    )
    assert unlocked.status_code == 200
    assert "agent may sign in again right away" in unlocked.text
    assert 'data-username="agent"' not in unlocked.text
    link = admin.post(
        "/admin/sign-in/reset-link",
        data={"user_id": center.user_ids["agent"], "csrf_token": csrf.group(1)},
        headers={"x-csrf-token": ""},
    )
    assert re.search(
        r'id="reset-link-url" readonly value="http://testserver/password-reset\?token=', link.text
    )
