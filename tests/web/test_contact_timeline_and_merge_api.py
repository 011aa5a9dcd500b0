"""The contact across channels over the API: one timeline, likely duplicates, merging
(client scoping, permissions, pagination, merge rules), and delivery status on replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from switchdesk.bootstrap import Runtime
from switchdesk.domain.conversations.channels import (
    ConsentChange,
    DeliveryStatus,
    InboundMessage,
    StatusReport,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind, Identity, IdentityKind
from switchdesk.usecases.principal import Principal

OP = Principal.operator("t")
EMAIL = Identity(IdentityKind.EMAIL, "maria@example.com")
WA = Identity(IdentityKind.WHATSAPP, "16505551234")
SMS = Identity(IdentityKind.PHONE, "+16505551234")
CAPACITY = {"total": 100, "costs": {"chat": 50, "messaging": 25, "email": 25}}
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def channels(rt: Runtime) -> dict[str, Channel]:
    live = rt.live
    queues = {q.name: q for q in live.queues(OP)}
    north, blue = (
        queues["Northwind support"],
        next(q for name, q in queues.items() if name.startswith("Bluebird")),
    )
    made = {}
    for slug, kind, address, queue in (
        ("north-mail", ChannelKind.EMAIL, "help@northwind.example", north),
        ("north-wa", ChannelKind.WHATSAPP, "1111", north),
        ("north-sms", ChannelKind.SMS, "+15550001111", north),
        ("blue-mail", ChannelKind.EMAIL, "help@bluebird.example", blue),
    ):
        made[slug] = live.create_channel(
            OP, slug=slug, name=f"{slug} channel", queue_id=queue.id, kind=kind, address=address
        )
    return made


def receive(rt: Runtime, channel: Channel, sender: Identity, text: str, n: int, **kw: Any) -> None:
    at = T0 + timedelta(minutes=n)
    rt.live.receive(
        [InboundMessage(channel.id, sender, "Maria Lopes", text, f"<m{n}@x>", at, **kw)]
    ).result()


def contact_of(rt: Runtime, sender: Identity, account: str) -> dict[str, Any]:
    with rt.live._uow() as uow:  # the test reads the store directly
        found = uow.contact_by_identity(account, sender.kind, sender.value)
    assert found is not None
    return {"id": found.id, "account": found.client_account_id}


def test_the_timeline_holds_every_channel_newest_first_with_a_stable_cursor(
    demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    north = made["north-mail"].client_account_id
    for n in range(5):
        receive(sqlite_runtime, made["north-mail"], EMAIL, f"mail {n}", n, subject="Meter")
    contact = contact_of(sqlite_runtime, EMAIL, north)
    url = f"/api/v1/contacts/{contact['id']}/timeline"
    first = client.get(url, params={"limit": 3}, headers=auth["agent"])
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    newest = page["items"][0]
    assert newest["type"] == "message" and newest["text"] == "mail 4"
    assert newest["channel_kind"] == "email" and newest["subject"] == "Meter"
    assert newest["channel_name"] == "north-mail channel"
    # Something newer arrives: the next page is not shifted by it.
    receive(sqlite_runtime, made["north-mail"], EMAIL, "mail 5", 5, subject="Meter")
    rest: list[dict[str, Any]] = []
    cursor = page["next_cursor"]
    while cursor:
        more = client.get(url, params={"limit": 3, "cursor": cursor}, headers=auth["agent"])
        assert more.status_code == 200, more.text
        rest += more.json()["items"]
        cursor = more.json()["next_cursor"]
    seen = [i["id"] for i in page["items"] + rest]
    assert len(seen) == len(set(seen))
    texts = [i["text"] for i in page["items"] + rest if i["type"] == "message"]
    assert texts == [f"mail {n}" for n in (4, 3, 2, 1, 0)]
    kinds = [i["kind"] for i in rest if i["type"] == "event"]
    assert "created" in kinds
    ats = [i["at"] for i in page["items"] + rest]
    assert ats == sorted(ats, reverse=True)


def test_a_bad_cursor_or_limit_is_a_clear_422(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    receive(sqlite_runtime, made["north-mail"], EMAIL, "hi", 0)
    contact = contact_of(sqlite_runtime, EMAIL, made["north-mail"].client_account_id)
    url = f"/api/v1/contacts/{contact['id']}/timeline"
    bad = client.get(url, params={"cursor": "not-a-cursor"}, headers=auth["agent"])
    assert bad.status_code == 422 and bad.json()["code"] == "cursor_invalid"
    assert client.get(url, params={"limit": 500}, headers=auth["agent"]).status_code == 422


def test_an_agent_of_another_client_never_sees_the_contact(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    receive(sqlite_runtime, made["north-mail"], EMAIL, "hi", 0)
    contact = contact_of(sqlite_runtime, EMAIL, made["north-mail"].client_account_id)
    for path in ("", "/timeline", "/duplicates"):
        r = client.get(f"/api/v1/contacts/{contact['id']}{path}", headers=auth["agent2"])
        assert r.status_code == 404, (path, r.text)
    assert (
        client.get(f"/api/v1/contacts/{contact['id']}/timeline", headers=auth["hr"]).status_code
        == 403
    )


def test_the_same_phone_on_whatsapp_and_sms_is_linked_to_one_contact(
    demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    account = made["north-wa"].client_account_id
    receive(sqlite_runtime, made["north-wa"], WA, "hello on WhatsApp", 0)
    receive(sqlite_runtime, made["north-sms"], SMS, "hello by SMS", 1)
    by_wa, by_sms = (
        contact_of(sqlite_runtime, WA, account),
        contact_of(sqlite_runtime, SMS, account),
    )
    assert by_wa["id"] == by_sms["id"]
    timeline = client.get(f"/api/v1/contacts/{by_wa['id']}/timeline", headers=auth["agent"]).json()
    kinds = {i["channel_kind"] for i in timeline["items"]}
    assert kinds == {"whatsapp", "sms"}
    assert any(i.get("kind") == "identity_linked" for i in timeline["items"])


def test_an_sms_number_without_country_code_is_not_linked(demo, sqlite_runtime: Runtime) -> None:
    made = channels(sqlite_runtime)
    account = made["north-wa"].client_account_id
    national = Identity(IdentityKind.PHONE, "6505551234")
    receive(sqlite_runtime, made["north-wa"], WA, "hello", 0)
    receive(sqlite_runtime, made["north-sms"], national, "hello", 1)
    assert (
        contact_of(sqlite_runtime, WA, account)["id"]
        != contact_of(sqlite_runtime, national, account)["id"]
    )


def two_contacts(rt: Runtime, made: dict[str, Channel]) -> tuple[str, str]:
    """An email contact and a WhatsApp contact whose email differs only in capitals."""
    account = made["north-mail"].client_account_id
    receive(rt, made["north-mail"], EMAIL, "by mail", 0, subject="Bill")
    receive(rt, made["north-wa"], WA, "by WhatsApp", 1)
    a = contact_of(rt, EMAIL, account)["id"]
    b = contact_of(rt, WA, account)["id"]
    with rt.live._uow() as uow:  # give the WhatsApp contact the same mailbox, in capitals
        uow.add_identity(b, Identity(IdentityKind.EMAIL, "Maria@Example.com"))
        uow.commit()
    return a, b


def test_duplicates_are_suggested_with_their_reason(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    a, b = two_contacts(sqlite_runtime, made)
    r = client.get(f"/api/v1/contacts/{b}/duplicates", headers=auth["agent"])
    assert r.status_code == 200, r.text
    [dup] = r.json()["items"]
    assert dup["id"] == a and dup["reasons"] == ["same_email"]


def test_a_team_leader_merges_and_the_old_id_resolves_to_the_survivor(
    demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    a, b = two_contacts(sqlite_runtime, made)
    refused = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["agent"]
    )
    assert refused.status_code == 403
    merged = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["lead"]
    )
    assert merged.status_code == 200, merged.text
    card = merged.json()
    assert card["id"] == a
    kinds = {i["kind"] for i in card["identities"]}
    assert {"email", "whatsapp"} <= kinds
    assert len(card["history"]) == 2  # both conversations moved
    old = client.get(f"/api/v1/contacts/{b}", headers=auth["agent"]).json()
    assert old["id"] == a and old["merged_from"] == b
    # A new WhatsApp message finds the survivor; the timeline has both channels.
    receive(sqlite_runtime, made["north-wa"], WA, "after the merge", 2)
    items = client.get(f"/api/v1/contacts/{b}/timeline", headers=auth["agent"]).json()["items"]
    assert items[0]["text"] == "after the merge"
    assert {i["channel_kind"] for i in items} == {"email", "whatsapp"}
    again = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["lead"]
    )
    assert again.status_code == 409 and again.json()["code"] == "contact_merged"
    audit = client.get("/api/v1/audit", headers=auth["admin"])
    assert audit.status_code == 200, audit.text
    assert any(e["action"] == "contact.merged" for e in audit.json())


def test_a_merge_across_client_accounts_is_a_409(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    receive(sqlite_runtime, made["north-mail"], EMAIL, "north", 0)
    receive(sqlite_runtime, made["blue-mail"], EMAIL, "blue", 1)
    a = contact_of(sqlite_runtime, EMAIL, made["north-mail"].client_account_id)["id"]
    b = contact_of(sqlite_runtime, EMAIL, made["blue-mail"].client_account_id)["id"]
    # The Northwind lead does not see Bluebird's contact at all.
    hidden = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["lead"]
    )
    assert hidden.status_code == 404
    ops = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["ops"]
    )
    assert ops.status_code == 409 and ops.json()["code"] == "merge_other_client_account"


def test_consent_follows_the_merge_and_an_opt_out_wins(demo, sqlite_runtime: Runtime) -> None:
    client, auth = demo
    made = channels(sqlite_runtime)
    a, b = two_contacts(sqlite_runtime, made)
    sqlite_runtime.live.receive(
        [ConsentChange(made["north-wa"].id, WA, False, T0 + timedelta(minutes=5), "STOP")]
    ).result()
    r = client.post(
        f"/api/v1/contacts/{a}/merge", json={"other_contact_id": b}, headers=auth["lead"]
    )
    assert r.status_code == 200, r.text
    with sqlite_runtime.live._uow() as uow:
        kept = uow.consent(a, made["north-wa"].id)
        assert uow.consents_of(b) == []
    assert kept is not None and not kept.opted_in


def test_a_reply_shows_its_delivery_status_and_a_refusal_as_failed(
    demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    rt = sqlite_runtime
    made = channels(rt)
    agent = Principal.of_user(rt.accounts.find_user(OP, "agent"), "t")
    assert agent.user is not None
    rt.live.set_agent_profile(OP, agent.user.id, skills={"support": 4}, capacity=CAPACITY)
    rt.live.set_presence(agent, "available")
    now = datetime.now(UTC)
    rt.live.receive([InboundMessage(made["north-sms"].id, SMS, "", "hi", "SM1", now)]).result()
    [offer] = rt.live.agent_snapshot(agent)["offers"]
    conv = rt.live.accept_offer(agent, offer["id"])
    sent = client.post(
        f"/api/v1/conversations/{conv['id']}/messages",
        json={"text": "On its way"},
        headers=auth["agent"],
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["delivery"]["status"] == "queued"
    rt.live.receive([ConsentChange(made["north-sms"].id, SMS, False, now, "STOP")]).result()
    [failed] = rt.deliveries.run_due()
    assert failed.status is DeliveryStatus.FAILED
    view = client.get(f"/api/v1/conversations/{conv['id']}", headers=auth["agent"]).json()
    [reply] = [m for m in view["messages"] if m["author"] == "agent"]
    assert reply["delivery"]["status"] == "failed"
    assert reply["delivery"]["error_code"] == "contact_opted_out"
    assert "opted out" in reply["delivery"]["error_text"]
    # A status report about an unknown message changes nothing.
    assert (
        rt.deliveries.apply_status(
            StatusReport(made["north-sms"].id, "nope", DeliveryStatus.DELIVERED, now)
        )
        is None
    )
