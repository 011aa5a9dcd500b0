"""A real server with an email conversation (mail sent by SMTP to its inbox) and a WhatsApp
one (a signed webhook) is killed with SIGKILL and started again: both conversations are
still there with all their messages and still with their agent, and the agent's replies,
queued before the kill while the providers were unreachable, are still queued and go out
once the customer's mail server answers."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from switchdesk.adapters.channels.email.smtp_in import SmtpInbox
from switchdesk.adapters.channels.meta import meta_signature
from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.live_tables import deliveries
from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.live.capacity import DEFAULT_CAPACITY_PROFILE
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER, free_port
from tests.live.test_restart_sigkill import frames_until, server

pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")

PAYLOADS = Path(__file__).parents[1] / "adapters" / "messaging" / "payloads"
APP_SECRET = "sigkill-app-secret"
INBOX = "help@northwind.example"


class Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def accept(self, raw: bytes, rcpts: list[str]) -> None:
        self.received.append(raw)


def queued_replies(database_url: str, conversation_id: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.status).where(deliveries.c.conversation_id == conversation_id)
            ).all()
    finally:
        engine.dispose()
    return [r.status for r in rows]


def test_sigkill_keeps_email_and_whatsapp_conversations_and_their_queued_replies(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    rt.live.start()
    seed_demo_center(rt.accounts, rt.live, lambda: "demo password 123")
    op = Principal.operator("test")
    agent = rt.accounts.find_user(op, "agent")
    token = rt.accounts.issue_token(op, agent.id, "t").secret
    rt.live.set_agent_profile(
        op, agent.id, skills={"support": 4}, capacity=DEFAULT_CAPACITY_PROFILE
    )
    queue_id = rt.live.channel("northwind-chat").queue_id
    customer_mx = free_port()  # nothing listens there until after the restart
    rt.live.create_channel(
        op, slug="north-mail", name="Northwind mail", queue_id=queue_id,
        kind=ChannelKind.EMAIL, address=INBOX,
        settings={"smtp_host": "127.0.0.1", "smtp_port": customer_mx, "smtp_starttls": False},
    )  # fmt: skip
    rt.live.create_channel(
        op, slug="wa", name="WhatsApp", queue_id=queue_id,
        kind=ChannelKind.WHATSAPP, address="106540352242922",
        settings={
            "secrets": {"app_secret": "sigkill_wa_app"},
            "api_base_url": f"http://127.0.0.1:{free_port()}",  # unreachable: stays queued
        },
    )  # fmt: skip
    rt.close()

    port, smtp_port = free_port(), free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    auth = {"authorization": f"Bearer {token}"}
    env = {
        "SWITCHDESK_SMTP_INBOX_PORT": str(smtp_port),
        "SWITCHDESK_SECRET_SIGKILL_WA_APP": APP_SECRET,
    }
    log = tmp_path / "server.log"

    with server(database_url, port, log, env) as proc:
        http = httpx.Client(base_url=base, timeout=10)
        agent_ws = connect(f"{ws_base}/ws/agent", additional_headers=auth)
        frames_until(agent_ws, "snapshot")
        r = http.put("/api/v1/desk/presence", json={"presence": "available"}, headers=auth)
        assert r.status_code == 200, r.text

        mail = EmailMessage()
        mail["From"] = "Ann Example <ann@example.org>"
        mail["To"] = INBOX
        mail["Subject"] = "Meter reading"
        mail["Message-ID"] = "<sigkill-1@example.org>"
        mail.set_content("My meter reads 4711.")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.send_message(mail)
        email_offer = frames_until(agent_ws, "offer")["offer"]
        assert email_offer["channel_kind"] == "email"

        # The stored payload ends with a STOP; without it the contact may be answered.
        payload = json.loads((PAYLOADS / "whatsapp_messages.json").read_bytes())
        value = payload["entry"][0]["changes"][0]["value"]
        value["messages"] = [
            m for m in value["messages"] if m.get("text", {}).get("body", "").strip() != "Stop"
        ]
        body = json.dumps(payload).encode()
        signed = {
            "x-hub-signature-256": meta_signature(body, APP_SECRET),
            "content-type": "application/json",
        }
        assert http.post("/webhooks/whatsapp/wa", content=body, headers=signed).status_code == 200
        wa_offer = frames_until(agent_ws, "offer")["offer"]
        assert wa_offer["channel_kind"] == "messaging"  # WhatsApp is a messaging kind

        convs = {}
        for kind, offer in (("email", email_offer), ("whatsapp", wa_offer)):
            r = http.post(f"/api/v1/desk/offers/{offer['id']}/accept", headers=auth)
            assert r.status_code == 200, r.text
            convs[kind] = offer["conversation_id"]
            r = http.post(
                f"/api/v1/conversations/{convs[kind]}/messages",
                json={"text": f"reply on {kind}"},
                headers=auth,
            )
            assert r.status_code == 201, r.text
        before = {
            c["id"]: [m["text"] for m in c["messages"]]
            for c in http.get("/api/v1/desk", headers=auth).json()["conversations"]
        }
        assert before[convs["email"]] == ["My meter reads 4711.", "reply on email"]
        assert before[convs["whatsapp"]][-1] == "reply on whatsapp"

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        agent_ws.close()
        http.close()

    for conv_id in convs.values():  # the replies are still in the queue, not sent
        [status] = queued_replies(database_url, conv_id)
        assert status == "queued"

    sink = Sink()
    customer_server = SmtpInbox("127.0.0.1", customer_mx, sink.accept)
    customer_server.start()
    try:
        with server(database_url, port, log, env):
            http = httpx.Client(base_url=base, timeout=10)
            desk = http.get("/api/v1/desk", headers=auth).json()
            after = {c["id"]: [m["text"] for m in c["messages"]] for c in desk["conversations"]}
            assert after == before  # both conversations, still the agent's, every message

            # The customer writes again over each channel: same conversations.
            again = EmailMessage()
            again["From"] = "ann@example.org"
            again["To"] = INBOX
            again["Subject"] = "Re: Meter reading"
            again["Message-ID"] = "<sigkill-2@example.org>"
            again["In-Reply-To"] = "<sigkill-1@example.org>"
            again.set_content("And the gas meter reads 815.")
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
                smtp.send_message(again)
            desk = http.get("/api/v1/desk", headers=auth).json()
            email_conv = next(c for c in desk["conversations"] if c["id"] == convs["email"])
            assert email_conv["messages"][-1]["text"] == "And the gas meter reads 815."

            # The queued email reply goes out once the customer's server answers.
            deadline = time.monotonic() + 30
            while not sink.received:
                assert time.monotonic() < deadline, "the queued reply was never delivered"
                time.sleep(0.2)
            assert b"reply on email" in sink.received[0]
            assert b"<sigkill-1@example.org>" in sink.received[0]  # In-Reply-To kept
            assert queued_replies(database_url, convs["whatsapp"]) != []
            http.close()
    finally:
        customer_server.stop()
