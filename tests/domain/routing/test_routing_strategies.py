"""Weighted capacity and the strategies that order eligible agents."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import ConfigurationError
from switchdesk.domain.routing import CapacityProfile, Level, OfferRescinded, Strategy

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})
MULTI = CapacityProfile(
    total=100,
    costs={"voice": 100, "callback": 100, "chat": 34, "email": 20},
    maximum={"chat": 3, "email": 5},
)


# --- capacity ------------------------------------------------------------------------


def test_agent_takes_several_chats_up_to_the_per_kind_maximum(desk) -> None:
    desk.queue("chat")
    desk.agent("a", capacity=CapacityProfile(100, {"chat": 25}, {"chat": 2}))
    for n in range(3):
        desk.enqueue(f"c{n}", "chat", kind="chat")
    assert desk.offered_to("c0") == ["a"]
    assert desk.offered_to("c1") == ["a"]
    assert desk.state("c2") == "waiting"


def test_chats_stop_when_the_weighted_capacity_is_used(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=CapacityProfile(100, {"chat": 34, "email": 20}, {}))
    desk.enqueue("c0", "q", kind="chat")
    desk.enqueue("c1", "q", kind="chat")  # 68 used
    desk.enqueue("c2", "q", kind="chat")  # would be 102
    desk.enqueue("e0", "q", kind="email")  # 88 fits
    assert desk.state("c2") == "waiting"
    assert desk.offered_to("e0") == ["a"]
    assert desk.engine.agent_status("a")["capacity_used"] == 88


def test_raising_an_agents_capacity_offers_waiting_work_at_once(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=CapacityProfile(100, {"chat": 50}, {}))
    for n in range(3):
        desk.enqueue(f"c{n}", "q", kind="chat")
    assert desk.state("c2") == "waiting"
    events = desk.run("set_capacity", "a", CapacityProfile(100, {"chat": 25}, {}), desk.now)
    assert [type(e).__name__ for e in events][:1] == ["AgentCapacityChanged"]
    assert desk.offered_to("c2") == ["a"]
    assert desk.engine.agent_status("a")["capacity_used"] == 75


def test_lowering_an_agents_capacity_keeps_work_in_progress_and_blocks_new_work(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=CapacityProfile(100, {"chat": 25, "email": 20}, {}))
    desk.enqueue("c0", "q", kind="chat")
    desk.enqueue("c1", "q", kind="chat")
    desk.answer("c0")
    desk.run("set_capacity", "a", CapacityProfile(100, {"chat": 60, "email": 20}, {}), desk.now)
    assert desk.engine.agent_status("a")["capacity_used"] == 120  # over the total: kept
    assert desk.state("c1") == "offered"  # the pending offer stays
    desk.enqueue("e0", "q", kind="email")
    assert desk.state("e0") == "waiting"
    desk.accept("c1")
    desk.complete("c0")
    desk.complete("c1")
    assert desk.engine.agent_status("a")["capacity_used"] == 20  # the email came in
    assert desk.offered_to("e0") == ["a"]


def test_a_capacity_with_a_cost_above_its_total_is_refused_and_changes_nothing(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=CapacityProfile(100, {"chat": 25}, {}))
    with pytest.raises(ConfigurationError, match="cost of 'chat'"):
        desk.run("set_capacity", "a", CapacityProfile(100, {"chat": 250}, {}), desk.now)
    with pytest.raises(ConfigurationError, match="total"):
        desk.run("set_capacity", "a", CapacityProfile(0, {}, {}), desk.now)
    assert desk.engine.agent_status("a")["capacity_total"] == 100
    desk.enqueue("c0", "q", kind="chat")
    assert desk.engine.agent_status("a")["capacity_used"] == 25


def test_a_call_takes_the_whole_capacity(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=MULTI)
    desk.enqueue("call", "q", kind="voice")
    desk.answer("call")
    desk.enqueue("chat", "q", kind="chat")
    assert desk.state("chat") == "waiting"


def test_a_call_waits_while_the_agent_has_a_chat(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=MULTI)
    desk.enqueue("chat", "q", kind="chat")
    desk.answer("chat")
    desk.enqueue("call", "q", kind="voice")
    assert desk.state("call") == "waiting"
    desk.complete("chat")
    assert desk.offered_to("call") == ["a"]


def test_kind_without_a_cost_is_never_routed_to_the_agent(desk) -> None:
    desk.queue("q")
    desk.agent("voice_only", capacity=VOICE_ONLY)
    desk.enqueue("mail", "q", kind="email")
    assert desk.state("mail") == "waiting"
    reason = desk.engine.explain("mail").candidate("voice_only").reasons
    assert any("no capacity for channel kind 'email'" in r for r in reason)


# --- strategies ----------------------------------------------------------------------


def _three_agents(desk, **queue) -> None:
    desk.queue("q", **queue)
    desk.at(0).agent("a", skills={"x": 1}, rank=3)
    desk.at(1).agent("b", skills={"x": 5}, rank=1)
    desk.at(2).agent("c", skills={"x": 3}, rank=2)
    desk.at(10)


def test_longest_idle_offers_the_agent_idle_the_longest(desk) -> None:
    _three_agents(desk)
    desk.enqueue("i1", "q")
    assert desk.offered_to("i1") == ["a"]
    desk.answer("i1")
    desk.at(11).complete("i1")  # a is idle since 11 now
    desk.enqueue("i2", "q")
    assert desk.offered_to("i2") == ["b"]


def test_round_robin_continues_after_the_agent_last_offered(desk) -> None:
    _three_agents(desk, strategy=Strategy.ROUND_ROBIN)
    order = []
    for n in range(6):
        desk.at(10 + n).enqueue(f"i{n}", "q")
        agent = desk.answer(f"i{n}")
        desk.complete(f"i{n}")
        order.append(agent)
    assert order == ["a", "b", "c", "a", "b", "c"]


def test_fewest_contacts_prefers_the_agent_who_handled_fewest_in_the_queue(desk) -> None:
    _three_agents(desk, strategy=Strategy.FEWEST_CONTACTS)
    for n in range(3):
        desk.at(10 + n).enqueue(f"i{n}", "q")
        desk.run("accept", desk.offer_id(f"i{n}"), desk.now)
    # each agent handled one; a finishes two more
    for n in range(3):
        desk.complete(f"i{n}")
    desk.at(20).enqueue("j0", "q")
    assert desk.offered_to("j0") == ["a"]
    desk.answer("j0")
    desk.complete("j0")
    desk.at(21).enqueue("j1", "q")
    assert desk.offered_to("j1") == ["b"]


def test_least_occupied_prefers_the_agent_with_least_handle_time(desk) -> None:
    _three_agents(desk, strategy=Strategy.LEAST_OCCUPIED)
    desk.enqueue("long", "q")  # a
    desk.enqueue("short", "q")  # b
    desk.answer("long")
    desk.answer("short")
    desk.at(15).complete("short")
    desk.at(100).complete("long")
    desk.enqueue("c-call", "q")
    assert desk.offered_to("c-call") == ["c"]
    desk.answer("c-call")
    desk.at(200).complete("c-call")  # c now has 100 s
    desk.enqueue("next", "q")
    assert desk.offered_to("next") == ["b"]


def test_best_proficiency_offers_the_most_skilled_agent_first(desk) -> None:
    _three_agents(desk, strategy=Strategy.BEST_PROFICIENCY, proficiency_skill="x")
    desk.enqueue("i1", "q")
    desk.enqueue("i2", "q")
    desk.enqueue("i3", "q")
    assert [desk.offered_to(i)[0] for i in ("i1", "i2", "i3")] == ["b", "c", "a"]


def test_top_down_follows_the_configured_order(desk) -> None:
    _three_agents(desk, strategy=Strategy.TOP_DOWN, agent_order=("c", "a"))
    desk.enqueue("i1", "q")
    desk.enqueue("i2", "q")
    desk.enqueue("i3", "q")
    assert [desk.offered_to(i)[0] for i in ("i1", "i2", "i3")] == ["c", "a", "b"]


def test_seeded_random_is_the_same_for_the_same_seed(make_desk) -> None:
    def picks(seed: int) -> list[str]:
        desk = make_desk()
        desk.queue("q", strategy=Strategy.RANDOM, random_seed=seed)
        for n in range(8):
            desk.agent(f"a{n}")
        result = []
        for n in range(8):
            desk.enqueue(f"i{n}", "q")
            result.append(desk.offered_to(f"i{n}")[0])
        return result

    assert picks(1) == picks(1)
    assert picks(1) != picks(2) or picks(1) != picks(3)
    assert sorted(picks(1)) == [f"a{n}" for n in range(8)]


def test_ring_all_offers_everyone_and_first_accept_wins(desk) -> None:
    _three_agents(desk, strategy=Strategy.RING_ALL)
    desk.enqueue("i1", "q")
    assert desk.offered_to("i1") == ["a", "b", "c"]
    events = desk.accept("i1", "c")
    rescinded = sorted(e.agent_id for e in desk.of_type(OfferRescinded, events))
    assert rescinded == ["a", "b"]
    assert desk.agent_of("i1") == "c"
    for agent in ("a", "b"):
        assert desk.engine.agent_status(agent)["capacity_used"] == 0


def test_ring_all_requeues_when_everyone_declines(desk) -> None:
    _three_agents(desk, strategy=Strategy.RING_ALL, decline_backoff_seconds=5)
    desk.enqueue("i1", "q")
    for agent in ("a", "b", "c"):
        desk.decline("i1", agent)
    assert desk.state("i1") == "waiting"
    desk.advance(15.0)
    assert desk.offered_to("i1") == ["a", "b", "c"]


def test_ring_progressively_adds_an_agent_every_step(desk) -> None:
    _three_agents(desk, strategy=Strategy.RING_PROGRESSIVE, ring_step_seconds=5)
    desk.enqueue("i1", "q")
    assert desk.offered_to("i1") == ["a"]
    desk.advance(15.0)
    assert desk.offered_to("i1") == ["a", "b"]
    desk.advance(20.0)
    assert desk.offered_to("i1") == ["a", "b", "c"]
    desk.accept("i1", "b")
    assert desk.pending("i1") == {}


def test_sticky_agent_gets_the_returning_contact(desk) -> None:
    _three_agents(desk, strategy=Strategy.STICKY, sticky_seconds=3600)
    desk.enqueue("i1", "q", contact_id="cust")
    assert desk.offered_to("i1") == ["a"]
    desk.answer("i1")
    desk.at(12).complete("i1")
    desk.at(13).enqueue("i2", "q", contact_id="cust")
    assert desk.offered_to("i2") == ["a"]


def test_sticky_falls_back_when_the_agent_is_busy_or_the_window_passed(desk) -> None:
    _three_agents(desk, strategy=Strategy.STICKY, sticky_seconds=100)
    desk.enqueue("i1", "q", contact_id="cust")
    desk.answer("i1")
    desk.at(12).complete("i1")
    desk.at(500).enqueue("i2", "q", contact_id="cust")
    assert desk.offered_to("i2") == ["b"]


def test_levels_offer_lower_levels_first_regardless_of_idle_time(desk) -> None:
    desk.queue(
        "q",
        levels=(Level("agent.tier == 1"), Level("agent.tier == 2")),
    )
    desk.at(0).agent("backup", tier=2)
    desk.at(5).agent("primary", tier=1)
    desk.at(10).enqueue("i1", "q")
    assert desk.offered_to("i1") == ["primary"]
    desk.enqueue("i2", "q")
    assert desk.offered_to("i2") == ["backup"]
