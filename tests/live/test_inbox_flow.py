"""The shared inbox over the live center (SQLite and PostgreSQL): status, SLA clocks,
assignment through the engine, pending without holding capacity, resolving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied
from switchdesk.usecases.live.inbox import InboxFilter
from tests.live.conftest import Center

EMAIL_CAPACITY = {"total": 100, "costs": {"chat": 50, "email": 20, "messaging": 25}}


def email_channel(center: Center) -> str:
    return center.live.create_channel(
        center.op,
        slug="north-mail",
        name="Northwind mail",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address="help@northwind.example",
    ).id


def mail(
    channel_id: str, external_id: str, *refs: str, sender: str = "ann@example.org", text: str = ""
) -> InboundMessage:
    return InboundMessage(
        channel_id=channel_id,
        sender=Identity(IdentityKind.EMAIL, sender),
        sender_name=sender.split("@")[0].title(),
        text=text or "My invoice is wrong\nsee attached",
        external_id=external_id,
        received_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        subject="Invoice",
        replies_to=refs,
    )


def uid(center: Center, name: str) -> str:
    user = center.users[name].user
    assert user is not None
    return user.id


def email_agent(center: Center, name: str, skills: dict[str, int]) -> None:
    center.live.set_agent_profile(
        center.op, uid(center, name), skills=skills, capacity=EMAIL_CAPACITY
    )


def items(center: Center, who: str = "ana", **filters: object) -> list[dict[str, object]]:
    page = center.live.inbox(center.users[who], InboxFilter(**filters))  # type: ignore[arg-type]
    return page["items"]  # type: ignore[no-any-return]


def only_id(center: Center) -> str:
    [row] = items(center)
    return str(row["id"])


def test_an_email_waits_unassigned_in_the_inbox_with_its_first_response_clock(
    center: Center,
) -> None:
    channel = email_channel(center)
    center.live.receive([mail(channel, "<m1@example.org>")]).result()
    [row] = items(center)
    assert row["status"] == "open" and row["assignee"] is None
    assert row["channel_kind"] == "email" and row["subject"] == "Invoice"
    assert row["preview"] == "My invoice is wrong"
    sla = row["sla"]
    assert isinstance(sla, dict)
    assert sla["kind"] == "first_response" and sla["due_at"] == "2026-11-23T18:00:00+00:00"
    assert sla["breached"] is False
    center.clock.move(8 * 3600)
    [late] = items(center, breached=True)
    assert late["sla"]["breached"] is True  # type: ignore[index]
    assert items(center, breached=False) == []


def test_assign_to_me_takes_the_conversation_through_the_engine(center: Center) -> None:
    channel = email_channel(center)
    email_agent(center, "ana", {"support": 3})
    center.live.receive([mail(channel, "<m1@example.org>")]).result()
    conv_id = only_id(center)
    with pytest.raises(Conflict) as refused:
        center.live.inbox_assign(center.users["ana"], conv_id)  # offline: cannot take it
    assert refused.value.code == "agent_not_eligible"
    center.live.set_presence(center.users["ana"], "available")
    row = center.live.inbox_assign(center.users["ana"], conv_id)
    assert row["state"] == "assigned" and row["assignee"]["id"] == uid(center, "ana")
    assigned = center.recorder.of_type(f"agent:{uid(center, 'ana')}", "assigned")
    assert assigned[-1]["conversation"]["id"] == conv_id
    assert [r["id"] for r in items(center, assignee="me")] == [conv_id]
    assert items(center, assignee="unassigned") == []


def test_pending_frees_the_agent_and_a_reply_brings_it_back_to_the_same_agent(
    center: Center,
) -> None:
    channel = email_channel(center)
    email_agent(center, "ana", {"support": 3})
    email_agent(center, "dan", {"support": 2})
    ana, dan = center.users["ana"], center.users["dan"]
    center.live.set_presence(ana, "available")
    center.live.receive([mail(channel, "<m1@example.org>")]).result()
    conv_id = only_id(center)
    center.live.inbox_assign(ana, conv_id)
    center.live.agent_message(ana, conv_id, "Which invoice number?")
    with pytest.raises(PermissionDenied) as theirs:
        center.live.inbox_set_pending(dan, conv_id)
    assert theirs.value.code == "not_your_conversation"
    row = center.live.inbox_set_pending(ana, conv_id)
    assert row["status"] == "pending" and row["sla"] is None
    assert row["assignee"]["id"] == uid(center, "ana")
    engine = center.live.engine_snapshot()
    [agent] = [a for a in engine["agents"] if a["id"] == uid(center, "ana")]
    assert agent["used"] == 0 and not agent["acw"]
    assert center.live.conversation_detail(center.op, conv_id)["state"] == "pending"
    # Dan becomes available first; the reply still goes back to Ana.
    center.live.set_presence(dan, "available")
    center.clock.move(3600)
    center.live.receive(
        [mail(channel, "<m2@example.org>", "<m1@example.org>", text="It is 2026-17")]
    ).result()
    [back] = items(center)
    assert back["id"] == conv_id and back["status"] == "open"
    assert back["sla"]["kind"] == "next_response"  # type: ignore[index]
    offers = center.recorder.of_type(f"agent:{uid(center, 'ana')}", "offer")
    assert [o["offer"]["conversation_id"] for o in offers][-1] == conv_id
    assert center.recorder.of_type(f"agent:{uid(center, 'dan')}", "offer") == []


def test_resolving_asks_for_the_wrap_up_code_the_queue_requires(center: Center) -> None:
    channel = email_channel(center)
    email_agent(center, "ana", {"support": 3})
    ana = center.users["ana"]
    center.live.set_presence(ana, "available")
    center.live.receive([mail(channel, "<m1@example.org>")]).result()
    conv_id = only_id(center)
    center.live.inbox_assign(ana, conv_id)
    with pytest.raises(Conflict) as refused:
        center.live.inbox_resolve(ana, conv_id, None)
    assert refused.value.code == "wrap_up_required"
    row = center.live.inbox_resolve(ana, conv_id, "resolved", "sent a credit note")
    assert row["status"] == "resolved"
    detail = center.live.conversation_detail(center.op, conv_id)
    assert detail["disposition"] == "resolved" and not detail["needs_wrap_up"]
    # People read the label the queue gives the code, on the detail and the contact's card.
    assert detail["disposition_label"] == "Resolved"
    [past] = [h for h in detail["contact"]["history"] if h["conversation_id"] == conv_id]
    assert (past["disposition"], past["disposition_label"]) == ("resolved", "Resolved")
    assert items(center) == []
    assert [r["id"] for r in items(center, statuses=frozenset({"resolved"}))] == [conv_id]
    with pytest.raises(Conflict) as again:
        center.live.inbox_resolve(ana, conv_id, "resolved")
    assert again.value.code == "conversation_resolved"


def test_a_team_leader_assigns_to_an_agent_and_an_agent_may_not(center: Center) -> None:
    channel = email_channel(center)
    email_agent(center, "dan", {"support": 2})
    center.live.set_presence(center.users["dan"], "available")
    center.live.set_presence(center.users["lead"], "offline")
    center.live.receive([mail(channel, "<m1@example.org>")]).result()
    conv_id = only_id(center)
    with pytest.raises(PermissionDenied):
        center.live.inbox_assign(center.users["ana"], conv_id, uid(center, "dan"))
    with pytest.raises(NotFound) as unknown:
        center.live.inbox_assign(center.users["lead"], conv_id, "nobody")
    assert unknown.value.code == "agent_not_found"
    with pytest.raises(Conflict) as not_eligible:
        center.live.inbox_assign(center.users["lead"], conv_id, uid(center, "carla"))
    assert not_eligible.value.code == "agent_not_eligible"
    center.live.inbox_assign(center.users["lead"], conv_id, uid(center, "dan"))
    offers = center.recorder.of_type(f"agent:{uid(center, 'dan')}", "offer")
    assert offers[-1]["offer"]["conversation_id"] == conv_id


def test_the_inbox_is_scoped_to_the_callers_client_accounts_and_pages_by_cursor(
    center: Center,
) -> None:
    channel = email_channel(center)
    for n in range(3):
        center.live.receive(
            [mail(channel, f"<m{n}@example.org>", sender=f"c{n}@example.org")]
        ).result()
        center.clock.move(60)
    assert items(center, "ben") == []  # another client account's agent
    with pytest.raises(NotFound):
        center.live.inbox_assign(center.users["ben"], only_id_of(center))
    first = center.live.inbox(center.users["ana"], InboxFilter(limit=2))
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = center.live.inbox(
        center.users["ana"], InboxFilter(limit=2, cursor=first["next_cursor"])
    )
    assert second["next_cursor"] is None
    names = [r["contact"]["name"] for r in first["items"] + second["items"]]
    assert names == ["C0", "C1", "C2"]  # the soonest due first


def only_id_of(center: Center) -> str:
    return str(items(center)[0]["id"])


def test_a_pending_whatsapp_conversation_returns_on_the_next_message_and_survives_a_restart(
    center: Center,
) -> None:
    wa = center.live.create_channel(
        center.op,
        slug="north-wa",
        name="Northwind WhatsApp",
        queue_id=center.queues["support"],
        kind=ChannelKind.WHATSAPP,
        address="106540352242922",
    ).id

    def message(wamid: str, text: str) -> InboundMessage:
        return InboundMessage(
            wa,
            Identity(IdentityKind.WHATSAPP, "447700900123"),
            "Ann",
            text,
            wamid,
            datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        )

    email_agent(center, "ana", {"support": 3})
    center.live.set_presence(center.users["ana"], "available")
    center.live.receive([message("wamid.1", "hi")]).result()
    [row] = items(center, channel_kind=ChannelKind.WHATSAPP)
    assert row["sla"]["due_at"] == "2026-11-23T11:00:00+00:00"  # type: ignore[index]
    conv_id = str(row["id"])
    center.live.inbox_assign(center.users["ana"], conv_id)
    center.live.agent_message(center.users["ana"], conv_id, "Hello! What is your order number?")
    center.live.inbox_set_pending(center.users["ana"], conv_id)
    restarted = center.restart()
    restarted.live.set_presence(restarted.users["ana"], "available")
    restarted.live.receive([message("wamid.2", "It is 42")]).result()
    detail = restarted.live.conversation_detail(center.op, conv_id)
    assert detail["state"] == "waiting"
    offers = restarted.recorder.of_type(f"agent:{uid(center, 'ana')}", "offer")
    assert [o["offer"]["conversation_id"] for o in offers] == [conv_id]
