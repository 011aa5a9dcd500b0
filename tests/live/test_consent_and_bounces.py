"""Who we may still send to, through the live center on SQLite and PostgreSQL: an opt-out
(STOP) refuses replies on its channel until an opt-in (START), also at send time for a
reply queued before it; a permanent bounce marks the address until the contact writes
again, a temporary one is only noted; our acknowledgements are automatic mail, limited
per address, so a loop with an auto-responder ends."""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy

import pytest
from sqlalchemy import text

from switchdesk.adapters.channels.email.composing import compose_mail, message_id_for
from switchdesk.adapters.channels.email.parsing import parse_mail
from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.adapters.memory.channels import FakeSender
from switchdesk.domain.conversations.channels import (
    Bounce,
    ConsentChange,
    DeliveryStatus,
    InboundMessage,
    OutboundMessage,
    SendResult,
)
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.domain.errors import Conflict
from switchdesk.usecases.channel_ports import ChannelEndpoint
from switchdesk.usecases.deliveries import Dispatcher
from tests.live.conftest import Center
from tests.live.test_channel_intake import EMAIL_CAPACITY, mail

DOMAIN = "northwind.example"
PHONE = Identity(IdentityKind.PHONE, "+15551234567")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ana(center: Center) -> str:
    ana = center.users["ana"].user
    assert ana is not None
    center.live.set_agent_profile(center.op, ana.id, skills={"support": 3}, capacity=EMAIL_CAPACITY)
    center.live.set_presence(center.users["ana"], "available")
    return ana.id


def _accept(center: Center, ana_id: str) -> str:
    offer = center.recorder.of_type(f"agent:{ana_id}", "offer")[-1]
    return str(center.live.accept_offer(center.users["ana"], offer["offer"]["id"])["id"])


def _sms(center: Center) -> str:
    return center.live.create_channel(
        center.op,
        slug="north-sms",
        name="Northwind SMS",
        queue_id=center.queues["support"],
        kind=ChannelKind.SMS,
        address="+15557654321",
    ).id


def _inbox(center: Center, **settings: object) -> str:
    return center.live.create_channel(
        center.op,
        slug="north-mail",
        name="Northwind mail",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address=f"help@{DOMAIN}",
        settings=settings,
    ).id


def _sms_in(sms: str, sid: str, body: str) -> InboundMessage:
    return InboundMessage(sms, PHONE, "", body, sid, AT)


def _dispatcher(center: Center, *senders: FakeSender) -> Dispatcher:
    return Dispatcher(
        SqlDeliveryStore(center.engine),
        {s.kind: s for s in senders},
        center.live.endpoint_by_id,
        center.clock,
        refuse=center.live.delivery_refusal,
    )


def _timeline(center: Center, conv_id: str, kind: str) -> list[dict[str, object]]:
    detail = center.live.conversation_detail(center.op, conv_id)
    return [e["detail"] for e in detail["timeline"] if e["kind"] == kind]


def _refused(center: Center, conv_id: str, body: str) -> str:
    with pytest.raises(Conflict) as refused:
        center.live.agent_message(center.users["ana"], conv_id, body)
    return refused.value.code


def test_a_stop_refuses_replies_on_that_channel_until_a_start(center: Center) -> None:
    live, ana_id = center.live, _ana(center)
    sms = _sms(center)
    live.receive([_sms_in(sms, "SM1", "where is my parcel?")]).result()
    conv_id = _accept(center, ana_id)
    stop = [_sms_in(sms, "SM2", "STOP"), ConsentChange(sms, PHONE, False, AT, "STOP")]
    live.receive(stop).result()
    assert _refused(center, conv_id, "It ships today") == "contact_opted_out"
    detail = live.conversation_detail(center.op, conv_id)
    assert all(m["text"] != "It ships today" for m in detail["messages"])  # nothing half-done
    with center.engine.connect() as conn:
        row = conn.execute(text("select opted_in, keyword from contact_consents")).one()
    assert (row.opted_in, row.keyword) == (False, "STOP")
    # A late retry of an older change does nothing; START lifts the opt-out.
    center.clock.move(60)
    later = datetime(2026, 11, 23, 10, 1, tzinfo=UTC)
    live.receive([ConsentChange(sms, PHONE, True, later, "START")]).result()
    live.receive([ConsentChange(sms, PHONE, False, AT, "STOP")]).result()
    live.agent_message(center.users["ana"], conv_id, "It ships today")
    kinds = [e["kind"] for e in live.conversation_detail(center.op, conv_id)["timeline"]]
    assert kinds.count("opted_out") == 1 and kinds.count("opted_in") == 1


