"""In real Chromium: a customer writes by email (SMTP to the inbox) and by WhatsApp (a
signed webhook); the agent's contact card offers the WhatsApp contact as a possible
duplicate (she wrote her number in the mail) without a Merge button, a team leader who
takes the conversation merges them, and the card shows one timeline with both channels;
the leader's reply shows its delivery status, moved live."""

from __future__ import annotations

import json
import re
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchdesk.adapters.channels.meta import meta_signature
from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.live.capacity import DEFAULT_CAPACITY_PROFILE
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER, free_port
from tests.live.test_restart_sigkill import server

pytestmark = pytest.mark.browser

APP_SECRET = "merge-app-secret"
PASSWORD = "demo password 123"
INBOX = "help@northwind.example"
PHONE_NUMBER_ID = "106540352242922"


class Served:
    def __init__(self, url: str, smtp_port: int) -> None:
        self.url, self.smtp_port = url, smtp_port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database_url = f"sqlite:///{tmp_path / 'merge.db'}"
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    rt.live.start()
    seed_demo_center(rt.accounts, rt.live, lambda: PASSWORD)
    op = Principal.operator("test")
    lead = rt.accounts.find_user(op, "lead")
    rt.live.set_agent_profile(op, lead.id, skills={"support": 1}, capacity=DEFAULT_CAPACITY_PROFILE)
    queue_id = rt.live.channel("northwind-chat").queue_id
    rt.live.create_channel(
        op, slug="north-mail", name="Northwind mail", queue_id=queue_id,
        kind=ChannelKind.EMAIL, address=INBOX,
    )  # fmt: skip
    rt.live.create_channel(
        op, slug="north-wa", name="Northwind WhatsApp", queue_id=queue_id,
        kind=ChannelKind.WHATSAPP, address=PHONE_NUMBER_ID,
        settings={"secrets": {"app_secret": "merge_wa_app"}},
    )  # fmt: skip
    rt.close()
    port, smtp_port = free_port(), free_port()
    env = {
        "SWITCHDESK_SMTP_INBOX_PORT": str(smtp_port),
        "SWITCHDESK_SECRET_MERGE_WA_APP": APP_SECRET,
    }
    with server(database_url, port, tmp_path / "server.log", env):
        yield Served(f"http://127.0.0.1:{port}", smtp_port)


def whatsapp_message(text: str) -> bytes:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [
                                {"profile": {"name": "Maria Lopes"}, "wa_id": "16505551234"}
                            ],
                            "messages": [
                                {
                                    "from": "16505551234",
                                    "id": "wamid.merge-1",
                                    "timestamp": "1749416383",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def timeline_of(page: Any) -> Any:
    return page.locator("#card-timeline [data-testid=timeline-item]")


def sign_in(browser: Any, served: Served, username: str, errors: list[str]) -> Any:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
    page.goto(f"{served.url}/login?next=/desk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/desk$"))
    expect(page.locator("#conn-state")).to_have_attribute("data-state", "open")
    page.select_option("#presence-select", "available")
    expect(page.locator("#presence-state")).to_have_attribute("data-presence", "available")
    return page


def test_a_team_leader_merges_the_email_and_whatsapp_contacts_from_the_card(
    browser: Any, served: Served
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    body = whatsapp_message("Hi, it is Maria, about my meter")
    signed = {"x-hub-signature-256": meta_signature(body, APP_SECRET)}
    r = httpx.post(f"{served.url}/webhooks/whatsapp/north-wa", content=body, headers=signed)
    assert r.status_code == 200, r.text
    mail = EmailMessage()
    mail["From"] = "Maria Lopes <maria@example.org>"
    mail["To"] = INBOX
    mail["Subject"] = "Meter reading"
    mail["Message-ID"] = "<merge-1@example.org>"
    mail.set_content("My meter reads 4711. My WhatsApp is +1 650 555 1234.")
    with smtplib.SMTP("127.0.0.1", served.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail)

    errors: list[str] = []
    ana = sign_in(browser, served, "agent", errors)
    email_offer = ana.locator("[data-testid=offer]", has_text="New email")
    email_offer.locator("[data-testid=offer-accept]").click()
    expect(ana.locator("#card-name")).to_have_text("Maria Lopes")
    duplicate = ana.locator("#card-duplicates [data-testid=duplicate]")
    expect(duplicate).to_have_count(1)
    expect(duplicate).to_contain_text("16505551234")
    expect(duplicate).to_contain_text("wrote the other's phone number")
    expect(duplicate.locator("[data-testid=merge-button]")).to_have_count(0)  # agents may not
    timeline = ana.locator("#card-timeline [data-testid=timeline-item]")
    expect(timeline.filter(has_text="My meter reads 4711")).to_have_count(1)
    expect(ana.locator("#card-timeline [data-channel=whatsapp]")).to_have_count(0)

    # The agent hands the conversation to the team leader, who merges from the card.
    lead = sign_in(browser, served, "lead", errors)
    ana.click("#transfer-button")
    ana.select_option("#transfer-target", label="Lena Leader")
    ana.click("#transfer-submit")
    offer = lead.locator("[data-testid=offer]", has_text="New email")
    offer.locator("[data-testid=offer-accept]").click()
    lead.locator("[data-testid=conversation-tab]", has_text="Maria Lopes").first.click()
    merge = lead.locator("#card-duplicates [data-testid=merge-button]")
    merge.focus()
    lead.keyboard.press("Enter")  # keyboard reachable
    expect(lead.locator("#card-duplicates")).to_have_count(0)
    expect(lead.locator("#desk-notice")).to_contain_text("Contacts merged")
    badges = lead.locator("#card-timeline [data-testid=channel-badge]")
    expect(badges.filter(has_text="WhatsApp").first).to_be_visible()
    expect(badges.filter(has_text="Email").first).to_be_visible()
    expect(
        lead.locator("#card-timeline [data-channel=whatsapp]", has_text="about my meter")
    ).to_have_count(1)
    expect(lead.locator(".card-fields")).to_contain_text("16505551234")

    # The leader's reply shows its delivery status under it, moved live by the dispatcher
    # (this inbox has no SMTP server configured, so it fails with that reason), and the
    # card's timeline takes it in.
    lead.fill("#reply-input", "Thanks Maria, noted")
    lead.press("#reply-input", "Enter")
    reply = lead.locator("[data-testid=message]", has_text="Thanks Maria, noted")
    status = reply.locator("[data-testid=delivery-status]")
    expect(status).to_have_attribute("data-status", "failed")
    expect(status).to_contain_text("smtp_config")
    expect(timeline_of(lead).filter(has_text="Thanks Maria, noted")).to_have_count(1)
    assert errors == []
