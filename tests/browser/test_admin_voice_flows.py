"""In real Chromium: an operations manager opens the IVR flows page from the center page,
checks a flow and sees the bad node named, fixes it, saves version 1, then an edit saves
version 2, and adds a voice channel that answers with it; an agent does not reach the
page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, serve_demo
from tests.domain.voice.sample_flow import sample_flow

pytestmark = pytest.mark.browser

expect: Any = None


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    expect = playwright_expect


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo center of this module's own: these tests store flows."""
    with serve_demo(tmp_path_factory.mktemp("flows") / "demo.db") as server:
        yield server


def _sign_in(page: Any, server: DemoServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")


def _flow() -> dict[str, Any]:
    """The sample flow without its external transfer (the demo server allows none)."""
    flow = sample_flow()
    del flow["nodes"]["partner"]
    del flow["nodes"]["main"]["options"]["3"]
    return flow


def test_an_operations_manager_checks_fixes_and_saves_versions_of_a_flow(
    browser: Any, own_server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, own_server, "ops")
    page.goto(f"{own_server.url}/admin/center")
    page.click("#voice-flows-link")
    expect(page.locator("#flows-title")).to_have_text("IVR flows")
    broken = _flow()
    broken["nodes"]["main"]["options"]["2"]["next"] = "nowhere"
    page.fill("#flow-document", json.dumps(broken))
    page.click("#flow-check")
    expect(page.locator("#flow-problems li[data-node=main]")).to_contain_text("next_unknown")
    expect(page.locator("#flow-status")).to_have_text(re.compile("problem"))
    page.click("#flow-save")  # refused: nothing stored
    expect(page.locator("#flow-status")).to_have_text(re.compile("^Not saved"))
    page.fill("#flow-document", json.dumps(_flow()))
    page.click("#flow-check")
    expect(page.locator("#flow-status")).to_have_text("The flow is valid.")
    expect(page.locator("#flow-problems li")).to_have_count(0)
    page.click("#flow-save")
    expect(page.locator("#flow-status")).to_have_text("Saved support-line version 1.")
    page.reload()
    row = page.locator("[data-testid=flow-row]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("support-line")
    page.click("[data-edit-flow=support-line]")
    expect(page.locator("#flow-status")).to_have_text("Editing support-line version 1.")
    edited = json.loads(page.input_value("#flow-document"))
    edited["nodes"]["bye"]["prompt"] = "Thank you for calling."
    page.fill("#flow-document", json.dumps(edited))
    page.keyboard.press("Tab")
    page.click("#flow-save")
    expect(page.locator("#flow-status")).to_have_text("Saved support-line version 2.")
    context.close()


def test_an_agent_does_not_reach_the_flows_page(browser: Any, own_server: DemoServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, own_server, "agent")
    answer = page.goto(f"{own_server.url}/admin/voice-flows")
    assert answer is not None and answer.status == 403
    context.close()


def test_an_operations_manager_adds_a_voice_channel_with_its_webhook_urls(
    browser: Any, own_server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, own_server, "ops")
    page.goto(f"{own_server.url}/admin/center")
    form = page.locator("#channel-form")
    form.locator("select[name=kind]").select_option("voice")
    form.get_by_label("Slug", exact=True).fill("north-line")
    expect(page.locator("#channel-webhook")).to_have_text(
        re.compile(r"/webhooks/voice/north-line$")
    )
    form.get_by_label("Name", exact=True).fill("Northwind phone line")
    form.locator("select[name=queue_id]").select_option(label="Northwind support")
    form.get_by_label("Our number").fill("+15557654321")
    form.get_by_label("IVR flow name").fill("support-line")
    form.get_by_label("Agent leg").fill("sip:{agent_id}@pbx.example.net")
    form.get_by_label("Offer a callback while waiting").check()
    form.get_by_label("Secret name for auth_token", exact=True).fill("NORTH_TWILIO")
    with page.expect_navigation():
        form.get_by_role("button", name="Create channel").click()
    expect(page.locator("#admin-status")).to_have_text(re.compile(r"^Saved"))
    row = page.locator("[data-testid=channel-row]").filter(has_text="Northwind phone line")
    expect(row).to_contain_text("/webhooks/voice/north-line")
    expect(row).to_contain_text("/webhooks/voice-status/north-line")
    stored = page.request.get(f"{own_server.url}/api/v1/channels").json()
    line = next(c for c in stored if c["slug"] == "north-line")
    assert line["kind"] == "voice" and line["settings"] == {
        "flow": "support-line",
        "agent_dial": "sip:{agent_id}@pbx.example.net",
        "offer_callback": True,
    }
    context.close()
