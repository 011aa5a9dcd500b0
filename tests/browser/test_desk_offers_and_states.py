"""In real Chromium: the desk's offers (central, audible, keyboard, on every desk of the
agent, never over the reply box), what the desk says while idle, the contact card's
counts and addresses, the customer's wait when nobody is available, the queue's
after-contact work time, and who the supervisor's agent list holds (issues 15 and 16)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import test_omnichannel_e2e as e2e
from tests.browser.test_omnichannel_e2e import People, agent_row, go_available, messages

pytestmark = pytest.mark.browser

expect: Any = None


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=15_000)
    expect = e2e.expect = playwright_expect  # People's helpers use that module's name


@pytest.fixture
def people(browser: Any, demo_server: Any) -> Any:
    crowd = People(browser, demo_server)
    yield crowd
    crowd.close()
    assert crowd.errors == [], crowd.errors


COUNT_TONES = """() => {
  window.__tones = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones += 1;
    return start.apply(this, args);
  };
}"""

TEXT_LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


def offer_of(page: Any, name: str) -> Any:
    return page.locator("[data-testid=offer]", has_text=name)


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def start_chat(people: People, slug: str, name: str, text: str, email: str = "") -> Any:
    customer = people.customer(slug)
    customer.fill("#prechat-name", name)
    if email:
        customer.fill("#prechat-email", email)
    customer.fill("#prechat-message", text)
    customer.click("#prechat-submit")
    expect(messages(customer, text)).to_have_count(1)
    return customer


def wrap_everything_up(desk: Any) -> None:
    """End and close the desk's (Bluebird, no wrap-up) chats, end ACW, go offline: the
    demo server is shared by the browser tests."""
    tabs = desk.locator("[data-testid=conversation-tab]")
    while tabs.count():
        tabs.first.click()
        if desk.locator("#end-button").is_visible():
            desk.click("#end-button")
        desk.click("#close-button")
    expect(tabs).to_have_count(0)
    if desk.locator("#acw-bar").is_visible():
        desk.click("#acw-end")
    desk.select_option("#presence-select", "offline")
    expect(desk.locator("#presence-state")).to_have_attribute("data-presence", "offline")


def take_chat(people: People, desk: Any, name: str, text: str, email: str = "") -> Any:
    customer = start_chat(people, "bluebird-chat", name, text, email)
    offer_of(desk, name).locator("[data-testid=offer-accept]").click()
    expect(desk.locator("#pane-title")).to_have_text(name)
    return customer


def test_an_available_agent_is_not_told_to_go_available_and_sees_their_state_after_a_transfer(
    people: People,
) -> None:
    ana = people.signed_in("agent", "/desk")
    expect(ana.locator("#idle-title")).to_have_text("You are offline")
    go_available(ana)
    expect(ana.locator("#conversation-empty")).not_to_contain_text("Set yourself Available")
    expect(ana.locator("#idle-title")).to_have_text("You are available")

    first = start_chat(people, "northwind-chat", "Tess Transfer", "Move me to billing")
    offer_of(ana, "Tess Transfer").locator("[data-testid=offer-accept]").click()
    expect(ana.locator("#pane-title")).to_have_text("Tess Transfer")
    expect(ana.locator("#desk-idle")).to_be_hidden()
    ana.click("#transfer-button")
    ana.select_option("#transfer-target", label="Northwind billing")
    ana.click("#transfer-submit")
    expect(ana.locator("[data-testid=conversation-tab]")).to_have_count(0)
    # After the transfer the middle of the desk says where the agent stands and what next.
    idle = ana.locator("#desk-idle")
    expect(idle).to_be_visible()
    expect(ana.locator("#idle-title")).to_have_text("You are available")
    expect(ana.locator("#idle-next")).to_contain_text("Waiting for the next chat")
    assert box(idle)["width"] > 600  # it fills the desk, not a corner of it
    first.click("#leave-button")
    ana.select_option("#presence-select", "offline")
    expect(ana.locator("#presence-state")).to_have_attribute("data-presence", "offline")


def test_the_offer_and_the_contact_card_count_the_same_earlier_conversations(
    people: People,
) -> None:
    ben = people.signed_in("agent2", "/desk")
    go_available(ben)
    take_chat(people, ben, "Hana History", "First time here")
    expect(ben.locator("#card-history")).to_have_text("None.")
    wrap_everything_up(ben)

    # She comes back: one earlier conversation, on the offer and on the card alike.
    go_available(ben)
    start_chat(people, "bluebird-chat", "Hana History", "Back again", "")
    offer = offer_of(ben, "Hana History")
    expect(offer.locator("[data-testid=offer-history]")).to_have_text(
        re.compile(r"^No earlier conversations$|^1 earlier conversation$")
    )
    said = offer.locator("[data-testid=offer-history]").inner_text()
    offer.locator("[data-testid=offer-accept]").click()
    items = ben.locator("[data-testid=card-history-item]")
    if said.startswith("No"):
        expect(ben.locator("#card-history")).to_have_text("None.")
    else:
        expect(items).to_have_count(1)
    wrap_everything_up(ben)


def test_the_contact_card_keeps_a_long_email_address_whole(people: People) -> None:
    ben = people.signed_in("agent2", "/desk")
    go_available(ben)
    address = "eve.longaddress.for-wrapping@bluebird-example-customers.example.com"
    take_chat(people, ben, "Eve Longaddress", "Do you sell routers?", address)
    email = ben.locator("#card-email")
    expect(email).to_have_text(address)
    expect(email).to_have_attribute("title", address)  # the whole address, when cut short
    assert email.evaluate(TEXT_LINES) == 1  # not broken mid-word over two lines
    wrap_everything_up(ben)


def test_an_offer_is_central_focused_audible_and_answered_with_keys(people: People) -> None:
    ben = people.signed_in("agent2", "/desk")
    ben.evaluate(COUNT_TONES)
    go_available(ben)
    start_chat(people, "bluebird-chat", "Kai Keys", "Keyboard please")
    offer = offer_of(ben, "Kai Keys")
    expect(offer).to_be_focused()
    assert offer.evaluate("(el) => getComputedStyle(el).outlineStyle") != "none"
    viewport = ben.viewport_size
    middle = box(offer)["x"] + box(offer)["width"] / 2
    assert abs(middle - viewport["width"] / 2) < viewport["width"] * 0.1, (middle, viewport)
    assert box(offer)["y"] < viewport["height"] / 2  # near the top, not a bottom corner
    assert ben.evaluate("() => window.__tones") > 0
    expect(offer).to_contain_text("Enter or A accepts, D or Esc declines")

    offer.press("d")
    expect(ben.locator("#desk-notice")).to_contain_text("was declined")
    # The chat comes back after the decline back-off, focused again; A accepts it.
    offer = offer_of(ben, "Kai Keys")
    expect(offer).to_be_focused()
    ben.keyboard.press("a")
    expect(ben.locator("#pane-title")).to_have_text("Kai Keys")
    expect(offer_of(ben, "Kai Keys")).to_have_count(0)

    # The sound can be turned off, and the desk remembers it.
    ben.uncheck("#sound-toggle")
    ben.reload()
    expect(ben.locator("#conn-state")).to_have_attribute("data-state", "open")
    expect(ben.locator("#sound-toggle")).not_to_be_checked()
    ben.check("#sound-toggle")
    wrap_everything_up(ben)


def test_an_offer_answered_on_one_desk_leaves_every_desk_of_the_agent(people: People) -> None:
    ben = people.signed_in("agent2", "/desk")
    other_desk = people.signed_in("agent2", "/desk")  # the same agent in a second window
    go_available(ben)
    start_chat(people, "bluebird-chat", "Dora Twodesks", "Anyone there?")
    expect(offer_of(ben, "Dora Twodesks")).to_have_count(1)
    expect(offer_of(other_desk, "Dora Twodesks")).to_have_count(1)
    offer_of(ben, "Dora Twodesks").locator("[data-testid=offer-accept]").click()
    expect(ben.locator("#pane-title")).to_have_text("Dora Twodesks")
    # The other desk drops the offer (no countdown left running) and shows the chat.
    expect(offer_of(other_desk, "Dora Twodesks")).to_have_count(0)
    expect(other_desk.locator("[data-testid=offer-countdown]")).to_have_count(0)
    expect(other_desk.locator("[data-testid=conversation-tab]")).to_contain_text("Dora Twodesks")
    expect(other_desk.locator("#desk-notice")).to_be_hidden()  # nothing "expired" or "gone"
    wrap_everything_up(ben)


def test_an_offer_during_a_chat_never_covers_send_or_the_note_box(people: People) -> None:
    ben = people.signed_in("agent2", "/desk")
    go_available(ben)
    take_chat(people, ben, "Olga Overlap", "First chat")
    start_chat(people, "bluebird-chat", "Finn Second", "And modems?")
    offer = offer_of(ben, "Finn Second")
    expect(offer).to_have_count(1)
    for control in ("#reply-send", "#reply-input", "#reply-internal"):
        assert not overlaps(box(ben.locator(control)), box(offer)), control
    ben.click("#reply-internal", timeout=3_000)  # a click fails on a covered element
    ben.fill("#reply-input", "Checking the router list")
    ben.click("#reply-send", timeout=3_000)
    expect(ben.locator("[data-testid=message][data-internal=true]")).to_contain_text(
        "Checking the router list"
    )
    offer.locator("[data-testid=offer-accept]").click()
    expect(ben.locator("[data-testid=conversation-tab]")).to_have_count(2)
    wrap_everything_up(ben)


def test_a_customer_is_told_when_no_agent_is_available_instead_of_a_wait(
    people: People,
) -> None:
    customer = start_chat(people, "bluebird-chat", "Nora Nobody", "Hello?")
    status = customer.locator("#chat-status")
    expect(status).to_contain_text(
        "No agent is available right now; we'll connect you as soon as one is."
    )
    expect(status).not_to_contain_text("about")
    customer.click("#leave-button")
    # Nobody answered: the chat ends without asking for a rating.
    expect(customer.locator("#chat-status")).to_contain_text("This chat has ended.")
    expect(customer.locator("#rating-title")).to_be_hidden()


def test_after_contact_work_counts_the_queues_time_and_keeps_not_ready(
    people: People,
) -> None:
    ana = people.signed_in("agent", "/desk")
    go_available(ana)
    start_chat(people, "northwind-chat", "Wanda Wrapup", "One question")
    offer_of(ana, "Wanda Wrapup").locator("[data-testid=offer-accept]").click()
    expect(ana.locator("#pane-title")).to_have_text("Wanda Wrapup")
    ana.click("#end-button")
    expect(ana.locator("#wrapup-form")).to_be_visible()
    # The queue's after-contact work is 60 s, and the bar counts that.
    expect(ana.locator("#acw-bar")).to_be_visible()
    expect(ana.locator("#acw-timer")).to_have_text(re.compile(r"^(1:00|0:[0-5]\d)$"))
    # Not ready during the wrap-up: the wrap-up and the end of ACW keep it.
    ana.select_option("#presence-select", "not_ready:break")
    expect(ana.locator("#presence-state")).to_have_attribute("data-presence", "not_ready")
    ana.select_option("#wrapup-code", label="Resolved")
    ana.click("#wrapup-submit")
    expect(ana.locator("[data-testid=conversation-tab]")).to_have_count(0)
    expect(ana.locator("#acw-bar")).to_be_visible()  # the 60 s run on after the form
    expect(ana.locator("#acw-timer")).to_have_text(re.compile(r"^(1:00|0:[0-5]\d)$"))
    ana.click("#acw-end")
    expect(ana.locator("#acw-bar")).to_be_hidden()
    expect(ana.locator("#presence-state")).to_have_text("Not ready (Break)")
    expect(ana.locator("#idle-title")).to_have_text("You are not ready (Break)")
    ana.select_option("#presence-select", "offline")
    expect(ana.locator("#presence-state")).to_have_attribute("data-presence", "offline")


def test_the_supervisor_lists_a_team_leader_only_while_they_take_interactions(
    people: People,
) -> None:
    board = people.signed_in("lead", "/supervisor")
    expect(agent_row(board, "Ana Agent")).to_have_count(1)
    expect(agent_row(board, "Lena Leader")).to_have_count(0)
    lena = people.signed_in("lead", "/desk")
    go_available(lena)
    expect(agent_row(board, "Lena Leader")).to_have_count(1)
    lena.select_option("#presence-select", "offline")
    expect(lena.locator("#presence-state")).to_have_attribute("data-presence", "offline")
    expect(agent_row(board, "Lena Leader")).to_have_count(0)
    expect(agent_row(board, "Ana Agent")).to_have_count(1)
