"""Local stand-ins for the outside world, for ``switchdesk demo`` only (never ``serve``):

- :class:`MailSink`, an SMTP server (aiosmtpd) on 127.0.0.1 that keeps every mail the
  demo's email channel sends as an ``.eml`` file in the outbox folder;
- :class:`FakeWhatsApp`, an HTTP server on 127.0.0.1 that answers the WhatsApp Cloud
  API's send call (``POST /{version}/{phone_number_id}/messages`` with the bearer access
  token) the way the Graph API does, and records each send as a line of
  ``whatsapp.jsonl`` in the outbox folder.

Both run on their own threads. :func:`outbox_entries` lists what they kept, oldest first.
"""

from __future__ import annotations

import email
import email.policy
import hmac
import itertools
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("switchdesk.demo")

WHATSAPP_LOG = "whatsapp.jsonl"
_SEND_PATH = re.compile(r"/v[0-9.]+/([0-9]+)/messages")


class _SinkHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        with self._lock:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._count):04d}.eml"
        (self.folder / name).write_bytes(raw)
        log.info("demo mail sink kept %s for %s", name, ", ".join(envelope.rcpt_tos))
        return "250 2.0.0 Kept in the demo outbox"


class MailSink:
    """Accepts every mail on ``host:port`` and writes it to ``folder`` (``*.eml``)."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 2526) -> None:
        self.folder, self.host, self.port = folder, host, port
        self._controller: Controller | None = None

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        controller = Controller(_SinkHandler(self.folder), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()


class FakeWhatsApp:
    """Answers the Cloud API's send call for ``phone_number_id`` with ``access_token``."""

    def __init__(
        self,
        folder: Path,
        phone_number_id: str,
        access_token: str,
        host: str = "127.0.0.1",
        port: int = 2527,
    ) -> None:
        self.folder, self.phone_number_id, self.access_token = folder, phone_number_id, access_token
        self.host, self.port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def answer(self, path: str, authorization: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The status and JSON the Graph API would give; records accepted sends."""
        found = _SEND_PATH.fullmatch(path)
        if found is None or found.group(1) != self.phone_number_id:
            return 404, _graph_error(803, "Unknown path components", "OAuthException")
        if not hmac.compare_digest(authorization.encode(), f"Bearer {self.access_token}".encode()):
            return 401, _graph_error(190, "Invalid OAuth access token", "OAuthException")
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        if not isinstance(sent, dict) or sent.get("messaging_product") != "whatsapp":
            return 400, _graph_error(100, "Invalid parameter", "OAuthException")
        to = str(sent.get("to", ""))
        with self._lock:
            wamid = f"wamid.DEMO{int(time.time())}{next(self._ids):06d}"
            record = {"at": time.time(), "id": wamid, "request": sent}
            with (self.folder / WHATSAPP_LOG).open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        log.info("fake WhatsApp provider kept %s for %s", wamid, to)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    def start(self) -> FakeWhatsApp:
        self.folder.mkdir(parents=True, exist_ok=True)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, answer = fake.answer(
                    self.path.split("?", 1)[0],
                    self.headers.get("Authorization") or "",
                    self.rfile.read(length),
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the sends are logged above, without their headers

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = int(self._httpd.server_address[1])
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()


def _graph_error(code: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "demo"}}


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    channel: str  # "email" | "whatsapp"
    name: str
    to: str
    subject: str
    text: str


def outbox_entries(folder: Path) -> list[OutboxEntry]:
    """What the sink and the fake provider kept in ``folder``, oldest first."""
    out: list[tuple[float, OutboxEntry]] = []
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = mail.get_body(("plain",)) if isinstance(mail, EmailMessage) else None
        text = str(body.get_content()) if isinstance(body, EmailMessage) else ""
        entry = OutboxEntry("email", path.name, str(mail["To"] or ""), str(mail["Subject"]), text)
        out.append((path.stat().st_mtime, entry))
    log_file = folder / WHATSAPP_LOG
    if log_file.is_file():
        for line in log_file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            request = record["request"]
            text = request.get("text", {}).get("body") or f"[template {request.get('template')}]"
            out.append(
                (record["at"], OutboxEntry("whatsapp", record["id"], request["to"], "", text))
            )
    return [entry for _, entry in sorted(out, key=lambda pair: pair[0])]
