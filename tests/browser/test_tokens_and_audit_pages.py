"""In real Chromium: an admin issues an API token (its secret shown once), uses it and
revokes it from the tokens page; filters the audit log by action, actor, time range and
client account and downloads exactly the filtered rows; roles without the permissions get
refusal pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
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
    """A demo center of this module's own: these tests issue tokens and export."""
    # A generous start-up time: the test machines are shared and often busy.
    with serve_demo(tmp_path_factory.mktemp("tokens") / "demo.db", timeout=120) as server:
        yield server


def _sign_in(browser: Any, server: DemoServer, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")
    return page


def test_an_admin_issues_a_token_sees_its_secret_once_and_revokes_it(
    browser: Any, own_server: DemoServer
) -> None:
    page = _sign_in(browser, own_server, "admin")
    page.locator("main a[href='/admin/tokens']").click()
    expect(page.locator("#tokens-title")).to_have_text("API tokens")
    form = page.locator("#issue-token")
    form.get_by_label("Name").fill("CRM sync")
    with page.expect_navigation():
        form.get_by_role("button", name="Issue token").click()
    expect(page.locator("#token-user_id-error")).to_have_text("choose whom the token acts as")
    form = page.locator("#issue-token")
    expect(form.get_by_label("Name")).to_have_value("CRM sync")
    form.get_by_label("Acts as").select_option(label="Ana Agent (agent)")
    with page.expect_navigation():
        form.get_by_role("button", name="Issue token").click()
    secret = page.inner_text("#token-secret")
    assert secret.startswith("sdt_")
    expect(page.locator("#tokens-table tr[data-token='CRM sync']")).to_contain_text("Ana Agent")

    api = browser.new_context()  # no cookies: only the token speaks
    me = api.request.get(
        f"{own_server.url}/api/v1/me", headers={"authorization": f"Bearer {secret}"}
    )
    assert me.status == 200 and me.json()["username"] == "agent"

    page.goto(f"{own_server.url}/admin/tokens")  # the page again: the secret is gone for good
    expect(page.locator("#tokens-table")).to_contain_text("CRM sync")
    assert page.locator("#token-secret").count() == 0
    assert secret not in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke CRM sync").click()
    expect(page.locator("#tokens-notice")).to_contain_text("Revoked")
    expect(page.locator("#tokens-table tr[data-token='CRM sync']")).to_contain_text("revoked")
    # Other processes may trust a verified token for a few seconds; this one forgot it.
    gone = api.request.get(
        f"{own_server.url}/api/v1/me", headers={"authorization": f"Bearer {secret}"}
    )
    assert gone.status == 401
    api.close()
    page.context.close()


def _rows(page: Any) -> list[list[str]]:
    return page.locator("#audit-log tbody tr").evaluate_all(
        "rows => rows.filter(r => r.cells.length > 1).map(r => [...r.cells].map(c => c.innerText))"
    )


def test_an_admin_filters_the_audit_log_and_exports_exactly_the_filtered_rows(
    browser: Any, own_server: DemoServer
) -> None:
    for username in ("hr", "lead"):  # two more sign-ins to find
        _sign_in(browser, own_server, username).context.close()
    page = _sign_in(browser, own_server, "admin")
    page.locator("main a[href='/admin/audit']").click()
    expect(page.locator("#audit-title")).to_have_text("Audit log")
    page.get_by_label("Action").select_option("login.succeeded")
    page.get_by_label("Actor").fill("user:hr")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    rows = _rows(page)
    assert rows and all(r[1] == "login.succeeded" and r[2] == "user:hr" for r in rows)
    expect(page.get_by_label("Actor")).to_have_value("user:hr")  # the filter stays shown

    with page.expect_download() as download:
        page.locator("#audit-export").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(e["at"][:19].replace("T", " "), e["action"], e["actor"]) for e in exported] == [
        (r[0], r[1], r[2]) for r in rows
    ]

    # Client account: the entries about Northwind (its creation by the demo seed).
    page.goto(f"{own_server.url}/admin/audit")
    page.get_by_label("Client account").select_option(label="Northwind Energy")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    rows = _rows(page)
    assert [r[1] for r in rows] == ["client_account.created"]

    # A time range in the future holds nothing; one that ends before it starts is refused
    # next to the field, with what was typed kept.
    page.goto(f"{own_server.url}/admin/audit?since=2099-01-01T00:00")
    assert _rows(page) == []
    answer = page.goto(f"{own_server.url}/admin/audit?since=2026-12-03T10:00&until=yesterday")
    assert answer is not None and answer.status == 422
    expect(page.locator("#audit-until-error")).to_contain_text("a time like")
    expect(page.get_by_label("From (UTC)")).to_have_value("2026-12-03T10:00")
    assert page.locator("#audit-export").count() == 0

    # The exports are audited too.
    page.goto(f"{own_server.url}/admin/audit?action=data.exported")
    assert len(_rows(page)) == 1
    page.context.close()


@pytest.mark.parametrize(
    ("username", "refused"),
    [
        ("hr", ["/admin/tokens", "/admin/audit"]),
        ("lead", ["/admin/tokens", "/admin/audit"]),
        ("ops", ["/admin/tokens", "/admin/audit"]),
        ("agent", ["/admin/tokens", "/admin/audit"]),
    ],
)
def test_roles_without_token_or_audit_permissions_get_refusal_pages_and_no_links(
    browser: Any, own_server: DemoServer, username: str, refused: list[str]
) -> None:
    page = _sign_in(browser, own_server, username)
    for path in refused:
        assert page.locator(f"a[href='{path}']").count() == 0
    for path in refused:
        answer = page.goto(f"{own_server.url}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.locator("#refused-title")).to_be_visible()
    # The export API refuses them as well.
    assert page.request.get(f"{own_server.url}/api/v1/audit/export.csv").status == 403
    page.context.close()
