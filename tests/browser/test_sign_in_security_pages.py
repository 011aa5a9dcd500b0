"""In real Chromium: a throttled user, unlocked and given a reset link by an admin, sets a
new password; errors show pages, signed-out pages send people to sign in."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_an_admin_gives_a_throttled_user_a_reset_link_that_sets_a_new_password(
    browser, demo_server: DemoServer
) -> None:
    url = demo_server.url
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    _sign_in(admin, url, "admin", demo_server.password("admin"))
    admin.wait_for_selector("#landing-title")
    csrf = admin.locator("input[name=csrf_token]").first.input_value()
    made = admin_context.request.post(
        f"{url}/api/v1/users",
        data={"username": "resetme", "password": "first password", "role": "agent"},
        headers={"x-csrf-token": csrf},
    )
    assert made.status == 201, made.text()

    person_context = browser.new_context()
    person = person_context.new_page()
    for _ in range(5):
        _sign_in(person, url, "resetme", "not the password")
        person.wait_for_selector("#login-error")
    # (How long the next attempt waits is checked in tests/web: two seconds may pass here.)

    admin.goto(f"{url}/admin/sign-in")
    row = admin.locator('tr[data-username="resetme"]')
    assert "5" in row.inner_text()
    row.get_by_role("button", name="Create reset link for resetme").click()
    link = admin.locator("#reset-link-url").input_value()
    assert "/password-reset?token=" in link

    person.goto(link)
    assert person.inner_text("#reset-username") == "resetme"
    person.fill("#password", "a new long password")
    person.fill("#confirm", "a new long password")
    person.click("button[type=submit]")
    person.wait_for_selector("#reset-done")
    person.click("#reset-sign-in")
    person.fill("#username", "resetme")
    person.fill("#password", "a new long password")
    person.click("button[type=submit]")
    person.wait_for_selector("#landing-title")
    person.goto(link)
    assert "not valid" in person.inner_text("#reset-error")
    admin_context.close()
    person_context.close()


def test_a_browser_gets_pages_for_errors_and_is_sent_to_sign_in_for_the_api_docs(
    browser, demo_server: DemoServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    answer = page.goto(f"{demo_server.url}/chat/nope")
    assert answer is not None and answer.status == 404
    assert page.inner_text("h1") == "Nothing here"
    page.click("#error-home")
    page.wait_for_selector("#username")
    page.goto(f"{demo_server.url}/api/docs")
    assert page.url.endswith("/login?next=/api/docs")
    page.fill("#username", "agent")
    page.fill("#password", demo_server.password("agent"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server.url}/api/docs")
    answer = page.goto(f"{demo_server.url}/admin/center")
    assert answer is not None and answer.status == 403
    assert page.inner_text("h1") == "You may not open this page"
    context.close()
