"""Mail sent over real SMTP to the server's inbox (started by the app's lifespan): what
cannot become a message is kept raw and admins list and download it through the API;
malformed MIME and an unknown charset still become conversations with their text kept."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import FAST_HASHER, free_port
from tests.web.conftest import seed_center

FIXTURES = Path(__file__).parents[1] / "adapters" / "email" / "fixtures"
INBOX = "help@northwind.example"
OP = Principal.operator("test")


@dataclass
class Served:
    rt: Runtime
    client: TestClient
    smtp_port: int
    queue_id: str
    headers: dict[str, dict[str, str]]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'mail.db'}", smtp_inbox_port=port)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    center = seed_center(rt)
    rt.live.start()
    queue = rt.live.configure_queue(OP, name="Mail", client_account_id=center.north.id)
    rt.live.create_channel(
        OP, slug="north-mail", name="Northwind mail", queue_id=queue.id,
        kind=ChannelKind.EMAIL, address=INBOX,
    )  # fmt: skip
    headers = {
        name: {
            "authorization": "Bearer "
            + rt.accounts.issue_token(OP, center.user_ids[name], "t").secret
        }
        for name in ("admin", "operations_manager")
    }
    with TestClient(create_app(rt)) as client:
        deadline = time.monotonic() + 10
        while True:  # the lifespan starts the inbox on its own thread
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
                break
            except OSError:
                assert time.monotonic() < deadline, "the SMTP inbox did not start"
                time.sleep(0.05)
        yield Served(rt, client, port, queue.id, headers)
    rt.close()


def send(port: int, raw: bytes, to: str = INBOX) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("someone@example.org", [to], raw)


MALFORMED = (
    b"Subject: =?utf-8?q?broken\r\n"
    b"From nobody at all\r\n"
    b"Content-Type: multipart/mixed; boundary=\r\n"
    b"\r\n"
    b"--\r\n"
    b"no usable sender, no parts\r\n"
)


def test_mail_that_cannot_be_parsed_is_kept_raw_and_admins_download_it(served: Served) -> None:
    send(served.smtp_port, MALFORMED)
    garbage = (FIXTURES / "garbage.eml").read_bytes()
    send(served.smtp_port, garbage)
    api = served.client
    r = api.get("/api/v1/mail/unparsed", headers=served.headers["admin"])
    assert r.status_code == 200, r.text
    kept = r.json()
    assert len(kept) == 2
    by_size = {k["size"]: k for k in kept}
    first = by_size[len(MALFORMED)]
    assert first["source"] == "smtp"
    assert first["recipients"] == [INBOX]
    assert first["channel_id"] == served.rt.live.endpoint(ChannelKind.EMAIL, INBOX).channel.id  # type: ignore[union-attr]
    assert first["reason"]
    assert first["client_account_id"] is not None
    raw = api.get(f"/api/v1/mail/unparsed/{first['id']}/raw", headers=served.headers["admin"])
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.content == MALFORMED
    assert served.rt.live.waiting(served.queue_id) == []  # no conversation was made of them


def test_only_admins_see_the_kept_mail(served: Served) -> None:
    send(served.smtp_port, MALFORMED)
    api, ops = served.client, served.headers["operations_manager"]
    [kept] = api.get("/api/v1/mail/unparsed", headers=served.headers["admin"]).json()
    assert api.get("/api/v1/mail/unparsed", headers=ops).status_code == 403
    assert api.get(f"/api/v1/mail/unparsed/{kept['id']}/raw", headers=ops).status_code == 403
    assert api.get("/api/v1/mail/unparsed").status_code == 401
    missing = api.get("/api/v1/mail/unparsed/nope/raw", headers=served.headers["admin"])
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("fixture", "text"),
    [("unknown_charset.eml", "price"), ("malformed_mime.eml", "survives a broken boundary")],
)
def test_an_unknown_charset_or_broken_mime_still_becomes_a_routed_conversation(
    served: Served, fixture: str, text: str
) -> None:
    raw = (FIXTURES / fixture).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    send(served.smtp_port, raw)
    [conv_id] = served.rt.live.waiting(served.queue_id)
    detail = served.rt.live.conversation_detail(OP, conv_id)
    assert text in detail["messages"][0]["text"]
    kept = served.client.get("/api/v1/mail/unparsed", headers=served.headers["admin"])
    assert kept.json() == []


def test_mail_to_an_unknown_recipient_is_refused_at_rcpt(served: Served) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(served.smtp_port, MALFORMED, to="nobody@northwind.example")
    assert refused.value.recipients["nobody@northwind.example"][0] == 550
