"""SMTP in and out against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import email
import smtplib
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import pytest

from switchdesk.adapters.channels.email.smtp_in import SmtpInbox
from switchdesk.adapters.channels.email.smtp_out import SmtpSender
from switchdesk.domain.conversations.channels import DeliveryFailed, OutboundMessage
from switchdesk.domain.conversations.model import Channel, ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint, ChannelSender


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    def __init__(self) -> None:
        self.received: list[tuple[bytes, list[str]]] = []
        self.fail = False

    async def accept(self, raw: bytes, rcpts: list[str]) -> None:
        if self.fail:
            raise RuntimeError("database is down")
        self.received.append((raw, rcpts))


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def inbox(sink: Sink) -> Iterator[SmtpInbox]:
    server = SmtpInbox(
        "127.0.0.1",
        free_port(),
        sink.accept,
        max_message_bytes=1024 * 1024,
        knows_recipient=lambda a: a.lower().endswith("@help.example.org"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def mail(to: str = "support@help.example.org", body: str = "Hello") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "anna@example.com"
    m["To"] = to
    m["Subject"] = "Hi"
    m["Message-ID"] = "<in-1@example.com>"
    m.set_content(body)
    return m


def test_a_mail_sent_with_smtplib_reaches_the_accept_callback_as_bytes(
    inbox: SmtpInbox, sink: Sink
) -> None:
    with smtplib.SMTP(inbox.host, inbox.port, timeout=10) as smtp:
        smtp.send_message(mail())
    [(raw, rcpts)] = sink.received
    assert isinstance(raw, bytes)
    assert rcpts == ["support@help.example.org"]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == "<in-1@example.com>"
    assert parsed.get_content().strip() == "Hello"


def test_an_unknown_recipient_is_refused_with_550(inbox: SmtpInbox, sink: Sink) -> None:
    smtp = smtplib.SMTP(inbox.host, inbox.port, timeout=10)
    with smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as err:
        smtp.send_message(mail(to="nobody@elsewhere.example"))
    [(code, _)] = err.value.recipients.values()
    assert code == 550
    assert sink.received == []


def test_an_oversized_mail_is_refused_with_552(inbox: SmtpInbox, sink: Sink) -> None:
    with smtplib.SMTP(inbox.host, inbox.port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.esmtp_features.pop("size", None)  # do not let the client refuse it first
        with pytest.raises(smtplib.SMTPDataError) as err:
            smtp.send_message(mail(body="x" * (2 * 1024 * 1024)))
    assert err.value.smtp_code == 552
    assert sink.received == []


def test_a_failing_accept_callback_answers_451_so_the_sender_retries(
    inbox: SmtpInbox, sink: Sink
) -> None:
    sink.fail = True
    smtp = smtplib.SMTP(inbox.host, inbox.port, timeout=10)
    with smtp, pytest.raises(smtplib.SMTPDataError) as err:
        smtp.send_message(mail())
    assert err.value.smtp_code == 451
    sink.fail = False
    with smtplib.SMTP(inbox.host, inbox.port, timeout=10) as smtp:
        smtp.send_message(mail())
    assert len(sink.received) == 1


def endpoint(port: int) -> ChannelEndpoint:
    channel = Channel(
        id="ch-1",
        slug="support",
        name="Help Desk",
        kind=ChannelKind.EMAIL,
        client_account_id="acc-1",
        queue_id="q-1",
        address="support@help.example.org",
        settings={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False},
    )
    return ChannelEndpoint(channel=channel, secrets={"smtp_password": "hunter2"})


def outbound(to: str = "anna@example.com", **kw: object) -> OutboundMessage:
    fields: dict[str, object] = dict(
        delivery_id="d-1",
        message_id="msg-9",
        conversation_id="conv-4",
        channel_id="ch-1",
        to=Identity(IdentityKind.EMAIL, to),
        to_name="Anna Müller",
        text="Grüße, your order ships tomorrow.",
        subject="Bestellung",
        in_reply_to="<cust-2@example.com>",
        references=("<cust-1@example.com>",),
    )
    fields.update(kw)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def test_the_smtp_sender_delivers_with_our_threading_headers(inbox: SmtpInbox, sink: Sink) -> None:
    sender: ChannelSender = SmtpSender()
    assert sender.kind is ChannelKind.EMAIL
    to = "anna@help.example.org"  # a recipient the sink knows
    result = sender.send(outbound(to=to), endpoint(inbox.port))
    assert result.external_id == "<conv-4.msg-9@help.example.org>"
    [(raw, rcpts)] = sink.received
    assert rcpts == [to]
    m = email.message_from_bytes(raw, policy=policy.default)
    assert m["Message-ID"] == "<conv-4.msg-9@help.example.org>"
    assert m["In-Reply-To"] == "<cust-2@example.com>"
    assert m["References"] == "<cust-1@example.com> <cust-2@example.com>"
    assert m["Reply-To"] == "reply+conv-4@help.example.org"
    assert m["Subject"] == "Re: Bestellung"
    assert m["From"] == "Help Desk <support@help.example.org>"
    assert m["To"] == f"Anna Müller <{to}>"
    assert m["Auto-Submitted"] is None
    assert m.get_content().startswith("Grüße, your order")


def test_a_550_from_the_server_is_a_permanent_delivery_failure(inbox: SmtpInbox) -> None:
    with pytest.raises(DeliveryFailed) as err:
        SmtpSender().send(outbound(to="anna@example.com"), endpoint(inbox.port))
    assert err.value.permanent
    assert err.value.code == "smtp_550"
    assert "hunter2" not in str(err.value)


def test_a_451_from_the_server_is_a_temporary_delivery_failure(
    inbox: SmtpInbox, sink: Sink
) -> None:
    sink.fail = True
    with pytest.raises(DeliveryFailed) as err:
        SmtpSender().send(outbound(to="anna@help.example.org"), endpoint(inbox.port))
    assert not err.value.permanent
    assert err.value.code == "smtp_451"


def test_a_closed_port_is_a_temporary_delivery_failure() -> None:
    with pytest.raises(DeliveryFailed) as err:
        SmtpSender(default_timeout=5).send(outbound(), endpoint(free_port()))
    assert not err.value.permanent
    assert "hunter2" not in str(err.value)


def test_the_password_never_appears_in_logs_or_errors(
    inbox: SmtpInbox, caplog: pytest.LogCaptureFixture
) -> None:
    ep = endpoint(inbox.port)
    ep.channel.settings["smtp_username"] = "support"
    caplog.set_level("DEBUG")
    with pytest.raises(DeliveryFailed) as err:  # this sink offers no AUTH
        SmtpSender().send(outbound(to="anna@help.example.org"), ep)
    assert not err.value.permanent
    assert "hunter2" not in str(err.value)
    assert "hunter2" not in caplog.text


def test_a_server_that_never_answers_is_a_temporary_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        ep = endpoint(silent.getsockname()[1])
        ep.channel.settings["smtp_timeout"] = 0.5
        with pytest.raises(DeliveryFailed) as err:
            SmtpSender().send(outbound(), ep)
    assert not err.value.permanent
    assert "timed out" in err.value.detail
