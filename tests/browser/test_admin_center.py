"""In real Chromium: an operations manager configures a queue from the admin page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser


def _sign_in(page, server: DemoServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")


def test_an_operations_manager_adds_a_queue_and_sees_a_bad_expression_refused(
    browser, demo_server: DemoServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, demo_server, "ops")
    page.locator("a[href='/admin/center']").first.click()
    page.wait_for_selector("#center-title")
    assert "Northwind support" in page.inner_text("#queues-table")
    assert "/chat/northwind-chat" in page.inner_text("#channels-table")
    assert "Ana Agent" in page.inner_text("#agents-table")

    form = page.locator("#queue-form")
    form.locator("input[name=name]").fill("Northwind VIP")
    form.locator("input[name=eligibility]").fill("agent.skills.support >=")
    form.locator("button").click()
    page.wait_for_selector("#admin-status.error")
    assert "position" in page.inner_text("#admin-status")

    form.locator("input[name=eligibility]").fill("agent.skills.support >= 4")
    form.locator("input[name=wrap_up_codes]").fill("resolved, escalated")
    with page.expect_navigation():
        form.locator("button").click()
    assert "Northwind VIP" in page.inner_text("#queues-table")
    assert "agent.skills.support &gt;= 4" in page.inner_html("#queues-table")
    context.close()
