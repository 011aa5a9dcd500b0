"""In real Chromium, end to end: a customer chats on the web widget, agents take it on
their desktops (accept, reply, transfer, end, wrap up), the supervisor watches it live,
the customer rates it, and the API's timeline holds every step.

Each person has their own browser context (own cookies, own sockets), as in real life."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import DemoServer
from tests.conftest import free_port
from tests.demo_process import cli

pytestmark = pytest.mark.browser

expect: Any = None  # Playwright's auto-waiting assertions, once the browser fixture ran


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    expect = playwright_expect


class People:
    """Opens one browser context per person and closes them all at the end."""

    def __init__(self, browser: Any, server: DemoServer | RestartableServer) -> None:
        self.browser, self.server = browser, server
        self.contexts: list[Any] = []
        self.errors: list[str] = []
        self.hosts: set[str] = set()

    def page(self, who: str) -> Any:
        context = self.browser.new_context(viewport={"width": 1280, "height": 860})
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{who}: {exc}"))
        page.on("request", lambda request: self.hosts.add(urlsplit(request.url).netloc))
        return page

    def customer(self, slug: str) -> Any:
        page = self.page("customer")
        page.goto(f"{self.server.url}/chat/{slug}")
        return page

    def signed_in(self, username: str, path: str) -> Any:
        page = self.page(username)
        page.goto(f"{self.server.url}/login?next={path}")
        page.fill("#username", username)
        page.fill("#password", self.server.password(username))
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(re.escape(path) + "$"))  # back where next= said
        expect(page.locator("#conn-state")).to_have_attribute("data-state", "open")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Any, demo_server: DemoServer) -> Iterator[People]:
    crowd = People(browser, demo_server)
    yield crowd
    crowd.close()
    assert crowd.errors == [], crowd.errors
    # An on-premises center works without the internet: nothing comes from elsewhere.
    assert crowd.hosts <= {urlsplit(demo_server.url).netloc}, crowd.hosts


def queue_row(page: Any, name: str) -> Any:
    return page.locator("[data-testid=queue-row]", has=page.locator("th", has_text=name))


def agent_row(page: Any, name: str) -> Any:
    return page.locator("[data-testid=agent-row]", has=page.locator("th", has_text=name))


def messages(page: Any, text: str) -> Any:
    return page.locator("[data-testid=message]", has_text=text)


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea")]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby"))
  .map((el) => el.id || el.name)"""


def assert_every_control_is_labelled(page: Any) -> None:
    assert page.evaluate(UNLABELLED_CONTROLS) == []


def go_available(desk: Any) -> None:
    desk.select_option("#presence-select", "available")
    expect(desk.locator("#presence-state")).to_have_attribute("data-presence", "available")


