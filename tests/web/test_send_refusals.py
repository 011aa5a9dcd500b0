"""The desk hears a refused reply like any other refusal: a 409 problem with a stable
code and a sentence to show (here: the contact opted out with STOP)."""

from __future__ import annotations

from datetime import UTC, datetime

from switchdesk.bootstrap import Runtime
from switchdesk.domain.conversations.channels import ConsentChange, InboundMessage
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.principal import Principal

PHONE = Identity(IdentityKind.PHONE, "+15551234567")
CAPACITY = {"total": 100, "costs": {"chat": 50, "messaging": 25}}


def test_a_reply_to_a_contact_who_opted_out_is_a_409_the_desk_can_show(
    demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    live, op = sqlite_runtime.live, Principal.operator("t")
    support = next(q for q in live.queues(op) if q.name == "Northwind support")
    sms = live.create_channel(
        op,
        slug="northwind-sms",
        name="Northwind SMS",
        queue_id=support.id,
        kind=ChannelKind.SMS,
        address="+15557654321",
    )
    agent = Principal.of_user(sqlite_runtime.accounts.find_user(op, "agent"), "t")
    assert agent.user is not None
    live.set_agent_profile(op, agent.user.id, skills={"support": 4}, capacity=CAPACITY)
    live.set_presence(agent, "available")
    at = datetime.now(UTC)
    live.receive([InboundMessage(sms.id, PHONE, "", "hello", "SM1", at)]).result()
    [offer] = live.agent_snapshot(agent)["offers"]
    conv = live.accept_offer(agent, offer["id"])
    before = client.post(
        f"/api/v1/conversations/{conv['id']}/messages",
        json={"text": "Queued before the STOP", "internal": False},
        headers=auth["agent"],
    )
    assert before.status_code < 300, before.text
    live.receive([ConsentChange(sms.id, PHONE, False, at, "STOP")]).result()
    # The runtime's dispatcher re-checks at send time: the queued reply never leaves.
    [failed] = sqlite_runtime.deliveries.run_due()
    assert failed.error_code == "contact_opted_out" and failed.attempts == 0
    response = client.post(
        f"/api/v1/conversations/{conv['id']}/messages",
        json={"text": "Your parcel ships today", "internal": False},
        headers=auth["agent"],
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "contact_opted_out"
    assert "opted out" in problem["detail"]  # what the desk shows
