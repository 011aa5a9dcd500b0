"""In real Chromium: the shared layout on every staff page, by role.

Navigation shows what the role may open, sign-out works from every page, our offline
accessibility checker passes on each page for the role that uses it, the pages fit 1280 px
and a TV-size screen, and the executive landing shows the live figures. Screenshots of the
desk, the live view and the admin page are written to docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y_checker import assert_accessible, horizontal_overflow, problems
from tests.browser.conftest import DemoServer, serve_demo

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

STAFF_PAGES = [
    ("agent", "/", "#landing-title"),
    ("agent", "/desk", "#presence-select:not([disabled])"),
    ("agent", "/inbox", "#inbox-filters"),
    ("lead", "/supervisor", "#supervisor-title"),
    ("admin", "/", "#landing-title"),
    ("admin", "/admin/center", "#center-title"),
    ("ops", "/admin/center", "#center-title"),
    ("exec", "/", "#headline-title"),
    ("ops", "/api/docs", "#operations"),
]
"""(user, page, an element the page shows once rendered): every staff page, for the role
that uses it."""

expect: Any = None


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    expect = playwright_expect


@pytest.fixture
def signed_in(browser: Any, demo_server: DemoServer) -> Iterator[Any]:
    """``signed_in(username, width=1280, height=800)`` -> a page of a signed-in context."""
    contexts: list[Any] = []

    def make(username: str, width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        sign_in(page, demo_server, username)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, server: DemoServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")


def nav_labels(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("nav.site-nav a").all_inner_texts()]


def test_an_agent_sees_the_desk_and_inbox_but_not_admin_and_moves_by_the_links(
    signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in("agent")
    assert nav_labels(page) == ["Home", "Desk", "Inbox", "API"]
    assert page.locator("a[href='/admin/center']").count() == 0
    expect(page.locator("#layout-presence")).to_have_text("Offline")
    page.click("nav.site-nav >> text=Desk")
    page.wait_for_url(re.compile(r"/desk$"))
    expect(page.locator("#nav-desk")).to_have_attribute("aria-current", "page")
    expect(page.locator("#presence-select")).to_be_enabled()
    assert page.locator("#layout-presence").count() == 0  # the desk has its own control
    page.click("#nav-inbox")
    page.wait_for_url(re.compile(r"/inbox$"))
    page.click("#nav-home")
    page.wait_for_selector("#landing-title")


def test_an_admin_sees_admin_and_reaches_the_center_configuration(signed_in: Any) -> None:
    page = signed_in("admin")
    labels = nav_labels(page)
    assert "Admin" in labels and "Desk" not in labels and "Live view" not in labels
    page.click("#nav-center")
    page.wait_for_selector("#center-title")
    expect(page.locator("#nav-center")).to_have_attribute("aria-current", "page")


def test_a_team_leader_sees_the_live_view_desk_and_inbox_but_not_admin(signed_in: Any) -> None:
    page = signed_in("lead")
    assert nav_labels(page) == [
        "Home",
        "Desk",
        "Inbox",
        "Live view",
        "People",
        "Organisation",
        "API",
    ]
    page.click("#nav-supervisor")
    page.wait_for_selector("#supervisor-title")
    expect(page.locator("#conn-state")).to_have_attribute("data-state", "open")


@pytest.mark.parametrize(("user", "path", "ready"), STAFF_PAGES, ids=lambda v: str(v))
def test_sign_out_works_from_every_staff_page(
    user: str, path: str, ready: str, signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in(user)
    page.goto(f"{demo_server.url}{path}")
    page.wait_for_selector(ready)
    page.click("#sign-out")
    page.wait_for_selector("#username")
    response = page.goto(f"{demo_server.url}{path}")
    assert page.locator("#sign-out").count() == 0
    # Pages send people to sign in; the API's reference answers 401 like the API.
    assert "/login" in page.url or (response is not None and response.status == 401)


@pytest.mark.parametrize(("user", "path", "ready"), STAFF_PAGES, ids=lambda v: str(v))
def test_every_staff_page_passes_the_accessibility_checks_and_fits_the_screen(
    user: str, path: str, ready: str, signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in(user)
    page.goto(f"{demo_server.url}{path}")
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    assert horizontal_overflow(page) == 0
    page.set_viewport_size({"width": 1920, "height": 1080})
    assert horizontal_overflow(page) == 0
    landmarks = page.evaluate(
        "() => ['header', 'nav', 'main'].map((t) => document.querySelectorAll(t).length > 0)"
    )
    assert landmarks == [True, True, True]


def test_the_skip_link_takes_the_keyboard_to_the_main_content(
    signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in("ops")
    page.goto(f"{demo_server.url}/admin/center")
    page.wait_for_selector("#center-title")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => Boolean(document.activeElement.closest('main'))")


def test_the_checker_finds_what_it_is_meant_to_find(signed_in: Any) -> None:
    page = signed_in("agent")
    page.evaluate(
        """() => {
        document.documentElement.removeAttribute("lang");
        const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend", '<input id="twin"><span id="twin"></span>'
          + '<button></button><a href="/x"></a><img src="/static/favicon.svg">');
      }"""
    )
    found = "\n".join(problems(page))
    assert "no lang" in found
    assert "duplicate id #twin" in found
    assert "form control without a name: input#twin" in found
    assert "button without text" in found
    assert "a without text" in found
    assert "image without alt" in found
    page.evaluate("() => document.querySelector('main').replaceWith(document.createElement('div'))")
    assert "0 main landmarks" in "\n".join(problems(page))


def test_the_public_chat_page_has_no_staff_navigation(
    signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in("admin")
    page.goto(f"{demo_server.url}/chat/northwind-chat")
    page.wait_for_selector("#chat-title")
    assert page.locator("nav.site-nav").count() == 0
    assert page.locator("#sign-out").count() == 0


def test_the_executive_sees_waiting_now_per_client_account(
    browser: Any, signed_in: Any, demo_server: DemoServer
) -> None:
    page = signed_in("exec")
    rows = page.locator("[data-testid=headline-row]")
    expect(rows).to_have_count(2)
    names = [n.strip() for n in rows.locator("th").all_inner_texts()]
    assert names == ["Bluebird Telecom", "Northwind Energy"]
    north = page.locator("[data-testid=headline-row][data-client-account='Northwind Energy']")
    before = int(north.locator("[data-testid=waiting-now]").inner_text())

    customer_context = browser.new_context()
    customer = customer_context.new_page()
    customer.goto(f"{demo_server.url}/chat/northwind-chat")
    customer.fill("#prechat-name", "Eve Headline")
    customer.fill("#prechat-message", "How long is the wait?")
    customer.click("#prechat-submit")
    expect(customer.locator("#chat-status")).to_contain_text("in line")
    page.reload()
    waiting = int(north.locator("[data-testid=waiting-now]").inner_text())
    assert waiting == before + 1
    assert re.fullmatch(r"—|\d+ %", north.locator("[data-testid=service-level-today]").inner_text())
    customer.click("#leave-button")
    customer_context.close()


def test_screenshots_of_the_desk_the_live_view_and_the_admin_page(
    browser: Any, tmp_path: Path
) -> None:
    """A center of its own (a chat in progress on the desk), written to docs/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve_demo(tmp_path / "shots.db") as server:
        contexts = []

        def page_for(username: str | None) -> Any:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            contexts.append(context)
            page = context.new_page()
            if username:
                sign_in(page, server, username)
            return page

        customer = page_for(None)
        customer.goto(f"{server.url}/chat/northwind-chat")
        customer.fill("#prechat-name", "Zoe Customer")
        customer.fill("#prechat-email", "zoe@example.com")
        customer.fill("#prechat-message", "My bill is wrong this month")
        customer.click("#prechat-submit")

        desk = page_for("agent")
        desk.goto(f"{server.url}/desk")
        desk.select_option("#presence-select", "available")
        offer = desk.locator("[data-testid=offer]")
        offer.locator("[data-testid=offer-accept]").click()
        expect(desk.locator("#card-name")).to_have_text("Zoe Customer")
        desk.fill("#reply-input", "Hello Zoe, let me look at your bill.")
        desk.press("#reply-input", "Enter")
        expect(customer.locator("#chat-status")).to_have_text("You are chatting with Ana Agent.")
        desk.screenshot(path=str(SCREENSHOTS / "desk.png"))

        live = page_for("lead")
        live.goto(f"{server.url}/supervisor")
        expect(live.locator("#conn-state")).to_have_attribute("data-state", "open")
        expect(live.locator("#agents-body")).to_contain_text("Ana Agent")
        live.screenshot(path=str(SCREENSHOTS / "supervisor.png"))

        admin = page_for("admin")
        admin.goto(f"{server.url}/admin/center")
        admin.wait_for_selector("#center-title")
        admin.screenshot(path=str(SCREENSHOTS / "admin-center.png"))

        executive = page_for("exec")
        executive.screenshot(path=str(SCREENSHOTS / "executive-landing.png"))
        for context in contexts:
            context.close()
    for name in ("desk", "supervisor", "admin-center", "executive-landing"):
        shot = SCREENSHOTS / f"{name}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