def test_a_chat_goes_from_customer_through_two_agents_to_wrap_up_and_rating(
    people: People,
) -> None:
    # The customer opens the Northwind widget and writes.
    customer = people.customer("northwind-chat")
    expect(customer.locator("#chat-title")).to_have_text("Northwind Energy")
    expect(customer.locator("#chat-greeting")).to_contain_text("energy contract")
    assert_every_control_is_labelled(customer)
    customer.fill("#prechat-name", "Zoe Customer")
    customer.fill("#prechat-email", "zoe.e2e@example.com")
    customer.fill("#prechat-message", "My bill is wrong this month")
    customer.click("#prechat-submit")
    # Nobody is available yet: the page says so instead of guessing a wait.
    expect(customer.locator("#chat-status")).to_have_text(
        re.compile(
            r"^You are (next|number \d+) in line\. No agent is available right now; "
            r"we'll connect you as soon as one is\.$"
        )
    )
    expect(customer.locator("[data-testid=message].pending")).to_have_count(0)
    expect(messages(customer, "My bill is wrong this month")).to_have_count(1)

    # The team leader sees the waiting chat and the agents' states.
    supervisor = people.signed_in("lead", "/supervisor")
    assert_every_control_is_labelled(supervisor)
    support = queue_row(supervisor, "Northwind support")
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("1")
    expect(support.locator("[data-testid=queue-longest]")).to_have_text(re.compile(r"^\d+:\d\d$"))
    expect(agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-state]")).to_have_text(
        "Offline"
    )

    # Ana goes available and gets the offer with the contact card.
    ana = people.signed_in("agent", "/desk")
    assert_every_control_is_labelled(ana)
    go_available(ana)
    offer = ana.locator("[data-testid=offer]")
    expect(offer).to_have_count(1)
    expect(offer).to_contain_text("Zoe Customer")
    expect(offer).to_contain_text("zoe.e2e@example.com")
    expect(offer).to_contain_text("Northwind support")
    expect(offer.locator("[data-testid=offer-preview]")).to_have_text("My bill is wrong this month")
    expect(offer.locator("[data-testid=offer-countdown]")).to_have_text(re.compile(r"^\d+ s left$"))
    expect(agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-state]")).to_have_text(
        "Offer ringing"
    )
    offer.locator("[data-testid=offer-accept]").click()
    expect(offer).to_have_count(0)
    expect(ana.locator("[data-testid=conversation-tab]")).to_contain_text("Zoe Customer")
    expect(ana.locator("#card-name")).to_have_text("Zoe Customer")
    expect(ana.locator("#card-email")).to_have_text("zoe.e2e@example.com")
    expect(customer.locator("[data-testid=system-line]")).to_contain_text(
        "Ana Agent joined the chat"
    )
    expect(customer.locator("#chat-status")).to_have_text("You are chatting with Ana Agent.")
    expect(agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-state]")).to_have_text(
        "On contact"
    )
    expect(support.locator("[data-testid=queue-waiting]")).to_have_text("0")
    expect(
        agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-conversations]")
    ).to_have_text("Zoe Customer")

    # Messages both ways, with typing indicators both ways.
    ana.fill("#reply-input", "Hello Zoe, let me check that")
    expect(customer.locator("#typing-indicator")).to_have_text("Ana Agent is typing…")
    ana.press("#reply-input", "Enter")
    expect(messages(customer, "Hello Zoe, let me check that")).to_have_count(1)
    customer.fill("#composer-input", "Thanks, it says 120 euros")
    expect(ana.locator("#typing-indicator")).to_have_text("Zoe Customer is typing…")
    customer.press("#composer-input", "Enter")
    expect(messages(ana, "Thanks, it says 120 euros")).to_have_count(1)
    expect(customer.locator("[data-testid=message].pending")).to_have_count(0)
    expect(messages(customer, "Thanks, it says 120 euros")).to_have_count(1)
    expect(messages(ana, "Hello Zoe, let me check that")).to_have_count(1)

    # Carla (billing) is available; Ana transfers to billing with a note.
    carla = people.signed_in("agent3", "/desk")
    go_available(carla)
    expect(agent_row(supervisor, "Carla Agent").locator("[data-testid=agent-state]")).to_have_text(
        "Available"
    )
    conversation_id = ana.locator("[data-testid=conversation-tab]").get_attribute(
        "data-conversation-id"
    )
    ana.click("#transfer-button")
    ana.select_option("#transfer-target", label="Northwind billing")
    ana.fill("#transfer-note", "Wrong tariff since March, please refund")
    ana.click("#transfer-submit")
    expect(ana.locator("#desk-notice")).to_contain_text(
        "Transferred Zoe Customer to Northwind billing"
    )
    expect(ana.locator("[data-testid=conversation-tab]")).to_have_count(0)
    expect(customer.locator("#messages")).to_contain_text(
        "You are being transferred to Northwind billing"
    )
    expect(customer.locator("#messages")).not_to_contain_text("Wrong tariff")  # internal

    offer = carla.locator("[data-testid=offer]")
    expect(offer).to_contain_text("Zoe Customer")
    expect(offer).to_contain_text("Northwind billing")
    offer.locator("[data-testid=offer-accept]").click()
    expect(carla.locator("[data-testid=conversation-tab]")).to_have_attribute(
        "data-conversation-id", conversation_id or ""
    )
    note = carla.locator("[data-testid=message][data-internal=true]")
    expect(note).to_contain_text("Wrong tariff since March, please refund")
    expect(messages(carla, "Thanks, it says 120 euros")).to_have_count(1)
    expect(customer.locator("#chat-status")).to_have_text("You are chatting with Carla Agent.")
    expect(agent_row(supervisor, "Carla Agent").locator("[data-testid=agent-state]")).to_have_text(
        "On contact"
    )
    expect(agent_row(supervisor, "Ana Agent").locator("[data-testid=agent-state]")).to_have_text(
        "Available"
    )

    carla.fill("#reply-input", "Fixed: you get a refund of 30 euros")
    carla.click("#reply-send")
    expect(messages(customer, "Fixed: you get a refund of 30 euros")).to_have_count(1)

    # Carla ends the chat: the customer is asked for a rating; Carla must wrap up.
    expect(carla.locator("#end-button")).to_have_text("End chat")
    carla.click("#end-button")
    expect(customer.locator("#rating-title")).to_have_text("How did we do?")
    expect(customer.locator("#messages")).to_contain_text("Carla Agent ended the chat.")
    expect(customer.locator("#composer")).to_be_hidden()
    wrap_up = carla.locator("#wrapup-form")
    expect(wrap_up).to_be_visible()
    expect(carla.locator("#acw-bar")).to_be_visible()
    expect(carla.locator("#acw-end")).to_be_disabled()  # not before the wrap-up
    expect(agent_row(supervisor, "Carla Agent").locator("[data-testid=agent-state]")).to_have_text(
        "After-contact work"
    )
    carla.select_option("#wrapup-code", label="Resolved")
    carla.fill("#wrapup-notes", "Refund issued for the March tariff")
    carla.click("#wrapup-submit")
    expect(carla.locator("#desk-notice")).to_contain_text("Wrap-up saved for Zoe Customer")
    expect(carla.locator("[data-testid=conversation-tab]")).to_have_count(0)
    # The queue's after-contact work (60 s) runs on after the form; Carla ends it early.
    expect(carla.locator("#acw-timer")).to_have_text(re.compile(r"^(1:00|0:[0-5]\d)$"))
    carla.click("#acw-end")
    expect(carla.locator("#acw-bar")).to_be_hidden()
    expect(agent_row(supervisor, "Carla Agent").locator("[data-testid=agent-state]")).to_have_text(
        "Available"
    )

    # The customer rates 4 and is thanked.
    customer.click("[data-testid=rating-4]")
    customer.fill("#rating-comment", "Quick and friendly")
    customer.click("#rating-submit")
    expect(customer.locator("#thanks-title")).to_have_text("Thank you!")
    expect(customer.locator("#thanks-text")).to_contain_text("You rated this chat 4 out of 5")

    # The API's timeline holds every step, in order.
    response = carla.request.get(f"{people.server.url}/api/v1/conversations/{conversation_id}")
    assert response.status == 200, response.text()
    detail = response.json()
    assert detail["disposition"] == "resolved"
    assert detail["csat_score"] == 4
    kinds = [entry["kind"] for entry in detail["timeline"]]
    expected = [
        "enqueued",
        "offered",
        "accepted",
        "message",
        "message",
        "transferred",
        "offered",
        "accepted",
        "message",
        "ended",
        "wrapped_up",
        "rated",
    ]
    it = iter(kinds)
    assert all(kind in it for kind in expected), kinds  # an ordered subsequence
    accepted_by = [e["detail"].get("agent") for e in detail["timeline"] if e["kind"] == "accepted"]
    assert accepted_by == ["Ana Agent", "Carla Agent"]
    transferred = next(e for e in detail["timeline"] if e["kind"] == "transferred")
    assert transferred["detail"]["to_queue"] == "Northwind billing"
    wrapped = next(e for e in detail["timeline"] if e["kind"] == "wrapped_up")
    assert wrapped["detail"]["code"] == "resolved"
    texts = [e["detail"].get("text") for e in detail["timeline"] if e["kind"] == "message"]
    for text in (
        "My bill is wrong this month",
        "Hello Zoe, let me check that",
        "Thanks, it says 120 euros",
        "Fixed: you get a refund of 30 euros",
    ):
        assert text in texts
    assert any(e["kind"] == "internal_note" for e in detail["timeline"])

    # Leave the shared demo server as found: agents offline.
    for desk in (ana, carla):
        desk.select_option("#presence-select", "offline")
        expect(desk.locator("#presence-state")).to_have_attribute("data-presence", "offline")


