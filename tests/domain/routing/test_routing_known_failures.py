"""Failures other ACDs are known for (reference: routing-semantics.md, last section)."""

from __future__ import annotations

from collections import Counter

import pytest

from switchdesk.domain.routing import CapacityProfile, OfferMade, RoutingSettings, Strategy

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})
CHAT_ONLY = CapacityProfile(total=100, costs={"chat": 25}, maximum={"chat": 4})


def test_multi_queue_agent_in_wrap_up_gets_nothing_from_another_queue(desk) -> None:
    # Asterisk #1691/#1006: wrap-up time of one queue ignored by the agent's other queues.
    desk.queue("sales", after_contact_work_seconds=30)
    desk.queue("support", after_contact_work_seconds=5)
    desk.agent("a", capacity=VOICE_ONLY)
    desk.enqueue("s1", "sales")
    desk.answer("s1")
    desk.at(10).complete("s1")  # wrap-up until 40
    desk.at(11).enqueue("p1", "support")
    desk.advance(39.9)
    assert desk.state("p1") == "waiting"
    desk.advance(40.0)
    assert desk.offered_to("p1") == ["a"]


def test_multi_queue_agent_after_wrap_up_takes_the_highest_priority_first(desk) -> None:
    # Asterisk #607: with several queues, the agent leaving wrap-up must get the most
    # important caller, not the first queue's.
    desk.queue("a-queue", after_contact_work_seconds=30)
    desk.queue("b-queue")
    desk.agent("agent", capacity=VOICE_ONLY)
    desk.enqueue("first", "a-queue")
    desk.answer("first")
    desk.at(10).complete("first")
    desk.at(12).enqueue("a-normal", "a-queue", priority=0)
    desk.at(13).enqueue("b-urgent", "b-queue", priority=5)
    desk.at(14).enqueue("b-normal", "b-queue", priority=0)
    desk.advance(40.0)
    assert desk.offered_to("b-urgent") == ["agent"]
    desk.answer("b-urgent")
    desk.at(50).complete("b-urgent", after_contact_work_seconds=0)
    assert desk.offered_to("a-normal") == ["agent"]  # older than b-normal


def test_dispatch_follows_priority_then_age_exactly(desk) -> None:
    # FreeSWITCH #2511: members dispatched out of order versus their score.
    desk.queue("q")
    arrivals = [("p0-a", 0), ("p2-a", 2), ("p1-a", 1), ("p2-b", 2), ("p0-b", 0), ("p1-b", 1)]
    for n, (iid, priority) in enumerate(arrivals):
        desk.at(n).enqueue(iid, "q", priority=priority)
    desk.at(10).agent("a", capacity=VOICE_ONLY)
    served = []
    for _ in arrivals:
        iid = next(
            i
            for i, _ in arrivals
            if i in desk.engine.interaction_ids() and desk.state(i) == "offered"
        )
        served.append(iid)
        desk.answer(iid)
        desk.complete(iid)
    assert served == ["p2-a", "p2-b", "p1-a", "p1-b", "p0-a", "p0-b"]


def test_backlog_is_assigned_when_agents_come_online_later(desk) -> None:
    # Chatwoot #10583: conversations created while nobody is online are never assigned.
    desk.queue("chat")
    for n in range(6):
        desk.at(n).enqueue(f"c{n}", "chat", kind="chat")
    desk.at(100).agent("a", capacity=CHAT_ONLY)
    assert [desk.offered_to(f"c{n}") for n in range(4)] == [["a"]] * 4
    assert desk.state("c4") == "waiting"
    desk.at(101).agent("b", capacity=CHAT_ONLY)
    assert desk.offered_to("c4") == ["b"]
    assert desk.offered_to("c5") == ["b"]


def test_backlog_is_assigned_when_capacity_frees_up(desk) -> None:
    desk.queue("chat")
    desk.agent("a", capacity=CHAT_ONLY)
    for n in range(6):
        desk.at(n).enqueue(f"c{n}", "chat", kind="chat")
    for n in range(4):
        desk.accept(f"c{n}")
    desk.at(20).complete("c1")
    assert desk.offered_to("c4") == ["a"]
    assert desk.state("c5") == "waiting"


