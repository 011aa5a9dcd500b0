"""Any channel's inbound messages through the one port: contacts by identity, duplicates
dropped by the provider's id, threads chosen per channel kind, routed like web chat (on
SQLite and PostgreSQL, and across a restart)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from switchdesk.domain.conversations.channels import DeliveryStatus, InboundMessage, StatusReport
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.domain.errors import Conflict, ValidationFailed
from tests.live.conftest import Center

EMAIL_CAPACITY = {"total": 100, "costs": {"chat": 50, "email": 20, "messaging": 25}}


def email_channel(center: Center) -> str:
    channel = center.live.create_channel(
        center.op,
        slug="north-mail",
        name="Northwind mail",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address="Help@Northwind.example",
    )
    return channel.id


def mail(
    channel_id: str,
    external_id: str,
    *refs: str,
    sender: str = "ann@example.org",
    text: str = "My invoice is wrong",
    automatic: bool = False,
) -> InboundMessage:
    return InboundMessage(
        channel_id=channel_id,
        sender=Identity(IdentityKind.EMAIL, sender),
        sender_name="Ann Example",
        text=text,
        external_id=external_id,
        received_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        subject="Invoice",
        replies_to=refs,
        automatic=automatic,
    )


def test_an_email_becomes_a_routed_conversation_and_is_offered_with_its_own_kind(
    center: Center,
) -> None:
    live = center.live
    inbox = email_channel(center)
    assert live.endpoint(ChannelKind.EMAIL, "help@northwind.example") is not None
    assert live.endpoint(ChannelKind.WHATSAPP, "help@northwind.example") is None
    ana = center.users["ana"].user
    assert ana is not None
    # An agent takes the kinds her capacity has a cost for.
    live.set_agent_profile(center.op, ana.id, skills={"support": 3}, capacity=EMAIL_CAPACITY)
    live.set_presence(center.users["ana"], "available")
    live.receive([mail(inbox, "<m1@example.org>")]).result()
    [offer] = center.recorder.of_type(f"agent:{center.users['ana'].user.id}", "offer")
    assert offer["offer"]["channel_kind"] == "email"
    assert offer["offer"]["preview"] == "My invoice is wrong"
    card = offer["offer"]["contact"]
    assert card["email"] == "ann@example.org" and card["name"] == "Ann Example"


def test_a_providers_retry_is_stored_once(center: Center) -> None:
    live = center.live
    inbox = email_channel(center)
    live.receive([mail(inbox, "<m1@example.org>"), mail(inbox, "<m1@example.org>")]).result()
    live.receive([mail(inbox, "<m1@example.org>")]).result()
    [conv_id] = live.waiting(center.queues["support"])
    detail = live.conversation_detail(center.op, conv_id)
    assert [m["text"] for m in detail["messages"]] == ["My invoice is wrong"]


def test_a_reply_threads_into_its_conversation_and_an_unrelated_mail_starts_another(
    center: Center,
) -> None:
    live = center.live
    inbox = email_channel(center)
    live.receive([mail(inbox, "<m1@example.org>")]).result()
    live.receive([mail(inbox, "<m2@example.org>", "<m1@example.org>", text="Any news?")]).result()
    live.receive([mail(inbox, "<m3@example.org>", text="Different question")]).result()
    # Another contact quoting Ann's thread does not join it.
    other = mail(inbox, "<m4@example.org>", "<m1@example.org>", sender="bob@example.org")
    live.receive([other]).result()
    waiting = live.waiting(center.queues["support"])
    assert len(waiting) == 3
    texts = [
        [m["text"] for m in live.conversation_detail(center.op, c)["messages"]] for c in waiting
    ]
    assert texts[0] == ["My invoice is wrong", "Any news?"]
    assert texts[1] == ["Different question"]
    assert texts[2] == ["My invoice is wrong"]


def test_an_automatic_mail_is_kept_but_never_routed(center: Center) -> None:
    live = center.live
    inbox = email_channel(center)
    live.receive([mail(inbox, "<oof@example.org>", text="I am out", automatic=True)]).result()
    assert live.waiting(center.queues["support"]) == []
    card = live.contact_card(center.op, _contact_id(center))
    [conv] = card["history"]
    assert conv["state"] == "resolved" and conv["channel_kind"] == "email"


def whatsapp_channel(center: Center) -> str:
    return center.live.create_channel(
        center.op,
        slug="north-wa",
        name="Northwind WhatsApp",
        queue_id=center.queues["support"],
        kind=ChannelKind.WHATSAPP,
        address="106540352242922",
    ).id


def _contact_id(center: Center) -> str:
    from sqlalchemy import text

    with center.engine.connect() as conn:
        return str(conn.execute(text("select id from contacts")).scalar_one())


def test_whatsapp_messages_join_the_open_conversation_and_survive_a_restart(
    center: Center,
) -> None:
    live = center.live
    wa = whatsapp_channel(center)

    def message(wamid: str, text: str) -> InboundMessage:
        return InboundMessage(
            wa,
            Identity(IdentityKind.WHATSAPP, "447700900123"),
            "Ann",
            text,
            wamid,
            datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        )

    live.receive([message("wamid.1", "hi")]).result()
    restarted = center.restart()
    restarted.live.receive(
        [message("wamid.2", "are you there?"), message("wamid.1", "hi")]
    ).result()
    [conv_id] = restarted.live.waiting(center.queues["support"])
    detail = restarted.live.conversation_detail(center.op, conv_id)
    assert [m["text"] for m in detail["messages"]] == ["hi", "are you there?"]
    assert detail["channel_kind"] == "messaging"


def test_channels_of_other_kinds_need_an_address_and_addresses_are_unique(center: Center) -> None:
    with pytest.raises(ValidationFailed) as missing:
        center.live.create_channel(
            center.op, slug="x", name="x", queue_id=center.queues["support"], kind=ChannelKind.SMS
        )
    assert missing.value.code == "channel_address_missing"
    email_channel(center)
    with pytest.raises(Conflict) as taken:
        center.live.create_channel(
            center.op,
            slug="y",
            name="y",
            queue_id=center.queues["support"],
            kind=ChannelKind.EMAIL,
            address="help@northwind.example",
        )
    assert taken.value.code == "channel_address_taken"
    # The customer chat page does not open an email channel.
    from switchdesk.domain.errors import NotFound

    with pytest.raises(NotFound):
        center.live.channel("north-mail")


def test_items_the_core_does_not_handle_yet_are_refused_not_dropped(center: Center) -> None:
    inbox = email_channel(center)
    report = StatusReport(inbox, "x", DeliveryStatus.READ, datetime(2026, 11, 23, tzinfo=UTC))
    with pytest.raises(ValidationFailed) as refused:
        center.live.receive([report]).result()
    assert refused.value.code == "inbound_item_unsupported"


def _whatsapp_conversation_with_ana(center: Center) -> tuple[str, str]:
    live = center.live
    ana = center.users["ana"].user
    assert ana is not None
    live.set_agent_profile(center.op, ana.id, skills={"support": 3}, capacity=EMAIL_CAPACITY)
    live.set_presence(center.users["ana"], "available")
    wa = whatsapp_channel(center)
    inbound = InboundMessage(
        wa,
        Identity(IdentityKind.WHATSAPP, "447700900123"),
        "Ann",
        "where is my parcel?",
        "wamid.in1",
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    )
    live.receive([inbound]).result()
    [offer] = center.recorder.of_type(f"agent:{ana.id}", "offer")
    conv = live.accept_offer(center.users["ana"], offer["offer"]["id"])
    return wa, conv["id"]


def test_an_agents_whatsapp_reply_is_delivered_after_the_commit_and_keeps_the_providers_id(
    center: Center,
) -> None:
    from switchdesk.adapters.db.deliveries import SqlDeliveryStore
    from switchdesk.adapters.memory.channels import FakeSender
    from switchdesk.usecases.deliveries import Dispatcher

    wa, conv_id = _whatsapp_conversation_with_ana(center)
    center.live.agent_message(center.users["ana"], conv_id, "It arrives tomorrow")
    center.live.agent_message(center.users["ana"], conv_id, "for the lead", internal=True)
    sender = FakeSender(ChannelKind.WHATSAPP)
    store = SqlDeliveryStore(center.engine)
    dispatcher = Dispatcher(
        store,
        {ChannelKind.WHATSAPP: sender},
        lambda cid: center.live.endpoint(ChannelKind.WHATSAPP, "106540352242922"),
        center.clock,
    )
    [done] = dispatcher.run_due()
    assert done.status is DeliveryStatus.SENT and done.external_id
    assert [s.message.text for s in sender.sent] == ["It arrives tomorrow"]  # the note stays in
    assert sender.sent[0].message.to == Identity(IdentityKind.WHATSAPP, "447700900123")
    read = StatusReport(wa, done.external_id, DeliveryStatus.READ, center.clock.now())
    assert dispatcher.apply_status(read) is not None
    assert (got := store.get(done.id)) is not None and got.status is DeliveryStatus.READ


def test_a_whatsapp_reply_after_the_24_hour_window_is_refused_with_a_clear_code(
    center: Center,
) -> None:
    _, conv_id = _whatsapp_conversation_with_ana(center)
    center.clock.move(24 * 3600 + 1)
    with pytest.raises(Conflict) as refused:
        center.live.agent_message(center.users["ana"], conv_id, "Sorry for the wait")
    assert refused.value.code == "template_required"
    detail = center.live.conversation_detail(center.op, conv_id)
    assert all(m["text"] != "Sorry for the wait" for m in detail["messages"])  # nothing half-done


def test_a_stop_message_is_kept_and_the_opt_out_noted_on_the_conversation(
    center: Center,
) -> None:
    from switchdesk.domain.conversations.channels import ConsentChange

    live = center.live
    sms = live.create_channel(
        center.op,
        slug="north-sms",
        name="Northwind SMS",
        queue_id=center.queues["support"],
        kind=ChannelKind.SMS,
        address="+15557654321",
    ).id
    phone = Identity(IdentityKind.PHONE, "+15551234567")
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    live.receive(
        [
            InboundMessage(sms, phone, "", "STOP", "SM1", at),
            ConsentChange(sms, phone, False, at, "STOP"),
        ]
    ).result()
    [conv_id] = live.waiting(center.queues["support"])
    detail = live.conversation_detail(center.op, conv_id)
    assert [m["text"] for m in detail["messages"]] == ["STOP"]
    [noted] = [e for e in detail["timeline"] if e["kind"] == "opted_out"]
    assert noted["detail"]["keyword"] == "STOP"
