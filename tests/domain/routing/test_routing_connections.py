"""Presence and departure follow the connections, after a grace period, as timers of the
engine (events, so a rebuilt engine fires them at the same time)."""

from __future__ import annotations

import json

from switchdesk.domain.routing import (
    AgentConnectionLost,
    ContactDeparted,
    InteractionAbandoned,
    OfferRescinded,
    RoutingEngine,
    event_from_dict,
    event_to_dict,
)
from switchdesk.domain.routing.engine import DISCONNECTED_REASON


def test_an_agent_whose_desks_stay_away_leaves_routing_when_the_grace_period_ends(desk) -> None:
    desk.queue("q", offer_timeout_seconds=30)
    desk.agent("a")
    desk.at(1).run("agent_disconnected", "a", 1.0, 20.0)
    assert desk.engine.next_deadline() == 21.0
    desk.at(5).enqueue("i1", "q", kind="chat")
    assert desk.offered_to("i1") == ["a"]  # still available within the grace period
    events = desk.advance(21)
    assert desk.of_type(AgentConnectionLost, events)
    assert desk.of_type(OfferRescinded, events)
    status = desk.engine.agent_status("a")
    assert (status["presence"], status["reason"]) == ("not_ready", DISCONNECTED_REASON)
    assert desk.state("i1") == "waiting"


def test_an_agent_back_within_the_grace_period_keeps_their_state(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.at(1).run("agent_disconnected", "a", 1.0, 20.0)
    desk.at(10).run("agent_connected", "a", 10.0)
    desk.advance(60)
    assert desk.engine.agent_status("a")["presence"] == "available"
    assert desk.of_type(AgentConnectionLost) == []
    assert desk.engine.disconnected_agents() == {}


def test_an_offline_agent_who_disconnects_starts_no_timer(desk) -> None:
    desk.agent("a", available=False)
    assert desk.run("agent_disconnected", "a", 0.0, 20.0) == []
    assert desk.engine.next_deadline() is None


def test_a_waiting_contact_who_stays_away_abandons_with_the_wait_recorded(desk) -> None:
    desk.queue("q")
    desk.enqueue("i1", "q", kind="chat")
    desk.at(4).run("contact_disconnected", "i1", 4.0, 10.0)
    events = desk.advance(14)
    departed = desk.of_type(ContactDeparted, events)
    abandoned = desk.of_type(InteractionAbandoned, events)
    assert [(e.agent_id, e.at) for e in departed] == [(None, 14.0)]
    assert [(e.interaction_id, e.at) for e in abandoned] == [("i1", 14.0)]
    assert "i1" not in desk.engine.interaction_ids()


def test_a_contact_back_within_the_grace_period_keeps_their_place(desk) -> None:
    desk.queue("q")
    desk.enqueue("i1", "q", kind="chat")
    desk.enqueue("i2", "q", kind="chat")
    desk.at(4).run("contact_disconnected", "i1", 4.0, 10.0)
    desk.at(9).run("contact_connected", "i1", 9.0)
    desk.advance(100)
    assert desk.engine.waiting("q") == ["i1", "i2"]


def test_the_contact_of_an_assigned_chat_departs_and_returns_while_it_goes_on(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q", kind="chat")
    desk.answer("i1")
    desk.at(2).run("contact_disconnected", "i1", 2.0, 5.0)
    events = desk.advance(7)
    assert [(e.agent_id, e.at) for e in desk.of_type(ContactDeparted, events)] == [("a", 7.0)]
    assert desk.state("i1") == "assigned"
    assert desk.engine.contact_departed("i1")
    back = desk.at(9).run("contact_connected", "i1", 9.0)
    assert [event_to_dict(e)["departed"] for e in back] == [True]
    assert not desk.engine.contact_departed("i1")


def test_connection_timers_fire_on_time_in_an_engine_rebuilt_from_snapshot_and_events(
    desk,
) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.agent("b")
    desk.enqueue("i1", "q", kind="chat")
    desk.answer("i1")
    desk.enqueue("i2", "q", kind="chat")
    desk.at(1).run("agent_disconnected", "b", 1.0, 30.0)
    snapshot = json.loads(json.dumps(desk.engine.snapshot()))
    mark = len(desk.events)
    desk.at(2).enqueue("i3", "q", kind="chat")
    desk.at(3).run("contact_disconnected", "i3", 3.0, 12.0)
    rebuilt = RoutingEngine.from_snapshot(snapshot)
    for event in desk.events[mark:]:
        rebuilt.apply(event_from_dict(json.loads(json.dumps(event_to_dict(event)))))
    assert rebuilt.snapshot() == desk.engine.snapshot()
    assert rebuilt.next_deadline() == desk.engine.next_deadline() == 15.0
    fired = rebuilt.advance(40)
    assert fired == desk.engine.advance(40)
    assert [
        type(e) for e in fired if isinstance(e, InteractionAbandoned | AgentConnectionLost)
    ] == [
        InteractionAbandoned,
        AgentConnectionLost,
    ]
    assert rebuilt.agent_status("b")["reason"] == DISCONNECTED_REASON


def test_an_agent_out_for_being_disconnected_starts_no_second_timer(desk) -> None:
    desk.agent("a")
    desk.run("agent_disconnected", "a", 0.0, 5.0)
    desk.advance(5)
    assert desk.engine.agent_status("a")["reason"] == DISCONNECTED_REASON
    assert desk.at(6).run("agent_disconnected", "a", 6.0, 5.0) == []
    assert desk.engine.next_deadline() is None
