"""Attachments of mail sent over real SMTP to the server's inbox (started by the app's
lifespan), on SQLite and PostgreSQL: stored in the blob store with their message, listed
on it, downloaded only by people who may see the conversation, active content served as
a download of bytes; mail over the limits gets a clear outcome and nothing is lost."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.attachments import ATTACHMENT_MAX_BYTES
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import FAST_HASHER, free_port
from tests.web.conftest import seed_center

INBOX = "help@northwind.example"
OP = Principal.operator("test")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_NAME = "Rechnung März 2026 €.pdf"


@dataclass
class Served:
    rt: Runtime
    client: TestClient
    smtp_port: int
    queue_id: str
    data_dir: Path
    headers: dict[str, dict[str, str]]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    data_dir = tmp_path / "data"
    settings = Settings(database_url=database_url, smtp_inbox_port=port, data_dir=data_dir)
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
        for name in ("agent", "blue_agent", "admin")
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
        yield Served(rt, client, port, queue.id, data_dir, headers)
    rt.close()


def mail(n: int, *files: tuple[bytes, str, str, str]) -> bytes:
    m = EmailMessage()
    m["From"] = "Kim Customer <kim@example.org>"
    m["To"] = INBOX
    m["Subject"] = f"files {n}"
    m["Message-ID"] = f"<files-{n}@example.org>"
    m.set_content("Please see the attachment.")
    for data, maintype, subtype, name in files:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


def send(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail("kim@example.org", [INBOX], raw)


def only_message(s: Served) -> dict[str, Any]:
    [conv_id] = s.rt.live.waiting(s.queue_id)
    detail = s.rt.live.conversation_detail(OP, conv_id)
    [message] = detail["messages"]
    return message  # type: ignore[no-any-return]


def blob_files(s: Served) -> list[Path]:
    return [p for p in (s.data_dir / "blobs").rglob("*") if p.is_file()]


def test_a_pdf_with_a_utf8_name_is_stored_listed_and_downloaded_by_the_agent_only(
    served: Served,
) -> None:
    send(served.smtp_port, mail(1, (PDF, "application", "pdf", PDF_NAME)))
    message = only_message(served)
    [file] = message["attachments"]
    assert file["filename"] == PDF_NAME
    assert (file["state"], file["size"], file["content_type"]) == (
        "stored",
        len(PDF),
        "application/pdf",
    )
    assert [p.stat().st_size for p in blob_files(served)] == [len(PDF)]

    api, url = served.client, file["url"]
    got = api.get(url, headers=served.headers["agent"])
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Rechnung Marz 2026 _.pdf"')
    assert "filename*=UTF-8''Rechnung%20M%C3%A4rz%202026%20%E2%82%AC.pdf" in disposition
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].startswith("sandbox")

    assert api.get(url, headers=served.headers["blue_agent"]).status_code == 404
    assert api.get(url).status_code == 401
    unknown = api.get("/api/v1/attachments/no-such-id", headers=served.headers["agent"])
    assert unknown.status_code == 404


def test_the_same_file_in_two_mails_is_one_blob_and_two_attachments(served: Served) -> None:
    send(served.smtp_port, mail(1, (PDF, "application", "pdf", "a.pdf")))
    send(served.smtp_port, mail(2, (PDF, "application", "pdf", "b.pdf")))
    assert len(served.rt.live.waiting(served.queue_id)) == 2
    assert len(blob_files(served)) == 1


def test_a_20_mb_attachment_is_refused_552_by_size_and_nothing_is_half_stored(
    served: Served,
) -> None:
    big = bytes(range(256)) * (20 * 1024 * 1024 // 256)  # base64: ~27 MB > 25 MiB
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(served.smtp_port, mail(3, (big, "video", "mp4", "film.mp4")))
    assert refused.value.smtp_code == 552
    assert served.rt.live.waiting(served.queue_id) == []
    kept = served.client.get("/api/v1/mail/unparsed", headers=served.headers["admin"])
    assert kept.json() == []
    assert blob_files(served) == []


def test_an_attachment_over_the_limit_is_too_large_the_message_routed_and_the_raw_kept(
    served: Served,
) -> None:
    big = b"\x07" * (ATTACHMENT_MAX_BYTES + 1024)  # within the SMTP limit when encoded
    raw = mail(4, (big, "application", "zip", "logs.zip"), (b"hello", "text", "plain", "n.txt"))
    send(served.smtp_port, raw)
    message = only_message(served)
    files = [(a["filename"], a["state"], a["size"], a["url"]) for a in message["attachments"]]
    assert files[0] == ("logs.zip", "too_large", len(big), None)
    assert files[1][:3] == ("n.txt", "stored", 5)
    [kept] = served.client.get("/api/v1/mail/unparsed", headers=served.headers["admin"]).json()
    assert kept["reason"].startswith("attachment too large, kept whole: logs.zip")
    assert kept["size"] == len(raw)
    download = served.client.get(
        f"/api/v1/mail/unparsed/{kept['id']}/raw", headers=served.headers["admin"]
    )
    assert download.content == raw
    [conv_id] = served.rt.live.waiting(served.queue_id)
    timeline = served.rt.live.conversation_detail(OP, conv_id)["timeline"]
    assert timeline[0]["detail"]["kept_mail_id"] == kept["id"]


def test_an_html_attachment_downloads_as_bytes_never_as_a_page(served: Served) -> None:
    page = b"<html><script>alert(document.cookie)</script></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    send(
        served.smtp_port,
        mail(5, (page, "text", "html", "invoice.html"), (svg, "image", "svg+xml", "x.svg")),
    )
    for file in only_message(served)["attachments"]:
        got = served.client.get(file["url"], headers=served.headers["agent"])
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in got.headers["content-security-policy"]
    assert {f["content_type"] for f in only_message(served)["attachments"]} == {
        "text/html",
        "image/svg+xml",
    }
