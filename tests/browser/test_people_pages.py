"""In real Chromium: HR onboards, edits, offboards and brings back a person from the people
page (errors next to the fields, nothing typed lost); an admin changes a role; a team
leader sees only their client accounts' people and may change nothing; organisation
pages for the operations manager and the executive; an agent gets refusal pages and no
links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, serve_demo

pytestmark = pytest.mark.browser

expect: Any = None  # Playwright's auto-waiting assertions, once the browser fixture ran

ADMIN_PAGES = ["/admin/people", "/admin/organisation", "/admin/tokens", "/admin/audit"]


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    expect = playwright_expect


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo center of this module's own: these tests add people, teams and sites."""
    # A generous start-up time: the test machines are shared and often busy.
    with serve_demo(tmp_path_factory.mktemp("people") / "demo.db", timeout=120) as server:
        yield server


@pytest.fixture
def signed_in(browser: Any, own_server: DemoServer) -> Iterator[Any]:
    """``signed_in("hr")`` -> a page signed in as that demo user, on the landing page."""
    contexts: list[Any] = []

    def make(username: str, password: str | None = None) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{own_server.url}/login")
        page.fill("#username", username)
        page.fill("#password", password or own_server.password(username))
        page.click("button[type=submit]")
        page.wait_for_selector("#landing-title")
        return page

    yield make
    for context in contexts:
        context.close()


def _usernames(page: Any) -> list[str]:
    return page.locator("#people-table tbody tr[data-username]").evaluate_all(
        "rows => rows.map(r => r.dataset.username)"
    )


