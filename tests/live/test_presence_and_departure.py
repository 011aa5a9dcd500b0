"""Presence follows the agent's desks and departure the customer's page, after a grace
period, through the live center on SQLite and PostgreSQL (hand-moved clock)."""

from __future__ import annotations

import pytest

from switchdesk.domain.accounts.model import AuditAction
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied
from switchdesk.usecases.live.connections import ConnectionSettings
from tests.live.conftest import Center

GRACE = ConnectionSettings()


def _id(center: Center, name: str) -> str:
    user = center.users[name].user
    assert user is not None
    return user.id


def _agent_row(center: Center, name: str) -> dict:
    agents = center.live.supervisor_snapshot(center.op)["agents"]
    return next(a for a in agents if a["id"] == _id(center, name))


def _after(center: Center, seconds: float) -> None:
    center.clock.move(seconds)
    center.live.tick()


def test_an_agent_who_closes_their_last_desk_leaves_routing_after_the_grace_period(
    center: Center,
) -> None:
    live, ana = center.live, center.users["ana"]
    live.desk_opened(_id(center, "ana")).result()
    live.set_presence(ana, "available")
    live.desk_closed(_id(center, "ana")).result()
    _after(center, GRACE.agent_grace_seconds - 1)
    assert _agent_row(center, "ana")["presence"] == "available"  # within the grace period
    _after(center, 1)
    row = _agent_row(center, "ana")
    assert (row["presence"], row["reason"]) == ("not_ready", "disconnected")
    conv, _ = live.start_chat("north", name="Zoe", email="", text="hello")
    assert live.agent_snapshot(ana)["offers"] == []
    assert live.waiting(center.queues["support"]) == [conv.id]
    supervisor_rows = center.recorder.of_type("supervisor", "agent")
    assert supervisor_rows[-1]["agent"]["reason"] == "disconnected"


def test_an_agent_back_within_the_grace_period_or_with_a_second_desk_stays_available(
    center: Center,
) -> None:
    live, ana_id = center.live, _id(center, "ana")
    live.desk_opened(ana_id).result()
    live.desk_opened(ana_id).result()  # a second desk
    live.set_presence(center.users["ana"], "available")
    live.desk_closed(ana_id).result()
    _after(center, GRACE.agent_grace_seconds + 5)
    assert _agent_row(center, "ana")["presence"] == "available"
    live.desk_closed(ana_id).result()
    _after(center, 10)
    live.desk_opened(ana_id).result()  # a reload
    _after(center, GRACE.agent_grace_seconds + 5)
    assert _agent_row(center, "ana")["presence"] == "available"
    assert live.engine.disconnected_agents() == {}


def test_a_customer_who_closes_the_tab_while_waiting_abandons_and_is_never_offered(
    center: Center,
) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Al", email="", text="hi")
    live.chat_page_opened(conv.id).result()
    live.chat_page_closed(conv.id).result()
    _after(center, GRACE.contact_grace_seconds)
    live.set_presence(center.users["ana"], "available")
    assert live.agent_snapshot(center.users["ana"])["offers"] == []
    row = next(
        q
        for q in live.supervisor_snapshot(center.op)["queues"]
        if q["id"] == center.queues["support"]
    )
    assert row["abandoned_today"] == 1 and row["waiting"] == 0
    view = live.customer_view(conv.id)
    assert (view["state"], view["rateable"]) == ("resolved", False)
    with pytest.raises(Conflict) as refused:
        live.rate(conv.id, 5)
    assert refused.value.code == "not_answered"
    kinds = [e["kind"] for e in live.conversation_detail(center.op, conv.id)["timeline"]]
    assert kinds[-2:] == ["abandoned", "contact_departed"]


def test_a_customer_back_within_the_grace_period_keeps_their_place_in_line(
    center: Center,
) -> None:
    live = center.live
    first, _ = live.start_chat("north", name="Al", email="", text="hi")
    second, _ = live.start_chat("north", name="Bo", email="", text="hi")
    live.chat_page_opened(first.id).result()
    live.chat_page_closed(first.id).result()
    _after(center, GRACE.contact_grace_seconds - 5)
    live.chat_page_opened(first.id).result()
    _after(center, GRACE.contact_grace_seconds * 2)
    assert live.waiting(center.queues["support"]) == [first.id, second.id]


def test_the_agent_is_told_when_the_customer_of_an_answered_chat_leaves_and_comes_back(
    center: Center,
) -> None:
    live, ana = center.live, center.users["ana"]
    conv, _ = live.start_chat("north", name="Zoe", email="", text="hello")
    live.set_presence(ana, "available")
    live.accept_offer(ana, live.agent_snapshot(ana)["offers"][0]["id"])
    live.chat_page_opened(conv.id).result()
    live.chat_page_closed(conv.id).result()
    _after(center, GRACE.contact_grace_seconds)
    topic = f"agent:{_id(center, 'ana')}"
    assert center.recorder.of_type(topic, "contact_away") == [
        {"type": "contact_away", "conversation_id": conv.id, "away": True}
    ]
    desk_view = live.agent_snapshot(ana)["conversations"][0]
    assert (desk_view["state"], desk_view["contact_away"]) == ("assigned", True)
    live.chat_page_opened(conv.id).result()
    assert center.recorder.of_type(topic, "contact_away")[-1]["away"] is False
    assert live.agent_snapshot(ana)["conversations"][0]["contact_away"] is False
    live.end_conversation(ana, conv.id)
    assert live.customer_view(conv.id)["rateable"] is True


def test_a_supervisor_sets_an_agents_state_or_signs_them_out_audited_and_checked(
    center: Center,
) -> None:
    live, lead = center.live, center.users["lead"]
    dan = _id(center, "dan")
    row = live.set_agent_presence(lead, dan, "not_ready", "break")
    assert (row["presence"], row["reason"]) == ("not_ready", "break")
    assert live.set_agent_presence(lead, dan, "offline")["presence"] == "offline"
    entries = center.accounts.audit_entries(
        center.op, limit=10, action=AuditAction.AGENT_PRESENCE_SET
    )
    assert [(e.target, e.detail["presence"]) for e in entries] == [
        (f"agent:{dan}", "offline"),
        (f"agent:{dan}", "not_ready"),
    ]
    assert entries[0].actor == lead.name
    with pytest.raises(NotFound):  # an agent of another client account
        live.set_agent_presence(lead, _id(center, "ben"), "offline")
    with pytest.raises(PermissionDenied):
        live.set_agent_presence(center.users["ana"], dan, "available")


def test_presence_and_abandon_timers_running_at_a_restart_fire_after_it(center: Center) -> None:
    live = center.live
    ana = _id(center, "ana")
    live.desk_opened(ana).result()
    live.set_presence(center.users["ana"], "not_ready", "break")
    live.set_presence(center.users["ana"], "available")
    conv, _ = live.start_chat("blue", name="Al", email="", text="hi")
    live.chat_page_opened(conv.id).result()
    closed_at = center.clock.now().timestamp()
    live.desk_closed(ana).result()
    live.chat_page_closed(conv.id).result()
    _after(center, 10)
    again = center.restart()
    assert again.live.engine.disconnected_agents() == {ana: closed_at + GRACE.agent_grace_seconds}
    _after(again, GRACE.agent_grace_seconds - 10)
    row = _agent_row(again, "ana")
    assert (row["presence"], row["reason"]) == ("not_ready", "disconnected")
    _after(again, GRACE.contact_grace_seconds)
    assert again.live.customer_view(conv.id)["state"] == "resolved"
    assert again.live.waiting(center.queues["sales"]) == []
