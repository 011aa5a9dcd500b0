"""Email ingest benchmark: mails per second through SMTP into routed conversations.

Each mail comes from a new address, so it makes a new contact and a new conversation that
is routed (queued, no agent is free). The same client (``--connections`` smtplib
connections on threads, each sending its share of the mails one after another) sends the
same mails first to a bare ``aiosmtpd`` sink whose handler only counts, then to
switchdesk's SMTP inbox, whose ``250`` waits for the commit; the ratio of the two rates is
the figure (same run, same machine). The database is a fresh SQLite file unless
``--database`` names another (an empty PostgreSQL database, say).

Run: ``.venv/bin/python benchmarks/email_ingest.py`` (``--mails 500`` for a short run).
Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import smtplib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from switchdesk.adapters.channels.email.smtp_in import SmtpInbox
from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.principal import Principal

INBOX = "help@northwind.example"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mails(count: int) -> list[bytes]:
    return [
        (
            f"From: Customer {n} <customer{n}@example.org>\r\nTo: {INBOX}\r\n"
            f"Subject: Question {n}\r\nMessage-ID: <bench-{n}@example.org>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hello, this is question number {n}.\r\nRegards, customer {n}\r\n"
        ).encode()
        for n in range(count)
    ]


def send_all(port: int, raws: list[bytes], connections: int) -> tuple[float, int]:
    """Send every mail; seconds from the first to the last ``250``, and errors."""
    errors = [0]
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for raw in share:
                try:
                    smtp.sendmail("sender@example.org", [INBOX], raw)
                except smtplib.SMTPException:
                    with lock:
                        errors[0] += 1

    shares = [raws[i::connections] for i in range(connections)]
    threads = [threading.Thread(target=client, args=(s,)) for s in shares if s]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, errors[0]


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 OK"


def measure_sink(raws: list[bytes], connections: int) -> dict[str, Any]:
    handler, port = CountingHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        seconds, errors = send_all(port, raws, connections)
    finally:
        controller.stop()
    return {"seconds": seconds, "errors": errors, "received": handler.count}


def measure_switchdesk(raws: list[bytes], connections: int, database: str) -> dict[str, Any]:
    settings = Settings(database_url=database)
    migrate(settings)
    rt = build_runtime(settings)
    rt.live.start()
    op = Principal.operator("bench")
    north = rt.accounts.create_client_account(op, "Northwind")
    queue = rt.live.configure_queue(op, name="Mail", client_account_id=north.id)
    rt.live.create_channel(
        op, slug="mail", name="Mail", queue_id=queue.id, kind=ChannelKind.EMAIL, address=INBOX
    )
    port = free_port()
    inbox = SmtpInbox(
        "127.0.0.1",
        port,
        rt.email_intake.accept_smtp,
        knows_recipient=rt.email_intake.knows_recipient,
    )
    inbox.start()
    try:
        seconds, errors = send_all(port, raws, connections)
        routed = len(rt.live.waiting(queue.id))
        kept = len(rt.mail.list(op, 1000))
    finally:
        inbox.stop()
        rt.close()
    return {"seconds": seconds, "errors": errors, "routed": routed, "kept_raw": kept}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mails", type=int, default=2000, help="mails per measurement (2000)")
    p.add_argument("--connections", type=int, default=8, help="parallel SMTP clients (8)")
    p.add_argument("--database", default="", help="database URL (default: a fresh SQLite)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    raws = mails(args.mails)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        sink = measure_sink(raws, args.connections)
        log(f"bare aiosmtpd sink: {args.mails / sink['seconds']:.0f} mails/s")
        ours = measure_switchdesk(raws, args.connections, database)
        log(f"switchdesk inbox -> routed conversations: {args.mails / ours['seconds']:.0f} mails/s")
    sink_rate = args.mails / sink["seconds"]
    our_rate = args.mails / ours["seconds"]
    result = {
        "benchmark": "email_ingest",
        "mails": args.mails,
        "connections": args.connections,
        "database": database.split(":", 1)[0],
        "sink_mails_per_second": round(sink_rate, 1),
        "sink_errors": sink["errors"],
        "switchdesk_mails_per_second": round(our_rate, 1),
        "switchdesk_errors": ours["errors"],
        "conversations_routed": ours["routed"],
        "kept_raw": ours["kept_raw"],
        "ratio_to_sink": round(our_rate / sink_rate, 3),
    }
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
