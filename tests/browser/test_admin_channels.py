"""In real Chromium: an admin adds an email inbox and a WhatsApp number from the admin page
(by keyboard where it matters), sees their secrets reported missing, edits one, and sees
the server's refusal next to the form; a team leader and an agent reach neither the page
nor the channel API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, serve_demo

pytestmark = pytest.mark.browser

expect: Any = None  # Playwright's auto-waiting assertions, once the browser fixture ran


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    expect = playwright_expect


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo center of this module's own: these tests add channels."""
    with serve_demo(tmp_path_factory.mktemp("channels") / "demo.db") as server:
        yield server


def _sign_in(page: Any, server: DemoServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")


def _channels(page: Any, server: DemoServer) -> dict[str, dict[str, Any]]:
    response = page.request.get(f"{server.url}/api/v1/channels")
    assert response.ok, response.text()
    return {c["slug"]: c for c in response.json()}


def _saved(page: Any, click: Any) -> None:
    with page.expect_navigation():
        click()
    expect(page.locator("#admin-status")).to_have_text(re.compile(r"^Saved"))


def test_an_admin_adds_an_email_and_a_whatsapp_channel_and_edits_one(
    browser: Any, own_server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, own_server, "admin")
    page.goto(f"{own_server.url}/admin/center")
    form = page.locator("#channel-form")
    expect(form.get_by_label("SMTP host", exact=True)).to_be_hidden()

    # Email: the kind chosen by keyboard shows the email fields, and only those.
    form.locator("select[name=kind]").focus()
    form.locator("select[name=kind]").select_option("email")
    expect(form.get_by_label("SMTP host", exact=True)).to_be_visible()
    expect(form.get_by_label("Account SID")).to_be_hidden()
    expect(form.get_by_label("Greeting")).to_be_hidden()
    form.get_by_label("Slug", exact=True).fill("north-mail")
    form.get_by_label("Name", exact=True).fill("Northwind mail")
    form.locator("select[name=queue_id]").select_option(label="Northwind support")
    form.get_by_label("Inbox address").fill("help@northwind.example")
    form.get_by_label("SMTP port", exact=True).fill("70000")
    form.get_by_label("SMTP username").fill("help@northwind.example")
    form.get_by_label("Our domain (Message-IDs)").fill("northwind.example")
    form.get_by_label("IMAP host", exact=True).fill("imap.northwind.example")
    form.get_by_label("Secret name for smtp_password").fill("north_smtp")
    form.get_by_label("Secret name for imap_password").fill("NORTH_IMAP")

    # A refusal is shown next to the form, on the field it names.
    form.get_by_role("button", name="Create channel").press("Enter")
    error = page.locator("#channel-form-error")
    port = form.get_by_label("SMTP port", exact=True)
    expect(error).to_have_text("Not saved: smtp_port is a port number 1 to 65535")
    expect(port).to_be_focused()
    expect(port).to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Control+a")
    page.keyboard.type("587")
    form.get_by_role("button", name="Create channel").press("Enter")
    host = form.get_by_label("SMTP host", exact=True)
    expect(error).to_have_text("Not saved: smtp_host is required")
    expect(host).to_be_focused()
    expect(port).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.type("smtp.northwind.example")
    assert "north-mail" not in _channels(page, own_server)
    _saved(page, lambda: form.get_by_role("button", name="Create channel").click())

    # WhatsApp: the webhook URL to give Meta follows the slug.
    form.locator("select[name=kind]").select_option("whatsapp")
    form.get_by_label("Slug", exact=True).fill("north-wa")
    expect(page.locator("#channel-webhook")).to_have_text(
        re.compile(r"/webhooks/whatsapp/north-wa$")
    )
    form.get_by_label("Name", exact=True).fill("Northwind WhatsApp")
    form.locator("select[name=queue_id]").select_option(label="Northwind support")
    form.get_by_label("Phone number id").fill("106540352242922")
    form.get_by_label("API version").fill("v21.0")
    form.get_by_label("Secret name for app_secret", exact=True).fill("NORTH_WA_APP")
    form.get_by_label("Secret name for verify_token").fill("NORTH_WA_VERIFY")
    form.get_by_label("Secret name for access_token").fill("NORTH_WA_ACCESS")
    _saved(page, lambda: form.get_by_role("button", name="Create channel").click())

    rows = page.locator("[data-testid=channel-row]")
    mail = rows.filter(has_text="Northwind mail")
    wa = rows.filter(has_text="Northwind WhatsApp")
    expect(mail).to_contain_text("help@northwind.example")
    expect(mail).to_contain_text("Northwind support")
    expect(mail.locator("[data-testid=channel-secrets]")).to_contain_text(
        "smtp_password: secret missing (NORTH_SMTP)"
    )
    expect(wa).to_contain_text("whatsapp")
    expect(wa.locator("[data-testid=channel-secrets]")).to_contain_text(
        "app_secret: secret missing (NORTH_WA_APP)"
    )
    expect(wa).to_contain_text("/webhooks/whatsapp/north-wa")
    expect(wa.locator("[data-testid=channel-enabled]")).to_have_text("yes")
    expect(rows.filter(has_text="/chat/northwind-chat")).to_have_count(1)
    stored = _channels(page, own_server)
    assert stored["north-mail"]["settings"] == {
        "smtp_host": "smtp.northwind.example",
        "smtp_port": 587,
        "smtp_starttls": True,
        "smtp_username": "help@northwind.example",
        "our_domain": "northwind.example",
        "imap_host": "imap.northwind.example",
        "imap_port": 993,
        "imap_ssl": True,
    }

    # Edit the WhatsApp number: disabled, a new access token name; slug and kind stay.
    wa.get_by_role("button", name="Edit channel Northwind WhatsApp").click()
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    expect(form.get_by_label("Slug", exact=True)).to_be_disabled()
    expect(form.get_by_label("Phone number id")).to_have_value("106540352242922")
    expect(form.get_by_label("Secret name for app_secret", exact=True)).to_have_value(
        "NORTH_WA_APP"
    )
    form.get_by_label("Enabled", exact=True).uncheck()
    form.get_by_label("Secret name for access_token").fill("NORTH_WA_ACCESS_2")
    _saved(page, lambda: form.get_by_role("button", name="Save channel").click())
    expect(wa.locator("[data-testid=channel-enabled]")).to_have_text("no")
    expect(wa.locator("[data-testid=channel-secrets]")).to_contain_text(
        "access_token: secret missing (NORTH_WA_ACCESS_2)"
    )
    edited = _channels(page, own_server)["north-wa"]
    assert (edited["enabled"], edited["settings"]) == (False, {"api_version": "v21.0"})
    assert edited["secrets"]["access_token"] == {"name": "NORTH_WA_ACCESS_2", "configured": False}
    assert errors == []
    context.close()


@pytest.mark.parametrize("username", ["lead", "agent"])
def test_a_team_leader_or_an_agent_reaches_neither_the_page_nor_the_channel_api(
    browser: Any, own_server: DemoServer, username: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, own_server, username)
    answer = page.goto(f"{own_server.url}/admin/center")
    assert answer is not None and answer.status == 403
    assert page.locator("#channel-form").count() == 0
    assert page.request.get(f"{own_server.url}/api/v1/channels").status == 403
    landing = page.request.get(f"{own_server.url}/").text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', landing)
    assert csrf is not None
    refused = page.request.post(
        f"{own_server.url}/api/v1/channels",
        data={"kind": "sms", "slug": "x", "name": "x", "queue_id": "q", "address": "+1555"},
        headers={"x-csrf-token": csrf.group(1)},
    )
    assert refused.status == 403 and refused.json()["code"] == "permission_denied"
    context.close()
