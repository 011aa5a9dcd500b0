"""Ordering of interactions, after-contact work, abandon, transfer, callback, resume."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import Conflict
from switchdesk.domain.routing import (
    AfterContactWorkEnded,
    AfterContactWorkStarted,
    CallbackRequested,
    CapacityProfile,
    InteractionOverflowed,
    InteractionTransferred,
    InteractionTransferredOut,
    RoutingSettings,
)

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})
MULTI = CapacityProfile(
    total=100,
    costs={"voice": 100, "callback": 100, "chat": 34, "email": 20},
    maximum={"chat": 3, "email": 5},
)


# --- ordering ------------------------------------------------------------------------


def test_higher_priority_is_served_first_regardless_of_age(desk) -> None:
    desk.queue("q")
    desk.at(0).enqueue("old-low", "q", priority=0)
    desk.at(50).enqueue("new-high", "q", priority=5)
    desk.at(60).agent("a")
    assert desk.offered_to("new-high") == ["a"]


def test_same_priority_is_served_oldest_first(desk) -> None:
    desk.queue("q")
    for n in range(5):
        desk.at(n).enqueue(f"i{n}", "q")
    desk.agent("a", capacity=VOICE_ONLY)
    served = []
    for _ in range(5):
        waiting_offer = [i for i in desk.engine.interaction_ids() if desk.state(i) == "offered"]
        served.append(waiting_offer[0])
        desk.answer(waiting_offer[0])
        desk.complete(waiting_offer[0])
    assert served == ["i0", "i1", "i2", "i3", "i4"]


def test_priority_ages_with_waiting_time(desk) -> None:
    desk.queue("q", priority_aging_seconds=10)  # +1 priority per 10 s waited
    desk.at(0).enqueue("old-low", "q", priority=0)
    desk.at(25).enqueue("new-high", "q", priority=2)
    # at t=40: old-low scores 4.0, new-high scores 3.5
    desk.at(40).agent("a")
    assert desk.offered_to("old-low") == ["a"]


def test_agent_in_several_queues_gets_the_best_interaction_across_them(desk) -> None:
    desk.queue("sales")
    desk.queue("support")
    desk.at(0).enqueue("support-old", "support")
    desk.at(5).enqueue("sales-new", "sales")
    desk.at(10).agent("a", capacity=VOICE_ONLY)
    assert desk.offered_to("support-old") == ["a"]


def test_cross_queue_priority_beats_age(desk) -> None:
    desk.queue("sales")
    desk.queue("support")
    desk.at(0).enqueue("support-old", "support", priority=0)
    desk.at(5).enqueue("sales-urgent", "sales", priority=3)
    desk.at(10).agent("a", capacity=VOICE_ONLY)
    assert desk.offered_to("sales-urgent") == ["a"]


def test_queue_weight_comes_before_priority_across_queues(desk) -> None:
    desk.queue("gold", weight=10)
    desk.queue("basic")
    desk.at(0).enqueue("basic-urgent", "basic", priority=9)
    desk.at(5).enqueue("gold-normal", "gold")
    desk.at(10).agent("a", capacity=VOICE_ONLY)
    assert desk.offered_to("gold-normal") == ["a"]


# --- after-contact work ----------------------------------------------------------------


def test_after_contact_work_blocks_new_offers_until_it_ends(desk) -> None:
    desk.queue("q", after_contact_work_seconds=30)
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    events = desk.at(10).complete("i1")
    assert desk.of_type(AfterContactWorkStarted, events)[0].until == 40.0
    assert desk.engine.agent_status("a")["activity"] == "after_contact_work"
    desk.at(20).enqueue("i2", "q")
    assert desk.state("i2") == "waiting"
    events = desk.advance(40.0)
    assert desk.of_type(AfterContactWorkEnded, events)[0].early is False
    assert desk.offered_to("i2") == ["a"]


def test_agent_can_end_after_contact_work_early(desk) -> None:
    desk.queue("q", after_contact_work_seconds=300)
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    desk.at(10).complete("i1")
    desk.at(11).enqueue("i2", "q")
    events = desk.at(12).run("end_after_contact_work", "a", 12.0)
    assert desk.of_type(AfterContactWorkEnded, events)[0].early is True
    assert desk.offered_to("i2") == ["a"]


def test_after_contact_work_time_can_be_given_on_completion(desk) -> None:
    desk.queue("q", after_contact_work_seconds=300)
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    events = desk.at(10).complete("i1", after_contact_work_seconds=0)
    assert desk.of_type(AfterContactWorkStarted, events) == []
    assert desk.engine.agent_status("a")["activity"] == "idle"


def test_completing_an_unassigned_interaction_is_a_conflict(desk) -> None:
    desk.queue("q")
    desk.enqueue("i1", "q")
    with pytest.raises(Conflict):
        desk.complete("i1")


# --- max wait, transfer, callback, resume -----------------------------------------------


def test_max_wait_overflows_to_another_queue_keeping_the_age(desk) -> None:
    desk.queue("backup")
    desk.queue("front", max_wait_seconds=60, overflow_queue_id="backup")
    desk.at(0).enqueue("i1", "front")
    desk.at(30).enqueue("b1", "backup")
    events = desk.advance(60.0)
    assert desk.of_type(InteractionOverflowed, events)[0].to_queue_id == "backup"
    assert desk.engine.waiting("backup") == ["i1", "b1"]


def test_max_wait_to_a_destination_transfers_the_interaction_out(desk) -> None:
    desk.queue("front", max_wait_seconds=60, overflow_destination="voicemail")
    desk.at(0).enqueue("i1", "front")
    events = desk.advance(61.0)
    out = desk.of_type(InteractionTransferredOut, events)[0]
    assert (out.destination, out.at) == ("voicemail", 60.0)
    assert "i1" not in desk.engine.interaction_ids()


def test_transfer_to_a_queue_frees_the_agent_and_routes_again(desk) -> None:
    desk.queue("tier1")
    desk.queue("tier2", eligibility="agent.tier == 2")
    desk.agent("first", tier=1)
    desk.agent("second", tier=2, available=False)
    desk.enqueue("i1", "tier1")
    desk.answer("i1")
    desk.at(5).presence("second", "available")
    events = desk.at(10).run("transfer_to_queue", "i1", "tier2", 10.0)
    moved = desk.of_type(InteractionTransferred, events)[0]
    assert (moved.from_agent_id, moved.to_queue_id) == ("first", "tier2")
    assert desk.offered_to("i1") == ["second"]
    assert desk.engine.agent_status("first")["capacity_used"] == 0


def test_transfer_to_an_agent_waits_for_that_agent_only(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.agent("b")
    desk.agent("c")
    desk.enqueue("busy", "q")  # a
    desk.answer("busy")
    desk.enqueue("i1", "q")  # b
    desk.answer("i1")
    desk.at(10).run("transfer_to_agent", "i1", "a", 10.0)
    assert desk.state("i1") == "waiting"  # c is free, but the transfer is to a
    desk.at(20).complete("busy")
    assert desk.offered_to("i1") == ["a"]


def test_transfer_out_ends_the_interaction(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    events = desk.run("transfer_out", "i1", "+15551234", 5.0)
    assert desk.of_type(InteractionTransferredOut, events)[0].from_agent_id == "a"
    assert desk.engine.agent_status("a")["capacity_used"] == 0


def test_callback_request_keeps_the_place_in_line(desk) -> None:
    desk.queue("q")
    desk.at(0).enqueue("first", "q")
    desk.at(1).enqueue("second", "q")
    events = desk.at(2).run("request_callback", "first", 2.0)
    assert desk.of_type(CallbackRequested, events)[0].channel_kind == "callback"
    assert desk.engine.waiting("q") == ["first", "second"]
    desk.at(3).agent("a", capacity=VOICE_ONLY)
    assert desk.offered_to("first") == ["a"]
    assert desk.engine.interaction_status("first")["channel_kind"] == "callback"


def test_contact_who_abandoned_and_returns_within_the_window_resumes_the_place(make_desk) -> None:
    desk = make_desk(RoutingSettings(resume_window_seconds=120))
    desk.queue("q")
    desk.at(0).enqueue("first-try", "q", contact_id="cust")
    desk.at(10).enqueue("other", "q", contact_id="someone")
    desk.at(20).run("abandon", "first-try", 20.0)
    events = desk.at(60).enqueue("second-try", "q", contact_id="cust")
    assert events[0].resumed is True
    assert events[0].entered_at == 0.0
    assert desk.engine.waiting("q") == ["second-try", "other"]


def test_contact_returning_after_the_window_starts_at_the_back(make_desk) -> None:
    desk = make_desk(RoutingSettings(resume_window_seconds=30))
    desk.queue("q")
    desk.at(0).enqueue("first-try", "q", contact_id="cust")
    desk.at(10).enqueue("other", "q", contact_id="someone")
    desk.at(20).run("abandon", "first-try", 20.0)
    events = desk.at(60).enqueue("second-try", "q", contact_id="cust")
    assert events[0].resumed is False
    assert desk.engine.waiting("q") == ["other", "second-try"]


def test_abandoning_an_assigned_interaction_is_a_conflict(desk) -> None:
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    with pytest.raises(Conflict):
        desk.run("abandon", "i1", 1.0)


def test_agent_attribute_change_updates_queue_membership(desk) -> None:
    desk.queue("billing", eligibility="agent.skills.billing >= 3")
    desk.agent("a", skills={"billing": 1})
    desk.enqueue("i1", "billing")
    assert desk.state("i1") == "waiting"
    desk.at(5).run("update_agent_attributes", "a", {"skills": {"billing": 4}}, 5.0)
    assert desk.offered_to("i1") == ["a"]
    assert desk.engine.agent_status("a")["queues"] == {"billing": 0}
