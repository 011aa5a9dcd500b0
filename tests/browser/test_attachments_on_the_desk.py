"""In real Chromium against a real server with its SMTP inbox: the agent sees a mailed
PDF under the message on the desk and downloads it; the admin sees the kept raw mail on
the center page and downloads it."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.live.capacity import DEFAULT_CAPACITY_PROFILE
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER, free_port
from tests.live.test_restart_sigkill import server

pytestmark = pytest.mark.browser

INBOX = "help@northwind.example"
PASSWORD = "demo password 123"
PDF = b"%PDF-1.4\n% a small test file\n%%EOF\n"
BROKEN = b"Subject: no sender at all\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"


@dataclass
class Served:
    url: str
    smtp_port: int


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database_url = f"sqlite:///{tmp_path / 'files.db'}"
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    rt.live.start()
    seed_demo_center(rt.accounts, rt.live, lambda: PASSWORD)
    op = Principal.operator("test")
    agent = rt.accounts.find_user(op, "agent")
    rt.live.set_agent_profile(
        op, agent.id, skills={"support": 4}, capacity=DEFAULT_CAPACITY_PROFILE
    )
    queue_id = rt.live.channel("northwind-chat").queue_id
    rt.live.create_channel(
        op, slug="north-mail", name="Northwind mail", queue_id=queue_id,
        kind=ChannelKind.EMAIL, address=INBOX,
    )  # fmt: skip
    rt.close()
    port, smtp_port = free_port(), free_port()
    env = {"SWITCHDESK_SMTP_INBOX_PORT": str(smtp_port), "SWITCHDESK_DATA_DIR": str(tmp_path)}
    with server(database_url, port, tmp_path / "server.log", env):
        yield Served(f"http://127.0.0.1:{port}", smtp_port)


def send(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("kim@example.org", [INBOX], raw)


def signed_in(browser: Any, served: Served, username: str, path: str) -> Any:
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#landing-title")
    page.goto(f"{served.url}{path}")
    return page


def test_the_agent_downloads_a_mailed_pdf_and_the_admin_sees_the_kept_mail(
    browser: Any, served: Served
) -> None:
    from playwright.sync_api import expect

    mail = EmailMessage()
    mail["From"] = "Kim Customer <kim@example.org>"
    mail["To"] = INBOX
    mail["Subject"] = "My contract"
    mail["Message-ID"] = "<browser-files-1@example.org>"
    mail.set_content("The signed contract is attached.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="Vertrag März.pdf")
    send(served.smtp_port, mail.as_bytes(policy=policy.SMTP))
    send(served.smtp_port, BROKEN)

    desk = signed_in(browser, served, "agent", "/desk")
    desk.select_option("#presence-select", "available")
    offer = desk.locator("[data-testid=offer]")
    expect(offer).to_have_count(1, timeout=15_000)
    offer.locator("[data-testid=offer-accept]").click()
    file = desk.locator("[data-testid=message] [data-testid=attachment]")
    expect(file).to_have_count(1)
    expect(file).to_contain_text("Vertrag März.pdf")
    expect(file).to_contain_text(re.compile(r"\d+ B"))
    with desk.expect_download() as caught:
        file.locator("a").click()
    download = caught.value
    assert download.suggested_filename == "Vertrag März.pdf"
    assert Path(download.path()).read_bytes() == PDF

    admin = signed_in(browser, served, "admin", "/admin/center")
    row = admin.locator("[data-testid=kept-mail-row]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("no sender at all")
    expect(row).to_contain_text(f"{len(BROKEN)} B")
    with admin.expect_download() as caught:
        row.locator("a", has_text="Download").click()
    assert Path(caught.value.path()).read_bytes() == BROKEN