# ---------------------------------------------------------------------------- reconnection


class RestartableServer:
    """``switchdesk serve`` on a fixed port and database, stopped and started at will."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "restart.db"
        self.env = dict(os.environ, SWITCHDESK_DATABASE_URL=f"sqlite:///{self.db}")
        seeded = json.loads(
            cli("demo", "--no-serve", "--json", "--database", str(self.db), env=self.env).stdout
        )
        self.logins = seeded["logins"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "restart.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from switchdesk.cli.main import main; main()",
                    "serve",
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start: {self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def password(self, username: str) -> str:
        return next(x["password"] for x in self.logins if x["username"] == username)


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[RestartableServer]:
    server = RestartableServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_chat_and_the_desk_carry_on_after_a_reload_and_a_server_restart(
    browser: Any, restartable: RestartableServer
) -> None:
    crowd = People(browser, restartable)
    try:
        customer = crowd.customer("bluebird-chat")
        customer.fill("#prechat-name", "Rui Reload")
        customer.fill("#prechat-message", "Can I keep my number?")
        customer.click("#prechat-submit")
        expect(customer.locator("#chat-status")).to_contain_text("in line")

        # A reload resumes the same chat from the token in sessionStorage.
        customer.reload()
        expect(customer.locator("#conn-state")).to_have_attribute("data-state", "open")
        expect(customer.locator("#prechat")).to_be_hidden()
        expect(messages(customer, "Can I keep my number?")).to_have_count(1)
        expect(customer.locator("#chat-status")).to_contain_text("in line")

        ops = crowd.signed_in("ops", "/supervisor")  # sees every client account
        ben_row = agent_row(ops, "Ben Agent").locator("[data-testid=agent-state]")
        expect(ben_row).to_have_text("Offline")
        ben = crowd.signed_in("agent2", "/desk")
        go_available(ben)
        ben.locator("[data-testid=offer-accept]").click()
        expect(customer.locator("#chat-status")).to_have_text("You are chatting with Ben Agent.")
        ben.fill("#reply-input", "Yes, you can keep it")
        ben.press("#reply-input", "Enter")
        expect(messages(customer, "Yes, you can keep it")).to_have_count(1)

        # The server goes away: both pages say so, and the customer's message waits.
        expect(ben_row).to_have_text("On contact")
        restartable.stop()
        expect(ops.locator("#conn-state")).to_have_attribute(
            "data-state", re.compile("reconnecting|connecting")
        )
        expect(customer.locator("#conn-state")).to_have_attribute(
            "data-state", re.compile("reconnecting|connecting")
        )
        expect(ben.locator("#conn-state")).to_have_attribute(
            "data-state", re.compile("reconnecting|connecting")
        )
        customer.fill("#composer-input", "Sent while you were away")
        customer.press("#composer-input", "Enter")
        expect(customer.locator("[data-testid=message].pending")).to_have_count(1)

        # It comes back: both re-render from fresh snapshots and the message goes out once.
        restartable.start()
        expect(customer.locator("#conn-state")).to_have_attribute(
            "data-state", "open", timeout=30_000
        )
        expect(ben.locator("#conn-state")).to_have_attribute("data-state", "open", timeout=30_000)
        expect(customer.locator("[data-testid=message].pending")).to_have_count(0)
        expect(messages(customer, "Sent while you were away")).to_have_count(1)
        expect(messages(ben, "Sent while you were away")).to_have_count(1)
        expect(messages(ben, "Yes, you can keep it")).to_have_count(1)
        expect(customer.locator("#chat-status")).to_have_text("You are chatting with Ben Agent.")
        expect(ops.locator("#conn-state")).to_have_attribute("data-state", "open")
        expect(ben_row).to_have_text("On contact")  # from the new snapshot

        # The customer leaves; the rating form follows.
        customer.click("#leave-button")
        expect(customer.locator("#rating-title")).to_be_visible()
        expect(ben.locator("#pane-notice")).to_contain_text("The customer left the chat.")
        expect(ben_row).to_have_text(re.compile("Available|After-contact work"))  # live again
    finally:
        crowd.close()
    assert crowd.errors == [], crowd.errors
    # An on-premises center works without the internet: nothing comes from elsewhere.
    assert crowd.hosts <= {urlsplit(restartable.url).netloc}, crowd.hosts


def test_the_desk_declines_offers_and_shows_not_ready_reasons_errors_and_closed_chats(
    people: People,
) -> None:
    ben = people.signed_in("agent2", "/desk")

    # A declined offer goes away with a word why; the chat waits in line again.
    first = people.customer("bluebird-chat")
    first.fill("#prechat-name", "Dee Cline")
    first.fill("#prechat-message", "Just browsing")
    first.click("#prechat-submit")
    go_available(ben)
    offer = ben.locator("[data-testid=offer]")
    expect(offer).to_contain_text("Dee Cline")
    expect(ben).to_have_title(re.compile(r"^\(1\) New chat"))
    offer.locator("[data-testid=offer-decline]").click()
    expect(offer).to_have_count(0)
    expect(ben.locator("#desk-notice")).to_have_text(
        "The offer of a chat from Dee Cline was declined."
    )
    expect(first.locator("#chat-status")).to_contain_text("in line")
    first.click("#leave-button")
    expect(first.locator("#messages")).to_contain_text("You left the chat.")
    # Nobody answered it: there is nothing to rate (issue 16).
    expect(first.locator("#chat")).to_have_attribute("data-phase", "closed")
    expect(first.locator("#rating-title")).to_be_hidden()

    ben.select_option("#presence-select", "not_ready:lunch")
    expect(ben.locator("#presence-state")).to_have_text("Not ready (Lunch)")

    customer = people.customer("bluebird-chat")
    customer.fill("#prechat-name", "Nia Noescalation")
    customer.fill("#prechat-message", "Which plan suits me?")
    customer.click("#prechat-submit")
    expect(customer.locator("#chat-status")).to_contain_text("in line")
    expect(ben.locator("[data-testid=offer]")).to_have_count(0)  # not ready: no offers

    go_available(ben)
    ben.locator("[data-testid=offer-accept]").click()
    expect(ben.locator("#pane-title")).to_have_text("Nia Noescalation")

    # Bluebird sales has no escalation queue: the server's problem detail is shown.
    ben.click("#escalate-button")
    ben.fill("#escalate-note", "Wants a manager")
    ben.click("#escalate-submit")
    expect(ben.locator("#desk-error")).to_have_text("this queue has no escalation queue configured")
    expect(ben.locator("[data-testid=conversation-tab]")).to_have_count(1)

    # No wrap-up is required here: the ended chat can be closed, then ACW ended by hand.
    ben.click("#end-button")
    expect(customer.locator("#rating-title")).to_be_visible()
    expect(ben.locator("#pane-notice")).to_have_text("The chat has ended.")
    expect(ben.locator("#wrapup-form")).to_be_hidden()
    ben.click("#close-button")
    expect(ben.locator("[data-testid=conversation-tab]")).to_have_count(0)
    if ben.locator("#acw-bar").is_visible():
        ben.click("#acw-end")
        expect(ben.locator("#acw-bar")).to_be_hidden()
    expect(ben.locator("#presence-state")).to_have_text("Available")
    ben.select_option("#presence-select", "offline")
    expect(ben.locator("#presence-state")).to_have_text("Offline")
