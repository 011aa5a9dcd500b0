"""Offers: accept, decline, expire, cancel, rescind; misses and back-off; presence."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import Conflict, NotFound
from switchdesk.domain.routing import (
    AgentPresenceChanged,
    InteractionEnqueued,
    OfferAccepted,
    OfferCancelled,
    OfferDeclined,
    OfferExpired,
    OfferMade,
    OfferRescinded,
    RoutingSettings,
)


def test_interaction_is_offered_to_an_available_eligible_agent(desk) -> None:
    desk.queue("q", eligibility="agent.skills.billing >= 2")
    desk.agent("novice", skills={"billing": 1})
    desk.agent("expert", skills={"billing": 3})
    events = desk.enqueue("i1", "q")
    assert isinstance(events[0], InteractionEnqueued)
    assert desk.offers_made(events) == [("i1", "expert")]
    offer = desk.of_type(OfferMade, events)[0]
    assert offer.expires_at == 30.0


def test_accepting_an_offer_assigns_the_interaction(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    events = desk.accept("i1")
    assert isinstance(events[0], OfferAccepted)
    assert desk.state("i1") == "assigned"
    assert desk.agent_of("i1") == "a"
    assert desk.engine.agent_status("a")["activity"] == "on_contact"


def test_accepting_an_offer_that_is_gone_is_a_conflict(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    offer_id = desk.offer_id("i1")
    desk.run("accept", offer_id, 1.0)
    with pytest.raises(Conflict) as caught:
        desk.run("accept", offer_id, 2.0)
    assert caught.value.extra["offer_id"] == offer_id


def test_unknown_interaction_is_not_found(desk) -> None:
    with pytest.raises(NotFound):
        desk.run("complete", "nope", 0.0)


def test_offer_expires_after_ring_timeout_and_requeues(desk) -> None:
    desk.queue("q", offer_timeout_seconds=20, no_answer_backoff_seconds=60)
    desk.agent("a")
    desk.enqueue("i1", "q")
    assert desk.engine.next_deadline() == 20.0
    events = desk.advance(20.0)
    assert desk.of_type(OfferExpired, events)[0].agent_id == "a"
    assert desk.state("i1") == "waiting"
    assert desk.engine.agent_status("a")["activity"] == "missed"


def test_expired_offer_is_reoffered_to_the_next_agent_at_once(desk) -> None:
    desk.queue("q", offer_timeout_seconds=20)
    desk.agent("a")
    desk.at(1).agent("b")
    desk.at(2).enqueue("i1", "q")
    assert desk.offered_to("i1") == ["a"]
    events = desk.advance(22.0)
    assert desk.offers_made(events) == [("i1", "b")]


def test_declined_offer_goes_back_to_its_original_place(desk) -> None:
    desk.queue("q", decline_backoff_seconds=30)
    desk.agent("a", available=False)
    desk.at(1).enqueue("first", "q")
    desk.at(2).enqueue("second", "q")
    desk.at(3).presence("a", "available")
    assert desk.offered_to("first") == ["a"]
    desk.decline("first")
    assert desk.engine.waiting("q") == ["first", "second"]
    assert desk.engine.position("first") == 1


def test_agent_backs_off_after_declining(desk) -> None:
    desk.queue("q", decline_backoff_seconds=30)
    desk.agent("a")
    desk.at(1).enqueue("i1", "q")
    events = desk.at(2).decline("i1")
    assert desk.of_type(OfferDeclined, events)[0].backoff_until == 32.0
    assert desk.state("i1") == "waiting"
    desk.advance(31.9)
    assert desk.state("i1") == "waiting"
    desk.advance(32.0)
    assert desk.offered_to("i1") == ["a"]


def test_missed_offers_in_a_row_put_the_agent_in_not_ready_missed(make_desk) -> None:
    desk = make_desk(RoutingSettings(max_missed_offers=2))
    desk.queue("q", offer_timeout_seconds=10, no_answer_backoff_seconds=0)
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.advance(10.0)  # first miss, re-offered to the same agent (no back-off)
    assert desk.offered_to("i1") == ["a"]
    events = desk.advance(20.0)
    change = desk.of_type(AgentPresenceChanged, events)[-1]
    assert (change.presence, change.reason, change.by_system) == (
        "not_ready",
        "missed",
        True,
    )
    status = desk.engine.agent_status("a")
    assert status["presence"] == "not_ready"
    assert status["activity"] == "missed"
    assert desk.state("i1") == "waiting"


def test_accepting_resets_the_missed_offer_count(make_desk) -> None:
    desk = make_desk(RoutingSettings(max_missed_offers=2))
    desk.queue("q", offer_timeout_seconds=10, no_answer_backoff_seconds=0)
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.advance(10.0)
    assert desk.engine.agent_status("a")["missed_in_row"] == 1
    desk.at(11).accept("i1")
    assert desk.engine.agent_status("a")["missed_in_row"] == 0


def test_abandon_while_ringing_cancels_the_offer(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    events = desk.at(5).run("abandon", "i1", 5.0)
    assert [type(e).__name__ for e in events[:2]] == ["OfferCancelled", "InteractionAbandoned"]
    assert desk.engine.agent_status("a")["capacity_used"] == 0
    assert "i1" not in desk.engine.interaction_ids()


def test_going_not_ready_rescinds_pending_offers_and_requeues(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.at(1).agent("b", available=False)
    desk.enqueue("i1", "q")
    desk.at(2).presence("b", "available")
    events = desk.at(3).presence("a", "not_ready", reason="break")
    assert desk.of_type(OfferRescinded, events)[0].agent_id == "a"
    assert desk.offers_made(events) == [("i1", "b")]
    assert desk.engine.agent_status("a")["reason"] == "break"


def test_pending_offer_holds_capacity(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    assert desk.engine.agent_status("a")["capacity_used"] == 100
    desk.enqueue("i2", "q")
    assert desk.state("i2") == "waiting"


def test_cancel_withdraws_a_waiting_interaction(desk) -> None:
    desk.queue("q")
    desk.enqueue("i1", "q")
    events = desk.run("cancel", "i1", 1.0)
    assert type(events[0]).__name__ == "InteractionCancelled"
    assert desk.engine.waiting("q") == []


def test_cancelling_an_assigned_interaction_is_a_conflict(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.accept("i1")
    with pytest.raises(Conflict):
        desk.run("cancel", "i1", 1.0)


def test_offer_cancelled_event_names_the_agent(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    events = desk.run("cancel", "i1", 1.0)
    assert desk.of_type(OfferCancelled, events)[0].agent_id == "a"
