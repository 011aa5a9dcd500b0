"""An email conversation end to end over real SMTP (aiosmtpd on 127.0.0.1), on SQLite and
PostgreSQL: a mail to the inbox becomes an offer; the agent's reply leaves through the
delivery queue with our Message-ID and the threading headers; the customer's answer to it
lands in the same conversation."""

from __future__ import annotations

import asyncio
import email
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from switchdesk.adapters.channels.email.parsing import parse_mail
from switchdesk.adapters.channels.email.smtp_in import SmtpInbox
from switchdesk.adapters.channels.email.smtp_out import SmtpSender
from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.domain.conversations.channels import DeliveryStatus
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.deliveries import Dispatcher
from tests.conftest import free_port
from tests.live.conftest import Center

DOMAIN = "northwind.example"
CAPACITY = {"total": 100, "costs": {"chat": 50, "email": 20}}


class Mailbox:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def accept(self, raw: bytes, rcpts: list[str]) -> None:
        self.received.append(raw)


@pytest.fixture
def customer_mx() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    server = SmtpInbox("127.0.0.1", port, box.accept)
    server.start()
    yield box, port
    server.stop()


def test_mail_in_reply_out_and_the_customers_answer_stay_in_one_conversation(
    center: Center, customer_mx: tuple[Mailbox, int]
) -> None:
    live, op = center.live, center.op
    sink, sink_port = customer_mx
    inbox = live.create_channel(
        op,
        slug="north-mail",
        name="Northwind help",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address=f"help@{DOMAIN}",
        settings={"smtp_host": "127.0.0.1", "smtp_port": sink_port, "smtp_starttls": False},
    )

    async def accept(raw: bytes, rcpts: list[str]) -> None:
        parsed = parse_mail(
            raw, channel_id=inbox.id, our_domain=DOMAIN, received_at=datetime.now(UTC)
        )
        assert parsed.message is not None
        await asyncio.wrap_future(live.receive([parsed.message]))

    ours = SmtpInbox(
        "127.0.0.1",
        free_port(),
        accept,
        knows_recipient=lambda a: a.lower().endswith("@" + DOMAIN),
    )
    ours.start()
    try:
        ana = center.users["ana"]
        assert ana.user is not None
        live.set_agent_profile(op, ana.user.id, skills={"support": 3}, capacity=CAPACITY)
        live.set_presence(ana, "available")

        first = EmailMessage()
        first["From"] = "Ann Example <ann@example.org>"
        first["To"] = f"help@{DOMAIN}"
        first["Subject"] = "Invoice 1042"
        first["Message-ID"] = "<m1@example.org>"
        first.set_content("My invoice is wrong.")
        with smtplib.SMTP("127.0.0.1", ours.port) as smtp:
            smtp.send_message(first)

        [offer] = center.recorder.of_type(f"agent:{ana.user.id}", "offer")
        assert offer["offer"]["channel_kind"] == "email"
        conv = live.accept_offer(ana, offer["offer"]["id"])
        live.agent_message(ana, conv["id"], "Sorry, a corrected invoice is on its way.")

        dispatcher = Dispatcher(
            SqlDeliveryStore(center.engine),
            {ChannelKind.EMAIL: SmtpSender()},
            live.endpoint_by_id,
            center.clock,
        )
        [done] = dispatcher.run_due()
        assert done.status is DeliveryStatus.SENT, done.error
        [raw_reply] = sink.received
        reply = email.message_from_bytes(raw_reply, policy=policy.default)
        assert reply["In-Reply-To"] == "<m1@example.org>"
        assert "<m1@example.org>" in reply["References"]
        assert reply["Subject"] == "Re: Invoice 1042"
        assert reply["Message-ID"].endswith(f"@{DOMAIN}>") and conv["id"] in reply["Message-ID"]
        assert reply["Auto-Submitted"] is None  # a person wrote it
        assert done.external_id == reply["Message-ID"]

        answer = EmailMessage()
        answer["From"] = "ann@example.org"
        answer["To"] = f"help@{DOMAIN}"
        answer["Subject"] = "Re: Invoice 1042"
        answer["Message-ID"] = "<m2@example.org>"
        answer["In-Reply-To"] = reply["Message-ID"]
        answer["References"] = f"<m1@example.org> {reply['Message-ID']}"
        answer.set_content("Thanks, received.\n\nOn Monday you wrote:\n> Sorry, a corrected")
        with smtplib.SMTP("127.0.0.1", ours.port) as smtp:
            smtp.send_message(answer)

        detail = live.conversation_detail(op, conv["id"])
        texts = [m["text"] for m in detail["messages"] if not m["internal"]]
        assert texts[0] == "My invoice is wrong."
        assert texts[1] == "Sorry, a corrected invoice is on its way."
        assert texts[2].startswith("Thanks, received.")
        assert len(texts) == 3
    finally:
        ours.stop()
