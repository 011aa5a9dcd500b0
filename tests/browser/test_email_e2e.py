"""In real Chromium, against a real ``switchdesk demo`` process with its local fakes: a mail
sent by SMTP to the demo inbox becomes an offer on the agent's desk, the agent's reply
reaches the SMTP sink threaded onto the customer's mail, and the customer's answer lands
in the same conversation. The same for WhatsApp, through a signed webhook and the fake
provider."""

from __future__ import annotations

import email
import email.policy
import json
import re
import smtplib
import time
import urllib.request
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from switchdesk.adapters.channels.meta import meta_signature
from switchdesk.cli.demo import whatsapp_payload
from tests.demo_process import LiveDemo, run_demo

pytestmark = pytest.mark.browser

T = TypeVar("T")
expect: Any = None  # Playwright's auto-waiting assertions, once the browser fixture ran
INBOX = "support@northwind.example"


@pytest.fixture(autouse=True)
def _playwright_expect(browser: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=15_000)
    expect = playwright_expect


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[LiveDemo]:
    with run_demo(tmp_path) as running:
        yield running


@pytest.fixture
def desk(browser: Any, demo: LiveDemo) -> Iterator[Any]:
    """Ana's agent desktop, signed in and available; no page errors, nothing from elsewhere."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{demo.url}/login?next=/desk")
    page.fill("#username", "agent")
    page.fill("#password", demo.password("agent"))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/desk$"))
    expect(page.locator("#conn-state")).to_have_attribute("data-state", "open")
    page.select_option("#presence-select", "available")
    expect(page.locator("#presence-state")).to_have_attribute("data-presence", "available")
    yield page
    context.close()
    assert errors == []
    assert hosts <= {urlsplit(demo.url).netloc}, hosts


def eventually(find: Callable[[], T | None], what: str, seconds: float = 20.0) -> T:
    deadline = time.monotonic() + seconds
    while True:
        found = find()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def sink_mails(outbox: Path) -> list[EmailMessage]:
    mails = []
    for path in sorted(outbox.glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        mails.append(mail)
    return mails


def a_person_reply(outbox: Path) -> EmailMessage | None:
    people = [m for m in sink_mails(outbox) if not m["Auto-Submitted"]]
    return people[0] if people else None


def body_text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def send_mail(demo: LiveDemo, mail: EmailMessage) -> None:
    inbox = demo.state["inbox"]
    with smtplib.SMTP(inbox["host"], int(inbox["port"]), timeout=10) as smtp:
        smtp.send_message(mail, from_addr="zoe.mail@example.com", to_addrs=[INBOX])


def messages(page: Any, text: str) -> Any:
    return page.locator("[data-testid=message]", has_text=text)


def accept_the_offer(desk: Any, *texts: str) -> Any:
    offer = desk.locator("[data-testid=offer]")
    expect(offer).to_have_count(1)
    for text in texts:
        expect(offer).to_contain_text(text)
    offer.locator("[data-testid=offer-accept]").click()
    expect(offer).to_have_count(0)
    tab = desk.locator("[data-testid=conversation-tab]")
    expect(tab).to_have_count(1)
    return tab.get_attribute("data-conversation-id")


def test_a_mail_to_the_demo_inbox_is_answered_from_the_desk_and_the_answer_threads(
    demo: LiveDemo, desk: Any
) -> None:
    first = EmailMessage()
    first["From"] = "Zoe Mail <zoe.mail@example.com>"
    first["To"] = INBOX
    first["Subject"] = "Meter reading"
    first["Message-ID"] = "<meter-1@example.com>"
    first["Date"] = email.utils.formatdate()
    first.set_content("My meter reads 4711 today.")
    send_mail(demo, first)

    conversation_id = accept_the_offer(
        desk, "Zoe Mail", "zoe.mail@example.com", "Subject: Meter reading", "4711"
    )
    expect(messages(desk, "My meter reads 4711 today.")).to_have_count(1)
    expect(desk.locator("[data-testid=email-subject]")).to_have_text("Subject: Meter reading")
    expect(desk.locator("#end-button")).to_have_text("End conversation")
    expect(desk.locator("[data-testid=email-address]")).to_have_text("From zoe.mail@example.com")
    expect(desk.locator("#reply-hint")).to_have_text(
        "Your reply goes by email to zoe.mail@example.com, with their last mail quoted below it."
    )
    expect(desk.locator("#reply-input")).to_have_attribute(
        "placeholder", re.compile(r"^Reply by email to zoe\.mail@example\.com")
    )

    desk.fill("#reply-input", "Hello Zoe, we have noted 4711.")
    desk.press("#reply-input", "Enter")
    expect(messages(desk, "Hello Zoe, we have noted 4711.")).to_have_count(1)

    reply = eventually(lambda: a_person_reply(demo.outbox), "the agent's reply at the sink")
    ours = str(reply["Message-ID"])
    assert re.fullmatch(r"<[^<>@\s]+@northwind\.example>", ours), ours
    assert reply["In-Reply-To"] == "<meter-1@example.com>"
    assert "<meter-1@example.com>" in str(reply["References"]).split()
    assert reply["Subject"] == "Re: Meter reading"
    assert reply["To"].addresses[0].addr_spec == "zoe.mail@example.com"
    assert reply["From"].addresses[0].addr_spec == INBOX
    assert reply["Auto-Submitted"] is None
    text = body_text(reply)
    assert text.startswith("Hello Zoe, we have noted 4711.")
    assert "> My meter reads 4711 today." in text
    # The demo channel's acknowledgement went first, marked as automatic mail.
    acknowledgements = [m for m in sink_mails(demo.outbox) if m["Auto-Submitted"]]
    assert [str(m["Auto-Submitted"]) for m in acknowledgements] == ["auto-generated"]

    answer = EmailMessage()
    answer["From"] = "Zoe Mail <zoe.mail@example.com>"
    answer["To"] = INBOX
    answer["Subject"] = "Re: Meter reading"
    answer["Message-ID"] = "<meter-2@example.com>"
    answer["In-Reply-To"] = ours
    answer["References"] = f"<meter-1@example.com> {ours}"
    answer["Date"] = email.utils.formatdate()
    answer.set_content("Thanks, that works.\n\n> Hello Zoe, we have noted 4711.")
    send_mail(demo, answer)

    expect(messages(desk, "Thanks, that works.")).to_have_count(1)
    tab = desk.locator("[data-testid=conversation-tab]")
    expect(tab).to_have_count(1)
    assert tab.get_attribute("data-conversation-id") == conversation_id
    assert desk.locator("#conversation-pane").get_attribute("data-conversation-id") == (
        conversation_id
    )
    expect(desk.locator("[data-testid=offer]")).to_have_count(0)
    # The outbox listing shows both mails the center sent.
    listed = demo.cli("demo-outbox")
    assert listed.count("to Zoe Mail <zoe.mail@example.com>") == 2, listed


def test_a_whatsapp_message_is_answered_from_the_desk_through_the_fake_provider(
    demo: LiveDemo, desk: Any
) -> None:
    demo.cli(
        "demo-whatsapp", "Is my contract renewed?", "--sender", "15550009999", "--name", "Walt"
    )

    conversation_id = accept_the_offer(desk, "Walt", "Is my contract renewed?")
    expect(messages(desk, "Is my contract renewed?")).to_have_count(1)
    expect(desk.locator("#pane-email")).to_be_hidden()
    expect(desk.locator("#reply-hint")).to_be_hidden()

    desk.fill("#reply-input", "Yes, Walt, until 2027.")
    desk.press("#reply-input", "Enter")
    expect(messages(desk, "Yes, Walt, until 2027.")).to_have_count(1)

    sends = demo.outbox / "whatsapp.jsonl"
    record = json.loads(
        eventually(
            lambda: sends.read_text().splitlines()[0] if sends.is_file() else None,
            "the agent's reply at the fake provider",
        )
    )
    request = record["request"]
    assert request["messaging_product"] == "whatsapp"
    assert request["to"] == "15550009999"
    assert request["type"] == "text"
    assert request["text"]["body"] == "Yes, Walt, until 2027."
    assert record["id"].startswith("wamid.")

    # Walt answers, quoting our message; the webhook is signed with the demo's app secret.
    wa = demo.state["whatsapp"]
    payload = whatsapp_payload(wa["phone_number_id"], "15550009999", "Walt", "Great, thanks!")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"id": record["id"]}
    body = json.dumps(payload).encode()
    posted = urllib.request.Request(
        wa["webhook"],
        data=body,
        method="POST",
        headers={
            "content-type": "application/json",
            "x-hub-signature-256": meta_signature(body, wa["app_secret"]),
        },
    )
    with urllib.request.urlopen(posted, timeout=10) as answer:
        assert answer.status == 200

    expect(messages(desk, "Great, thanks!")).to_have_count(1)
    tab = desk.locator("[data-testid=conversation-tab]")
    expect(tab).to_have_count(1)
    assert tab.get_attribute("data-conversation-id") == conversation_id
    assert "Yes, Walt, until 2027." in demo.cli("demo-outbox")
