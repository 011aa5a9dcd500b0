"""In real Chromium, with a short grace period: an agent who closes the browser leaves
routing (the supervisor sees it, a new chat is not offered to them); a customer who
closes the tab while waiting abandons and is never offered; a customer who leaves an
answered chat is shown as gone on the agent's desk. Each person has their own browser
context, closed as a person would close their browser."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import DemoServer, serve_demo
from tests.browser.test_omnichannel_e2e import (
    People,
    _playwright_expect,  # noqa: F401 (the autouse fixture that sets Playwright's timeout)
    agent_row,
    go_available,
    queue_row,
)

pytestmark = pytest.mark.browser

GRACE_SECONDS = 2.0


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo center whose grace periods are two seconds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SWITCHDESK_AGENT_GRACE_SECONDS", str(GRACE_SECONDS))
        patch.setenv("SWITCHDESK_CONTACT_GRACE_SECONDS", str(GRACE_SECONDS))
        with serve_demo(tmp_path_factory.mktemp("presence") / "demo.db") as server:
            yield server


@pytest.fixture
def people(browser: Any, quick_server: DemoServer) -> Iterator[People]:
    crowd = People(browser, quick_server)
    yield crowd
    with contextlib.suppress(Exception):  # some were closed by the test already
        crowd.close()
    assert crowd.errors == [], crowd.errors
    assert crowd.hosts <= {urlsplit(quick_server.url).netloc}, crowd.hosts


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _start_chat(people: People, name: str, text: str) -> Any:
    customer = people.customer("northwind-chat")
    customer.fill("#prechat-name", name)
    customer.fill("#prechat-message", text)
    customer.click("#prechat-submit")
    _expect()(customer.locator("#chat-status")).to_contain_text("in line")
    return customer


def _state(page: Any, name: str) -> Any:
    return agent_row(page, name).locator("[data-testid=agent-state]")


def test_an_agent_who_closes_the_browser_leaves_routing_and_the_supervisor_sees_it(
    people: People,
) -> None:
    expect = _expect()
    supervisor = people.signed_in("lead", "/supervisor")
    ana = people.signed_in("agent", "/desk")
    go_available(ana)
    expect(_state(supervisor, "Ana Agent")).to_have_text("Available")

    ana.context.close()  # the agent closes the browser
    expect(_state(supervisor, "Ana Agent")).to_have_text("Not ready")
    expect(agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-reason]")).to_have_text(
        "Disconnected"
    )

    # A new chat is not offered to the absent agent: it waits.
    customer = _start_chat(people, "Nora Nobody", "is anyone there?")
    support = queue_row(supervisor, "Northwind support")
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("1")
    supervisor.wait_for_timeout(1500)
    expect(_state(supervisor, "Ana Agent")).to_have_text("Not ready")
    expect(customer.locator("#chat-status")).to_contain_text("in line")

    # The supervisor signs the agent out from the page.
    supervisor.select_option("#agent-state-agent", label="Ana Agent")
    supervisor.select_option("#agent-state-value", label="Signed out")
    supervisor.click("#agent-state-apply")
    expect(_state(supervisor, "Ana Agent")).to_have_text("Offline")
    expect(supervisor.locator("#agent-state-result")).to_have_text("Ana Agent: Offline.")
    customer.context.close()  # leaves too (and abandons: the next test counts from here)


def test_a_customer_who_closes_the_tab_while_waiting_abandons_and_is_never_offered(
    people: People,
) -> None:
    expect = _expect()
    supervisor = people.signed_in("lead", "/supervisor")
    support = queue_row(supervisor, "Northwind support")
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("0")
    abandoned = support.locator("td").nth(7)
    before = int(abandoned.text_content() or "0")

    customer = _start_chat(people, "Tess Tab", "I will not wait long")
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("1")
    customer.context.close()  # the customer closes the tab
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("0")
    expect(abandoned).to_have_text(str(before + 1))

    # An agent who goes available now gets no offer for it.
    carla = people.signed_in("agent3", "/desk")
    go_available(carla)
    carla.wait_for_timeout(1500)
    expect(carla.locator("[data-testid=offer]")).to_have_count(0)
    carla.select_option("#presence-select", "offline")


def test_a_customer_who_leaves_an_answered_chat_is_shown_as_gone_on_the_desk(
    people: People,
) -> None:
    expect = _expect()
    customer = _start_chat(people, "Lea Leaving", "quick question")
    carla = people.signed_in("agent3", "/desk")
    go_available(carla)
    offer = carla.locator("[data-testid=offer]")
    expect(offer).to_contain_text("Lea Leaving")
    offer.locator("[data-testid=offer-accept]").click()
    expect(carla.locator("#card-name")).to_have_text("Lea Leaving")
    expect(customer.locator("#chat-status")).to_have_text("You are chatting with Carla Agent.")

    customer.context.close()
    expect(carla.locator("#pane-notice")).to_contain_text(
        re.compile("The customer has left the page")
    )
    expect(carla.locator("[data-testid=conversation-tab]")).to_contain_text("Lea Leaving")