def test_an_opt_out_without_a_conversation_is_recorded_and_holds_when_they_write(
    center: Center,
) -> None:
    live, ana_id = center.live, _ana(center)
    sms = _sms(center)
    # An opt-in from a stranger records nothing; an opt-out creates only the contact.
    live.receive([ConsentChange(sms, PHONE, True, AT, "START")]).result()
    with center.engine.connect() as conn:
        assert conn.execute(text("select count(*) from contacts")).scalar_one() == 0
    live.receive([ConsentChange(sms, PHONE, False, AT, "STOP")]).result()
    with center.engine.connect() as conn:
        assert conn.execute(text("select count(*) from contacts")).scalar_one() == 1
        assert conn.execute(text("select count(*) from conversations")).scalar_one() == 0
        assert conn.execute(text("select count(*) from contact_consents")).scalar_one() == 1
    restarted = center.restart()
    restarted.live.receive([_sms_in(sms, "SM9", "wrong number?")]).result()
    conv_id = _accept(restarted, ana_id)
    assert _refused(restarted, conv_id, "Hello") == "contact_opted_out"


def test_a_reply_queued_before_the_stop_fails_at_send_time_and_is_never_sent(
    center: Center,
) -> None:
    live, ana_id = center.live, _ana(center)
    sms = _sms(center)
    live.receive([_sms_in(sms, "SM1", "hello")]).result()
    conv_id = _accept(center, ana_id)
    live.agent_message(center.users["ana"], conv_id, "Queued before the STOP")
    live.receive([ConsentChange(sms, PHONE, False, AT, "STOP")]).result()
    sender = FakeSender(ChannelKind.SMS)
    [done] = _dispatcher(center, sender).run_due()
    assert done.status is DeliveryStatus.FAILED and done.error_code == "contact_opted_out"
    assert "opted out" in done.error
    assert sender.attempts == []
    assert _dispatcher(center, sender).run_due() == []  # failed for good, not retried


def _email_conversation(center: Center, inbox: str, ana_id: str) -> str:
    center.live.receive([mail(inbox, "<m1@example.org>")]).result()
    return _accept(center, ana_id)


def _bounce(
    inbox: str,
    conv_id: str | None,
    status: str,
    *,
    recipient: str = "ann@example.org",
    original: str | None = None,
) -> Bounce:
    """A bounce naming our conversation by its Message-ID pattern, or (``original``) the
    provider's id of one of our deliveries with no hint."""
    return Bounce(
        channel_id=inbox,
        recipient=recipient,
        permanent=status.startswith("5"),
        status_code=status,
        original_external_id=original or message_id_for(str(conv_id), "m-out", DOMAIN),
        at=AT,
        diagnostic="550 5.1.1 user unknown" if status.startswith("5") else "451 try later",
        conversation_hint=conv_id,
    )


def test_a_permanent_bounce_marks_the_address_until_the_contact_writes_again(
    center: Center,
) -> None:
    live, ana_id = center.live, _ana(center)
    inbox = _inbox(center)
    conv_id = _email_conversation(center, inbox, ana_id)
    live.agent_message(center.users["ana"], conv_id, "First answer")
    live.agent_message(center.users["ana"], conv_id, "Second answer, queued before the bounce")
    sender = FakeSender(ChannelKind.EMAIL)
    dispatcher = _dispatcher(center, sender)
    [first] = dispatcher.run_due(limit=1)
    assert first.status is DeliveryStatus.SENT and first.external_id
    # The report names our delivery by the id the first server gave it; no hint.
    live.receive([_bounce(inbox, None, "5.1.1", original=first.external_id)]).result()
    bounced = SqlDeliveryStore(center.engine).get(first.id)
    assert bounced is not None and bounced.status is DeliveryStatus.FAILED
    assert bounced.error_code == "bounced" and "5.1.1" in bounced.error
    [noted] = _timeline(center, conv_id, "bounced")
    assert noted["status"] == "5.1.1" and noted["recipient"] == "ann@example.org"
    assert "user unknown" in str(noted["diagnostic"])
    [second] = dispatcher.run_due()
    assert second.error_code == "address_undeliverable" and len(sender.sent) == 1
    assert _refused(center, conv_id, "Third") == "address_undeliverable"
    assert live.waiting(center.queues["support"]) == []  # the report is never routed
    # Ann writes again in the thread: the address works, replies go again.
    live.receive([mail(inbox, "<m2@example.org>", "<m1@example.org>", text="Fixed")]).result()
    assert _timeline(center, conv_id, "address_deliverable")
    live.agent_message(center.users["ana"], conv_id, "Third")
    assert [d.message.text for d in dispatcher.run_due()] == ["Third"]


def test_a_temporary_bounce_is_only_noted(center: Center) -> None:
    live, ana_id = center.live, _ana(center)
    inbox = _inbox(center)
    conv_id = _email_conversation(center, inbox, ana_id)
    live.receive([_bounce(inbox, conv_id, "4.2.2")]).result()
    [noted] = _timeline(center, conv_id, "delivery_delayed")
    assert noted["permanent"] is False
    live.agent_message(center.users["ana"], conv_id, "Still fine")
    with center.engine.connect() as conn:
        assert conn.execute(text("select count(*) from undeliverable_addresses")).scalar_one() == 0


