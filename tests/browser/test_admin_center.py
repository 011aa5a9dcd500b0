"""In real Chromium: an operations manager configures a queue from the admin page."""

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
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#admin-status.error")
    assert "position" in page.inner_text("#admin-status")

    form.locator("input[name=eligibility]").fill("agent.skills.support >= 4")
    form.locator("input[name=wrap_up_codes]").fill("resolved, escalated")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Northwind VIP" in page.inner_text("#queues-table")
    assert "agent.skills.support &gt;= 4" in page.inner_html("#queues-table")
    context.close()


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo center of this module's own: these tests change agents and reasons that the
    desk tests on the shared server rely on."""
    with serve_demo(tmp_path_factory.mktemp("admin") / "demo.db") as server:
        yield server


def _api(page, path: str) -> Any:
    response = page.request.get(page.url.split("/admin")[0] + path)
    assert response.ok, response.text()
    return response.json()


def _profile(page, user_id: str) -> dict[str, Any]:
    return next(p for p in _api(page, "/api/v1/agent-profiles") if p["user_id"] == user_id)


def _reasons(page) -> dict[str, str]:
    return {r["code"]: r["label"] for r in _api(page, "/api/v1/not-ready-reasons")}


def _saved(page, click) -> None:
    with page.expect_navigation():
        click()
    expect(page.locator("#admin-status")).to_have_text(re.compile(r"^Saved"))


def test_an_admin_edits_not_ready_reasons_and_an_agents_skills_and_capacity(
    browser, own_server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, own_server, "admin")
    page.goto(f"{own_server.url}/admin/center")

    # Not-ready reasons: rename one (its label), remove one, add one; one save.
    reasons = page.locator("#reasons-table [data-testid=reason-row]")
    expect(reasons).to_have_count(6)
    page.fill("[aria-label='Label of coaching']", "Coaching session")
    reasons.filter(has_text="technical").locator("[data-remove-row]").click()
    page.click("#add-reason")
    page.fill("[aria-label='New reason code']", "outage")
    page.fill("[aria-label='New reason label']", "System outage")
    _saved(page, lambda: page.click("#reasons-form button[type=submit]"))
    expected = {
        "break": "Break",
        "coaching": "Coaching session",
        "lunch": "Lunch",
        "meeting": "Meeting",
        "outage": "System outage",
        "training": "Training",
    }
    assert _reasons(page) == expected
    page.reload()
    expect(reasons).to_have_count(6)
    expect(page.locator("[aria-label='Label of outage']")).to_have_value("System outage")
    expect(page.locator("#reasons-table")).not_to_contain_text("technical")

    # Carla's profile: one skill raised, one added, one removed; capacity reshaped.
    carla = page.locator("[data-testid=profile-row]", has_text="Carla Agent")
    carla_id = carla.get_attribute("data-user-id")
    assert _profile(page, carla_id)["attributes"]["skills"] == {"billing": 4, "support": 2}
    carla.locator("[data-edit-profile]").click()
    form = page.locator("#profile-form")
    skills = form.locator("#skills-grid tbody tr")
    expect(skills).to_have_count(2)
    skills.nth(0).locator("[data-skill-level]").fill("5")  # billing
    skills.nth(1).locator("[data-remove-row]").click()  # support
    page.click("#add-skill")
    skills.nth(1).locator("[data-skill-name]").fill("retention")
    skills.nth(1).locator("[data-skill-level]").fill("1")
    form.locator("input[name=languages]").fill("en, es")
    form.locator("input[name=capacity_total]").fill("120")
    form.locator("[aria-label='Cost of chat']").fill("40")
    form.locator("[aria-label='Maximum chat at once']").fill("2")
    form.locator("[aria-label='Cost of task']").fill("")
    _saved(page, lambda: form.locator("button[type=submit]").click())
    saved = _profile(page, carla_id)
    assert saved["attributes"]["skills"] == {"billing": 5, "retention": 1}
    assert saved["attributes"]["languages"] == ["en", "es"]
    assert saved["capacity"] == {
        "total": 120,
        "costs": {"chat": 40, "email": 20, "messaging": 25, "voice": 100},
        "maximum": {"chat": 2},
    }
    page.reload()
    expect(carla).to_contain_text("billing 5, retention 1")
    expect(carla.locator("[data-testid=capacity]")).to_have_text(
        "total 120; chat 40 (max 2); email 20; messaging 25; voice 100"
    )
    carla.locator("[data-edit-profile]").click()
    expect(form.locator("input[name=capacity_total]")).to_have_value("120")
    expect(form.locator("[aria-label='Cost of task']")).to_have_value("")

    # Bad values: the server's own words on the page, and nothing changes.
    skills.nth(0).locator("[data-skill-level]").fill("9")
    form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status.error")).to_have_text(
        "Not saved: skill 'billing': proficiency is an integer 1 to 5"
    )
    skills.nth(0).locator("[data-skill-level]").fill("5")
    form.locator("input[name=capacity_total]").fill("-10")
    form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status.error")).to_have_text(
        "Not saved: capacity total is an integer 1 to 10000"
    )
    form.locator("input[name=capacity_total]").fill("120")
    form.locator("[aria-label='Cost of chat']").fill("-1")
    form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status.error")).to_have_text(
        "Not saved: cost of 'chat' is an integer 1 to 120"
    )
    assert _profile(page, carla_id) == saved

    page.click("#add-reason")
    page.fill("[aria-label='New reason code']", "lunch")
    page.click("#reasons-form button[type=submit]")
    expect(page.locator("#admin-status.error")).to_have_text(
        "Not saved: reason code listed twice: lunch"
    )
    assert _reasons(page) == expected
    assert errors == []
    context.close()


def test_an_operations_manager_edits_a_queues_routing_and_wrap_up_codes(
    browser, own_server: DemoServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, own_server, "ops")
    page.goto(f"{own_server.url}/admin/center")
    row = page.locator("[data-testid=queue-row]", has_text="Bluebird sales")
    queue_id = row.get_attribute("data-queue-id")
    row.locator("[data-edit-queue]").click()
    form = page.locator("#queue-form")
    expect(page.locator("#queue-form-title")).to_have_text("Edit queue Bluebird sales")
    expect(form.locator("input[name=name]")).to_have_value("Bluebird sales")
    expect(form.locator("input[name=wrap_up_codes]")).to_have_value(
        "resolved=Resolved, follow_up=Needs follow-up, not_resolved=Not resolved, spam=Spam"
    )
    form.locator("select[name=strategy]").select_option("round_robin")
    form.locator("input[name=offer_timeout_seconds]").fill("20")
    form.locator("input[name=after_contact_work_seconds]").fill("45")
    form.locator("input[name=threshold_seconds]").fill("30")
    form.locator("select[name=escalation_queue_id]").select_option(label="Northwind escalations")
    form.locator("input[name=wrap_up_codes]").fill("sold=Sale made, no_sale")
    form.locator("input[name=wrap_up_required]").check()
    _saved(page, lambda: form.locator("button[type=submit]").click())

    queue = next(q for q in _api(page, "/api/v1/queues") if q["id"] == queue_id)
    assert queue["routing"]["strategy"] == "round_robin"
    assert queue["routing"]["offer_timeout_seconds"] == 20
    assert queue["routing"]["after_contact_work_seconds"] == 45
    assert queue["threshold_seconds"] == 30
    assert queue["wrap_up_required"] is True
    assert queue["wrap_up_codes"] == [
        {"code": "sold", "label": "Sale made"},
        {"code": "no_sale", "label": "no_sale"},
    ]
    names = {q["id"]: q["name"] for q in _api(page, "/api/v1/queues")}
    assert names[queue["escalation_queue_id"]] == "Northwind escalations"
    expect(row).to_contain_text("Sale made, no_sale (required)")
    expect(row).to_contain_text("Northwind escalations")

    # Required wrap-up without codes is refused by the server, and the queue stays as it was.
    row.locator("[data-edit-queue]").click()
    form.locator("input[name=wrap_up_codes]").fill("")
    form.locator("button[type=submit]").click()
    expect(page.locator("#admin-status.error")).to_have_text(
        "Not saved: a queue that requires wrap-up needs wrap-up codes"
    )
    assert next(q for q in _api(page, "/api/v1/queues") if q["id"] == queue_id) == queue
    context.close()


@pytest.mark.parametrize("username", ["lead", "agent", "qa"])
def test_roles_without_routing_configuration_get_403_on_the_page_and_the_api(
    browser, own_server: DemoServer, username: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, own_server, username)
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    assert csrf  # a real token, so a 403 below is about the permission, not CSRF
    assert page.goto(f"{own_server.url}/admin/center").status == 403
    for method, path, body in [
        ("GET", "/api/v1/agent-profiles", None),
        ("PUT", "/api/v1/not-ready-reasons", [{"code": "nap", "label": "Nap"}]),
        ("PUT", "/api/v1/agent-profiles/anyone", {"skills": {"support": 5}}),
    ]:
        response = page.request.fetch(
            f"{own_server.url}{path}",
            method=method,
            data=body,
            headers={"x-csrf-token": csrf},
        )
        assert response.status == 403, (method, path, response.text())
        assert response.json()["code"] == "permission_denied"
    # Agents and team leaders read the reasons (to go not ready); QA may not even read them.
    reasons = page.request.get(f"{own_server.url}/api/v1/not-ready-reasons")
    if username == "qa":
        assert reasons.status == 403
    else:
        assert "nap" not in {r["code"] for r in reasons.json()}
    context.close()