def test_unanswered_offer_is_reassigned_and_the_silent_agent_paused(make_desk) -> None:
    # Chatwoot #14508: a conversation stays with an agent who never responds.
    desk = make_desk(RoutingSettings(max_missed_offers=2))
    desk.queue("chat", offer_timeout_seconds=30, no_answer_backoff_seconds=10)
    desk.at(0).agent("silent", capacity=CHAT_ONLY)
    desk.at(1).agent("active", capacity=CHAT_ONLY)
    desk.at(2).enqueue("c1", "chat", kind="chat")
    assert desk.offered_to("c1") == ["silent"]
    desk.advance(32.0)  # no answer: reassigned at once, not left with the silent agent
    assert desk.offered_to("c1") == ["active"]
    desk.accept("c1", "active")
    desk.at(45).enqueue("c2", "chat", kind="chat")  # back-off over; silent idles longest
    assert desk.offered_to("c2") == ["silent"]
    desk.advance(75.0)  # a second miss in a row: paused, and c2 goes to the other agent
    status = desk.engine.agent_status("silent")
    assert (status["presence"], status["reason"]) == ("not_ready", "missed")
    assert desk.offered_to("c2") == ["active"]


def test_load_is_even_across_agents(desk) -> None:
    # Chatwoot #11034: a few agents get most conversations.
    desk.queue("chat", strategy=Strategy.LONGEST_IDLE)
    agents = [f"a{n}" for n in range(5)]
    for n, agent in enumerate(agents):
        desk.at(n * 0.1).agent(agent, capacity=CHAT_ONLY)
    handled: Counter[str] = Counter()
    t = 1.0
    for n in range(100):
        t += 1.0
        events = desk.at(t).enqueue(f"c{n}", "chat", kind="chat")
        offer = next(e for e in events if isinstance(e, OfferMade))
        desk.accept(f"c{n}")
        handled[offer.agent_id] += 1
        if n >= 8:
            desk.at(t + 0.5).complete(f"c{n - 8}")
    assert set(handled) == set(agents)
    assert max(handled.values()) - min(handled.values()) <= 1


def test_load_is_even_with_fewest_contacts_even_after_a_late_login(desk) -> None:
    desk.queue("chat", strategy=Strategy.FEWEST_CONTACTS)
    for agent in ("a", "b"):
        desk.agent(agent, capacity=CHAT_ONLY)
    for n in range(10):
        desk.at(n).enqueue(f"c{n}", "chat", kind="chat")
        desk.accept(f"c{n}")
        desk.complete(f"c{n}")
    desk.at(20).agent("late", capacity=CHAT_ONLY)
    served = []
    for n in range(10, 16):
        desk.at(n + 20).enqueue(f"c{n}", "chat", kind="chat")
        served.append(desk.answer(f"c{n}"))
        desk.complete(f"c{n}")
    assert served[:5] == ["late"] * 5  # catches up with the others first


@pytest.mark.parametrize(
    "strategy",
    [
        Strategy.LONGEST_IDLE,
        Strategy.ROUND_ROBIN,
        Strategy.FEWEST_CONTACTS,
        Strategy.LEAST_OCCUPIED,
    ],
)
def test_simultaneous_chats_spread_across_agents_instead_of_filling_one(
    make_desk, strategy
) -> None:
    desk = make_desk()
    desk.queue("chat", strategy=strategy)
    agents = [f"a{n}" for n in range(4)]
    for n, agent in enumerate(agents):
        desk.at(n).agent(agent, capacity=CHAT_ONLY)
    for n in range(8):
        desk.at(10).enqueue(f"c{n}", "chat", kind="chat")
    load = Counter(desk.offered_to(f"c{n}")[0] for n in range(8))
    assert load == dict.fromkeys(agents, 2)
