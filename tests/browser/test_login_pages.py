"""In real Chromium: each role signs in and sees its landing page; a wrong password fails."""

from __future__ import annotations

import pytest

from switchdesk.domain.accounts.permissions import Role
from switchdesk.web.landing import ROLE_TITLES
from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser

DEMO_USER_BY_ROLE = {
    Role.AGENT: "agent",
    Role.TEAM_LEADER: "lead",
    Role.QA_ANALYST: "qa",
    Role.TRAINER: "trainer",
    Role.OPERATIONS_MANAGER: "ops",
    Role.EXECUTIVE: "exec",
    Role.HR: "hr",
    Role.ADMIN: "admin",
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_signs_in_and_sees_its_landing_page(
    role: Role, browser, demo_server: DemoServer
) -> None:
    username = DEMO_USER_BY_ROLE[role]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo_server.url}/")
    assert "/login" in page.url  # not signed in yet: sent to sign in
    page.fill("#username", username)
    page.fill("#password", demo_server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")
    assert page.inner_text("#landing-title") == ROLE_TITLES[role]
    assert page.inner_text("#who-role") == role.value
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["sd_session"]["httpOnly"] is True
    if role is Role.ADMIN:
        assert "login.succeeded" in page.inner_text("#audit-table")
    if role is Role.AGENT:
        assert "Not built yet" in page.inner_text("main")
    page.click("text=Sign out")
    page.wait_for_selector("#username")
    context.close()


def test_a_wrong_password_shows_an_error_and_creates_no_session(
    browser, demo_server: DemoServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo_server.url}/login")
    page.fill("#username", "qa")
    page.fill("#password", "definitely-not-it")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error")
    assert page.inner_text("#login-error") == "Invalid username or password."
    assert "sd_session" not in {c["name"] for c in context.cookies()}
    response = page.goto(f"{demo_server.url}/api/v1/me")
    assert response is not None and response.status == 401
    context.close()


def test_the_login_page_loads_nothing_from_other_hosts(browser, demo_server: DemoServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    hosts = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{demo_server.url}/login")
    page.wait_for_load_state("networkidle")
    assert hosts == {demo_server.url.split("/")[2]}
    context.close()