def test_a_bounce_for_someone_else_does_not_land_on_the_conversation(center: Center) -> None:
    live, ana_id = center.live, _ana(center)
    inbox = _inbox(center)
    conv_id = _email_conversation(center, inbox, ana_id)
    live.receive([_bounce(inbox, conv_id, "5.1.1", recipient="bob@example.org")]).result()
    assert _timeline(center, conv_id, "bounced") == []
    live.agent_message(center.users["ana"], conv_id, "Ann is fine")  # Ann is not marked
    with center.engine.connect() as conn:
        marked = conn.execute(text("select value, status_code from undeliverable_addresses"))
        assert [tuple(r) for r in marked] == [("bob@example.org", "5.1.1")]


def test_a_new_mail_gets_one_automatic_acknowledgement_per_address_and_hour(
    center: Center,
) -> None:
    live = center.live
    inbox = _inbox(center, auto_acknowledge="Thanks, we will answer within a day.")
    live.receive([mail(inbox, "<m1@example.org>")]).result()
    live.receive([mail(inbox, "<m2@example.org>", text="Another question")]).result()
    live.receive(
        [mail(inbox, "<oof@example.org>", sender="cy@example.org", automatic=True)]
    ).result()
    sender = FakeSender(ChannelKind.EMAIL)
    [ack] = _dispatcher(center, sender).run_due()
    assert ack.message.automatic and not ack.message.human_agent
    assert ack.message.to.value == "ann@example.org"
    assert ack.message.in_reply_to == "<m1@example.org>"
    assert ack.message.text == "Thanks, we will answer within a day."
    skipped = [
        d
        for c in live.waiting(center.queues["support"])
        for d in _timeline(center, c, "acknowledgement_skipped")
    ]
    assert skipped == [{"reason": "auto_reply_limit"}]
    center.clock.move(3601)
    live.receive([mail(inbox, "<m3@example.org>", text="A third one")]).result()
    assert len(_dispatcher(center, sender).run_due()) == 1


@dataclass
class AutoResponder:
    """A customer's mailbox that answers every mail it gets, at once: ``marked`` says
    whether its answers carry Auto-Submitted, ``threaded`` whether they carry
    In-Reply-To (the worst one does neither and invents a new subject each time)."""

    marked: bool
    threaded: bool
    inbox: list[bytes] = field(default_factory=list)
    answers: list[bytes] = field(default_factory=list)

    def receive(self, raw: bytes) -> bytes:
        self.inbox.append(raw)
        got = email.message_from_bytes(raw, policy=policy.default)
        answer = email.message.EmailMessage()
        answer["From"] = "ann@example.org"
        answer["To"] = str(got["From"])
        answer["Subject"] = f"Out of office {len(self.inbox)}"
        answer["Message-ID"] = f"<auto{len(self.inbox)}@example.org>"
        if self.threaded:
            answer["In-Reply-To"] = str(got["Message-ID"])
        if self.marked:
            answer["Auto-Submitted"] = "auto-replied"
            answer["X-Autoreply"] = "yes"
        answer.set_content("I am away; I will read your mail later.")
        raw_answer = answer.as_bytes()
        self.answers.append(raw_answer)
        return raw_answer


@dataclass
class MailLink:
    """Our sender, wired to the auto-responder: each mail we send is composed for real
    and answered; the answers wait in ``pending`` for our inbox."""

    responder: AutoResponder
    kind: ChannelKind = ChannelKind.EMAIL
    pending: list[bytes] = field(default_factory=list)

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        mail_out = compose_mail(
            message, from_address=f"help@{DOMAIN}", from_name="Northwind", our_domain=DOMAIN
        )
        self.pending.append(self.responder.receive(mail_out.as_bytes()))
        return SendResult(str(mail_out["Message-ID"]))


@pytest.mark.parametrize(
    ("marked", "threaded"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_a_loop_with_an_auto_responder_ends_and_loses_nothing(
    center: Center, marked: bool, threaded: bool
) -> None:
    live = center.live
    inbox = _inbox(center, auto_acknowledge="We got your mail.")
    responder = AutoResponder(marked=marked, threaded=threaded)
    link = MailLink(responder)
    dispatcher = Dispatcher(
        SqlDeliveryStore(center.engine),
        {ChannelKind.EMAIL: link},
        live.endpoint_by_id,
        center.clock,
        refuse=live.delivery_refusal,
    )
    live.receive([mail(inbox, "<m1@example.org>")]).result()  # a person starts it
    for _ in range(20):
        sent = dispatcher.run_due()
        assert all(d.status is DeliveryStatus.SENT for d in sent)
        if not sent and not link.pending:
            break
        for raw in link.pending:
            parsed = parse_mail(raw, channel_id=inbox, our_domain=DOMAIN, received_at=AT)
            assert parsed.message is not None
            assert parsed.message.automatic is marked
            live.receive([parsed.message]).result()
        link.pending.clear()
        center.clock.move(5)
    else:
        pytest.fail("the loop did not end")
    # One acknowledgement went out, every one of our mails was marked automatic, and
    # every answer of the responder is stored.
    assert len(responder.inbox) == 1
    ours = email.message_from_bytes(responder.inbox[0], policy=policy.default)
    assert ours["Auto-Submitted"] == "auto-generated"
    with center.engine.connect() as conn:
        stored = conn.execute(
            text("select count(*) from messages where author_kind = 'contact'")
        ).scalar_one()
    assert stored == 1 + len(responder.answers)
