"""Contacts across channels in the live center, on SQLite and PostgreSQL: the same phone
on WhatsApp and SMS is one contact, a merge moves everything and survives a restart (and
the store's cache), and a reply's delivery status reaches the agent's desk live."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.adapters.memory.channels import FakeSender
from switchdesk.domain.conversations.channels import (
    Bounce,
    DeliveryStatus,
    InboundMessage,
    StatusReport,
)
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.deliveries import Dispatcher
from tests.live.conftest import Center

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CAPACITY = {"total": 100, "costs": {"chat": 50, "email": 20, "messaging": 25}}
WA = Identity(IdentityKind.WHATSAPP, "16505551234")
SMS = Identity(IdentityKind.PHONE, "+16505551234")
EMAIL = Identity(IdentityKind.EMAIL, "maria@example.org")


def _channels(center: Center) -> dict[str, str]:
    made = {}
    for slug, kind, address in (
        ("north-wa", ChannelKind.WHATSAPP, "106540352242922"),
        ("north-sms", ChannelKind.SMS, "+15557654321"),
        ("north-mail", ChannelKind.EMAIL, "help@northwind.example"),
    ):
        made[slug] = center.live.create_channel(
            center.op,
            slug=slug,
            name=slug,
            queue_id=center.queues["support"],
            kind=kind,
            address=address,
        ).id
    return made


def _msg(channel: str, sender: Identity, body: str, ext: str) -> InboundMessage:
    return InboundMessage(channel, sender, "Maria", body, ext, AT, subject="Hello")


def _contact_id(center: Center, sender: Identity) -> str:
    with center.engine.connect() as conn:
        return str(
            conn.execute(
                text("select contact_id from contact_identities where kind = :k and value = :v"),
                {"k": sender.kind.value, "v": sender.value},
            ).scalar_one()
        )


def test_whatsapp_then_sms_from_one_phone_is_one_contact_with_one_timeline(
    center: Center,
) -> None:
    made = _channels(center)
    center.live.receive([_msg(made["north-wa"], WA, "on WhatsApp", "wamid.1")]).result()
    center.clock.move(60)
    center.live.receive([_msg(made["north-sms"], SMS, "by SMS", "SM1")]).result()
    contact_id = _contact_id(center, WA)
    assert _contact_id(center, SMS) == contact_id
    page = center.live.contact_timeline(center.op, contact_id)
    messages = [i for i in page["items"] if i["type"] == "message"]
    assert [(m["text"], m["channel_kind"]) for m in messages] == [
        ("by SMS", "sms"),
        ("on WhatsApp", "whatsapp"),
    ]
    # The link holds across a restart: the next SMS finds the same contact.
    restarted = center.restart()
    restarted.live.receive([_msg(made["north-sms"], SMS, "again", "SM2")]).result()
    with center.engine.connect() as conn:
        assert conn.execute(text("select count(*) from contacts")).scalar_one() == 1


def test_a_merge_moves_conversations_follow_ups_and_identities_and_survives_a_restart(
    center: Center,
) -> None:
    live = center.live
    made = _channels(center)
    live.receive([_msg(made["north-mail"], EMAIL, "by mail", "<m1@x>")]).result()
    live.receive([_msg(made["north-wa"], WA, "by WhatsApp", "wamid.1")]).result()
    mail_contact, wa_contact = _contact_id(center, EMAIL), _contact_id(center, WA)
    assert mail_contact != wa_contact
    # Read both through the store's cache first, so a stale cache would show.
    live.contact_card(center.op, mail_contact)
    live.contact_card(center.op, wa_contact)
    live.create_follow_up(
        center.users["lead"], wa_contact, datetime(2026, 12, 1, tzinfo=UTC), "ring"
    )
    card = live.merge_contacts(center.users["lead"], mail_contact, wa_contact)
    assert {i["kind"] for i in card["identities"]} == {"email", "whatsapp"}
    assert len(card["history"]) == 2
    assert [f["note"] for f in card["follow_ups"]] == ["ring"]
    # A new WhatsApp message goes to the survivor (the cache knows the moved identity).
    live.receive([_msg(made["north-wa"], WA, "after", "wamid.2")]).result()
    assert _contact_id(center, WA) == mail_contact
    restarted = center.restart()
    old = restarted.live.contact_card(center.op, wa_contact)
    assert old["id"] == mail_contact and old["merged_from"] == wa_contact
    items = restarted.live.contact_timeline(center.op, mail_contact, limit=100)["items"]
    assert {i["channel_kind"] for i in items} == {"email", "whatsapp"}
    assert any(i.get("kind") == "contact_merged" for i in items)
    with center.engine.connect() as conn:
        merged_into = conn.execute(
            text("select merged_into from contacts where id = :id"), {"id": wa_contact}
        ).scalar_one()
        orphans = conn.execute(
            text("select count(*) from conversations where contact_id = :id"), {"id": wa_contact}
        ).scalar_one()
    assert merged_into == mail_contact and orphans == 0


def test_a_replys_delivery_status_reaches_the_desk_live(center: Center) -> None:
    live = center.live
    made = _channels(center)
    ana = center.users["ana"].user
    assert ana is not None
    live.set_agent_profile(center.op, ana.id, skills={"support": 3}, capacity=CAPACITY)
    live.set_presence(center.users["ana"], "available")
    live.receive([_msg(made["north-wa"], WA, "hi", "wamid.1")]).result()
    offer = center.recorder.of_type(f"agent:{ana.id}", "offer")[-1]
    conv_id = live.accept_offer(center.users["ana"], offer["offer"]["id"])["id"]
    reply = live.agent_message(center.users["ana"], conv_id, "It ships today")
    assert reply["delivery"]["status"] == "queued"
    sender = FakeSender(ChannelKind.WHATSAPP)
    dispatcher = Dispatcher(
        SqlDeliveryStore(center.engine),
        {ChannelKind.WHATSAPP: sender},
        live.endpoint_by_id,
        center.clock,
        refuse=live.delivery_refusal,
        changed=live.delivery_changed,
    )
    [sent] = dispatcher.run_due()
    dispatcher.apply_status(
        StatusReport(made["north-wa"], str(sent.external_id), DeliveryStatus.READ, AT)
    )
    frames = center.recorder.of_type(f"agent:{ana.id}", "delivery")
    assert [f["delivery"]["status"] for f in frames] == ["queued", "sent", "read"]
    assert {f["message_id"] for f in frames} == {reply["id"]}
    view = live.conversation_detail(center.op, conv_id)
    [mine] = [m for m in view["messages"] if m["id"] == reply["id"]]
    assert mine["delivery"]["status"] == "read"


def test_a_bounce_after_the_send_moves_the_reply_to_failed_on_the_desk(center: Center) -> None:
    live = center.live
    made = _channels(center)
    ana = center.users["ana"].user
    assert ana is not None
    live.set_agent_profile(center.op, ana.id, skills={"support": 3}, capacity=CAPACITY)
    live.set_presence(center.users["ana"], "available")
    live.receive([_msg(made["north-mail"], EMAIL, "my bill", "<m1@x>")]).result()
    offer = center.recorder.of_type(f"agent:{ana.id}", "offer")[-1]
    conv_id = live.accept_offer(center.users["ana"], offer["offer"]["id"])["id"]
    reply = live.agent_message(center.users["ana"], conv_id, "Here is the answer")
    sender = FakeSender(ChannelKind.EMAIL)
    dispatcher = Dispatcher(
        SqlDeliveryStore(center.engine),
        {ChannelKind.EMAIL: sender},
        live.endpoint_by_id,
        center.clock,
        changed=live.delivery_changed,
    )
    [sent] = dispatcher.run_due()
    bounce = Bounce(
        made["north-mail"], EMAIL.value, True, "5.1.1", sent.external_id, AT, "user unknown"
    )
    live.receive([bounce]).result()
    last = center.recorder.of_type(f"agent:{ana.id}", "delivery")[-1]
    assert last["message_id"] == reply["id"]
    assert last["delivery"]["status"] == "failed"
    assert last["delivery"]["error_code"] == "bounced"
    assert "bounced" in last["delivery"]["error_text"]
