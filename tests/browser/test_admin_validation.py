"""In real Chromium, on /admin/center: the server's refusals of what would never work (a rule
on an unknown attribute, a second queue of a name, a code with spaces, a reason with no
label) shown in words naming the queue; wrap-up codes read as their labels; queues and
channels deleted, or refused while something needs them; a channel disabled from its edit
form; and an agent-profile form that edits nobody until someone is chosen."""

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
    """A demo center of this module's own: these tests delete queues and channels."""
    with serve_demo(tmp_path_factory.mktemp("adminval") / "demo.db") as server:
        yield server


def _open(browser: Any, server: DemoServer, username: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")
    page.goto(f"{server.url}/admin/center")
    page.wait_for_selector("#center-title")
    return context, page, errors


def _api(page: Any, server: DemoServer, path: str) -> Any:
    response = page.request.get(f"{server.url}{path}")
    assert response.ok, response.text()
    return response.json()


def _refused(page: Any, text: str) -> None:
    expect(page.locator("#admin-status.error")).to_contain_text(text)


def test_an_operations_manager_is_told_in_words_what_would_never_route(
    browser: Any, own_server: DemoServer
) -> None:
    context, page, errors = _open(browser, own_server, "ops")
    before = _api(page, own_server, "/api/v1/queues")
    form = page.locator("#queue-form")
    submit = form.locator("button[type=submit]")

    form.locator("input[name=name]").fill("Northwind VIP")
    form.locator("select[name=client_account_id]").select_option(label="Northwind Energy")
    form.locator("input[name=eligibility]").fill("agent.skils.support >= 1")
    submit.click()
    _refused(page, "Not saved: queue 'Northwind VIP' eligibility: unknown attribute 'agent.skils'")
    _refused(page, "known here: client_accounts, id, languages, role, site, skills, team")

    form.locator("input[name=eligibility]").fill("agent.skills.support >=")
    submit.click()
    _refused(page, "Not saved: queue 'Northwind VIP' eligibility: expected a value")

    form.locator("input[name=eligibility]").fill("agent.skills.support >= 4")
    form.locator("input[name=name]").fill("northwind SUPPORT")
    submit.click()
    _refused(page, "a queue named 'Northwind support' exists already in this client account")

    form.locator("input[name=name]").fill("Northwind VIP")
    form.locator("input[name=wrap_up_codes]").fill("needs follow up=Needs follow-up")
    submit.click()
    _refused(page, "wrap-up code 'needs follow up': use lowercase letters, digits, '-' or '_'")
    assert _api(page, own_server, "/api/v1/queues") == before
    expect(form.locator("input[name=name]")).to_have_attribute("maxlength", "80")

    # A skill nobody has yet is saved, and said: on saving and on the queue's row.
    form.locator("input[name=eligibility]").fill("agent.skills.vip >= 1")
    form.locator("input[name=wrap_up_codes]").fill("won=Customer kept, lost")
    with page.expect_navigation():
        submit.click()
    expect(page.locator("#admin-status")).to_have_text(
        "Saved: New queue. Note: no agent has the skill 'vip' yet: the queue routes once one does."
    )
    vip = page.locator("[data-testid=queue-row]", has_text="Northwind VIP")
    expect(vip.locator("[data-testid=queue-warning]")).to_have_text(
        "no agent has the skill 'vip' yet: the queue routes once one does"
    )
    # Wrap-up codes read as their labels (the code is the tooltip).
    expect(vip.locator("[data-testid=wrap-up-codes]")).to_have_text("Customer kept, lost")
    support = page.locator("[data-testid=queue-row]", has_text="Northwind support")
    expect(support.locator("[data-testid=wrap-up-codes]")).to_have_text(
        "Resolved, Needs follow-up, Not resolved, Spam (required)"
    )
    assert support.locator("[title='code: follow_up']").inner_text() == "Needs follow-up"

    # Reasons: a code with a space, then one with no label.
    page.click("#add-reason")
    page.fill("[aria-label='New reason code']", "coffee break")
    page.fill("[aria-label='New reason label']", "Coffee")
    page.click("#reasons-form button[type=submit]")
    _refused(page, "Not saved: reason code 'coffee break': use lowercase letters")
    page.fill("[aria-label='New reason code']", "coffee")
    page.fill("[aria-label='New reason label']", "")
    page.click("#reasons-form button[type=submit]")
    _refused(page, "Not saved: give a label (what agents read) to the reason 'coffee'")
    assert "coffee" not in {r["code"] for r in _api(page, own_server, "/api/v1/not-ready-reasons")}
    assert errors == []
    context.close()


def test_queues_and_channels_are_deleted_only_when_nothing_needs_them(
    browser: Any, own_server: DemoServer
) -> None:
    context, page, errors = _open(browser, own_server, "ops")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)

    def row(name: str) -> Any:  # the queue's own row, not those escalating to it
        return page.locator(f"[data-testid=queue-row]:has(td:first-child:text-is('{name}'))")

    page.click("[aria-label='Delete queue Northwind support']")
    _refused(page, "Not deleted: queue 'Northwind support' is used by channel 'Northwind Energy'")
    assert asked == ["Delete queue Northwind support? This cannot be undone."]
    page.click("[aria-label='Delete queue Northwind escalations']")
    _refused(page, "queue 'Northwind support' (escalates to it)")
    expect(row("Northwind escalations")).to_have_count(1)

    # Cancelled in the dialog: nothing is sent.
    page.remove_listener("dialog", answer)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[aria-label='Delete queue Northwind billing']")
    expect(row("Northwind billing")).to_have_count(1)
    page.on("dialog", answer)

    with page.expect_navigation():
        page.click("[aria-label='Delete queue Northwind billing']")
    expect(page.locator("#admin-status")).to_have_text("Deleted: queue Northwind billing.")
    expect(row("Northwind billing")).to_have_count(0)
    assert "Northwind billing" not in {q["name"] for q in _api(page, own_server, "/api/v1/queues")}
    # Gone from the escalation menu and the channel form's queue menu as well.
    assert "Northwind billing" not in page.inner_text(
        "#queue-form select[name=escalation_queue_id]"
    )

    # A channel is edited (disabled) from its row, then deleted.
    channel_row = page.locator("[data-testid=channel-row]", has_text="Bluebird Telecom")
    page.click("[aria-label='Edit channel Bluebird Telecom']")
    channel_form = page.locator("#channel-form")
    expect(page.locator("#channel-form-title")).to_have_text("Edit channel Bluebird Telecom")
    channel_form.locator("input[name=enabled]").uncheck()
    channel_form.locator("input[name=name]").fill("Bluebird Telecom (old)")
    with page.expect_navigation():
        channel_form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status")).to_have_text(re.compile(r"^Saved"))
    expect(channel_row.locator("[data-testid=channel-enabled]")).to_have_text("no")
    with page.expect_navigation():
        page.click("[aria-label='Delete channel Bluebird Telecom (old)']")
    expect(page.locator("#admin-status")).to_have_text("Deleted: channel Bluebird Telecom (old).")
    expect(page.locator("[data-testid=channel-row]", has_text="Bluebird")).to_have_count(0)
    assert "bluebird-chat" not in {c["slug"] for c in _api(page, own_server, "/api/v1/channels")}
    assert page.goto(f"{own_server.url}/chat/bluebird-chat").status == 404
    assert errors == []
    context.close()