def test_hr_onboards_a_person_and_sees_each_error_next_to_its_field(
    signed_in: Any, own_server: DemoServer
) -> None:
    page = signed_in("hr")
    page.locator("main a[href='/admin/people']").click()
    expect(page.locator("#people-title")).to_have_text("People")
    form = page.locator("#create-person")
    # HR onboards but does not hand out the admin role or every client account.
    assert "admin" not in form.get_by_label("Role").evaluate(
        "s => [...s.options].map(o => o.value)"
    )
    assert form.get_by_label("Every client account").count() == 0
    form.get_by_label("Username").fill("new hire")
    form.get_by_label("Display name").fill("Nora Newhire")
    form.get_by_label("Initial password").fill("short")
    form.get_by_label("Bluebird Telecom").check()
    form.get_by_label("Site").select_option(label="Remote")
    with page.expect_navigation():
        form.get_by_role("button", name="Add person").click()
    form = page.locator("#create-person")
    expect(page.locator("#new-username-error")).to_contain_text("letters, digits")
    expect(page.locator("#new-password-error")).to_contain_text("at least 10 characters")
    expect(form.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    # What was typed is still there (but the password is never sent back).
    expect(form.get_by_label("Username")).to_have_value("new hire")
    expect(form.get_by_label("Display name")).to_have_value("Nora Newhire")
    expect(form.get_by_label("Bluebird Telecom")).to_be_checked()
    expect(form.get_by_label("Site")).to_have_value(re.compile(".+"))
    expect(form.get_by_label("Initial password")).to_have_value("")

    form.get_by_label("Username").fill("nora")
    form.get_by_label("Initial password").fill("a long enough password")
    with page.expect_navigation():
        form.get_by_role("button", name="Add person").click()
    expect(page.locator("#people-notice")).to_have_text("Created nora.")
    row = page.locator("#people-table tr[data-username=nora]")
    expect(row).to_contain_text("Nora Newhire")
    expect(row).to_contain_text("Bluebird Telecom")
    expect(row).to_contain_text("Remote")

    # A taken username is refused next to the field.
    form = page.locator("#create-person")
    form.get_by_label("Username").fill("nora")
    form.get_by_label("Initial password").fill("a long enough password")
    with page.expect_navigation():
        form.get_by_role("button", name="Add person").click()
    expect(page.locator("#new-username-error")).to_contain_text("taken")

    # Filters: role and client account.
    page.locator("#filter-role").select_option("agent")
    page.locator("#filter-client").select_option(label="Bluebird Telecom")
    with page.expect_navigation():
        page.locator("#people-filters").get_by_role("button", name="Filter").click()
    assert sorted(_usernames(page)) == ["agent2", "nora"]


def test_hr_edits_offboards_and_brings_back_a_person(
    signed_in: Any, own_server: DemoServer, browser: Any
) -> None:
    page = signed_in("hr")
    page.goto(f"{own_server.url}/admin/people")
    page.locator("#people-table").get_by_role("link", name="agent3", exact=True).click()
    expect(page.locator("#person-title")).to_contain_text("Carla Agent")
    form = page.locator("#edit-person")
    expect(form.get_by_label("Role", exact=True)).to_be_disabled()  # HR assigns no roles
    form.get_by_label("Team").select_option(label="Northwind Care")
    form.get_by_label("Site").select_option(label="Remote")
    form.get_by_label("Bluebird Telecom").check()
    with page.expect_navigation():
        form.get_by_role("button", name="Save changes").click()
    expect(page.locator("#person-notice")).to_have_text("Saved.")
    expect(page.locator("#edit-person").get_by_label("Team")).to_have_value(re.compile(".+"))
    expect(page.locator("#person-status")).to_contain_text("Bluebird Telecom, Northwind Energy")

    person_url = page.url.split("?")[0]
    with page.expect_navigation():
        page.locator("#deactivate-person button").click()
    expect(page.locator("#person-notice")).to_contain_text("Deactivated")
    expect(page.locator("#person-status")).to_contain_text("deactivated")
    # Deactivated people cannot sign in.
    other = browser.new_context().new_page()
    other.goto(f"{own_server.url}/login")
    other.fill("#username", "agent3")
    other.fill("#password", own_server.password("agent3"))
    other.click("button[type=submit]")
    other.wait_for_selector("#login-error")
    with page.expect_navigation():
        page.locator("#reactivate-person button").click()
    expect(page.locator("#person-notice")).to_contain_text("Reactivated")
    assert page.url.startswith(person_url)
    other.fill("#username", "agent3")
    other.fill("#password", own_server.password("agent3"))
    other.click("button[type=submit]")
    other.wait_for_selector("#landing-title")
    other.context.close()

    page.goto(f"{own_server.url}/admin/people?active=no")
    assert "agent3" not in _usernames(page)


def test_an_admin_changes_a_role_and_hr_may_not_offboard_an_admin(
    signed_in: Any, own_server: DemoServer
) -> None:
    page = signed_in("admin")
    page.locator("main a[href='/admin/people']").click()
    expect(page.locator("#people-title")).to_have_text("People")
    page.locator("#people-table").get_by_role("link", name="trainer", exact=True).click()
    form = page.locator("#edit-person")
    form.get_by_label("Role", exact=True).select_option("qa_analyst")
    with page.expect_navigation():
        form.get_by_role("button", name="Save changes").click()
    expect(page.locator("#person-status")).to_contain_text("qa_analyst")
    page.goto(f"{own_server.url}/admin/audit?action=role.changed")
    expect(page.locator("#audit-log tbody")).to_contain_text("user:trainer")

    # HR does not even see the admin's record.
    hr = signed_in("hr")
    hr.goto(f"{own_server.url}/admin/people")
    assert "admin" not in _usernames(hr)


def test_a_team_leader_sees_only_their_client_accounts_people_and_changes_nothing(
    signed_in: Any, own_server: DemoServer
) -> None:
    page = signed_in("lead")
    page.locator("main a[href='/admin/people']").click()
    expect(page.locator("#people-title")).to_have_text("People")
    names = _usernames(page)
    assert {"agent", "lead"} <= set(names)
    assert "agent2" not in names  # Bluebird only
    assert "admin" not in names and "ops" not in names
    assert page.locator("#create-person").count() == 0
    page.locator("#people-table").get_by_role("link", name="agent", exact=True).click()
    expect(page.locator("#person-details")).to_be_visible()
    assert page.locator("#edit-person").count() == 0
    person_url = page.url
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    refused = page.request.post(f"{person_url}/deactivate", form={"csrf_token": csrf})
    assert refused.status == 403
    # Someone of another client account answers as if they did not exist.
    agent2 = page.request.get(f"{own_server.url}/api/v1/users").json()
    assert "agent2" not in {u["username"] for u in agent2}


def test_an_agent_gets_a_refusal_page_for_each_admin_page_and_no_link_to_them(
    signed_in: Any, own_server: DemoServer
) -> None:
    page = signed_in("agent")
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not set(hrefs) & set(ADMIN_PAGES)
    assert not [h for h in hrefs if h.startswith("/api/v1/")]
    for path in ADMIN_PAGES:
        answer = page.goto(f"{own_server.url}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.locator("#refused-title")).to_have_text("You may not open this page")
        assert "permission" in page.inner_text("#refused-detail")


def test_operations_add_a_site_and_a_team_and_the_executive_only_reads(
    signed_in: Any, own_server: DemoServer
) -> None:
    page = signed_in("ops")
    page.locator("main a[href='/admin/organisation']").click()
    expect(page.locator("#organisation-title")).to_have_text("Organisation")
    expect(page.locator("#client-accounts-table")).to_contain_text("Northwind Energy")
    site = page.locator("#add-site")
    site.get_by_label("Name").fill("Porto floor")
    site.get_by_label("Time zone").fill("Europe/Nowhere")
    with page.expect_navigation():
        site.get_by_role("button", name="Add site").click()
    site = page.locator("#add-site")
    expect(page.locator("#site-timezone-error")).to_contain_text("not a known time zone")
    expect(site.get_by_label("Name")).to_have_value("Porto floor")
    site.get_by_label("Time zone").fill("Europe/Lisbon")
    with page.expect_navigation():
        site.get_by_role("button", name="Add site").click()
    expect(page.locator("#organisation-notice")).to_have_text("Added the site.")
    expect(page.locator("#sites-table")).to_contain_text("Porto floor")

    team = page.locator("#add-team")
    team.get_by_label("Name").fill("Porto Care")
    team.get_by_label("Leader").select_option(label="Lena Leader (lead)")
    team.get_by_label("Client account").select_option(label="Northwind Energy")
    team.get_by_label("Site").select_option(label="Porto floor")
    with page.expect_navigation():
        team.get_by_role("button", name="Add team").click()
    row = page.locator("#teams-table tr", has_text="Porto Care")
    expect(row).to_contain_text("Lena Leader")
    expect(row).to_contain_text("Porto floor")

    exec_page = signed_in("exec")
    exec_page.locator("main a[href='/admin/organisation']").click()
    expect(exec_page.locator("#client-accounts-table")).to_contain_text("Bluebird Telecom")
    assert exec_page.locator("form.admin-form").count() == 0

    hr = signed_in("hr")
    answer = hr.goto(f"{own_server.url}/admin/organisation")
    assert answer is not None and answer.status == 403