def test_the_agent_profile_form_edits_nobody_until_a_person_is_chosen(
    browser: Any, own_server: DemoServer
) -> None:
    context, page, errors = _open(browser, own_server, "admin")
    before = _api(page, own_server, "/api/v1/agent-profiles")
    form = page.locator("#profile-form")
    person = form.locator("select[name=user_id]")
    expect(person).to_have_value("")
    expect(person.locator("option:checked")).to_have_text("Choose a person…")
    form.locator("input[name=languages]").fill("en")
    form.locator("button[type=submit]").click()
    _refused(page, "Not saved: choose the person whose profile this is.")
    expect(person).to_have_attribute("aria-invalid", "true")
    expect(person).to_be_focused()
    assert _api(page, own_server, "/api/v1/agent-profiles") == before
    me = page.locator("#profile-form option", has_text="Ada Admin").get_attribute("value")
    assert me not in {p["user_id"] for p in before}

    # Choosing someone, then saving, edits that person only.
    person.select_option(label="Carla Agent (agent)")
    form.locator("input[name=languages]").fill("en, fr")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status")).to_have_text("Saved: profile of Carla Agent (agent).")
    after = {p["user_id"]: p for p in _api(page, own_server, "/api/v1/agent-profiles")}
    carla = person.locator("option", has_text="Carla Agent").get_attribute("value")
    assert after[carla]["attributes"]["languages"] == ["en", "fr"]
    assert me not in after
    expect(person).to_have_value("")  # after the reload, nobody is chosen again
    assert errors == []
    context.close()
