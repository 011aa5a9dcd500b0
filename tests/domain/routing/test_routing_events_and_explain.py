"""Events (names, wire form, rebuild from a snapshot) and explain."""

from __future__ import annotations

import dataclasses
import json

import pytest

from switchdesk.domain.routing import (
    EVENT_TYPES,
    CapacityProfile,
    Filter,
    OfferAccepted,
    OfferMade,
    RoutingEngine,
    RoutingSettings,
    Strategy,
    Target,
    WorkflowConfig,
    event_from_dict,
    event_to_dict,
    wire_name,
)

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})


def test_event_wire_names_are_the_snake_case_of_the_class_names() -> None:
    assert wire_name(OfferAccepted) == "offer_accepted"
    assert EVENT_TYPES["after_contact_work_started"].__name__ == "AfterContactWorkStarted"
    for name, event_type in EVENT_TYPES.items():
        assert wire_name(event_type) == name
        assert dataclasses.is_dataclass(event_type)
        assert event_type.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_events_round_trip_through_json(desk) -> None:
    desk.queue("q", after_contact_work_seconds=5)
    desk.agent("a", skills={"x": 1})
    desk.enqueue("i1", "q", attributes={"tags": ["a", "b"], "vip": True})
    desk.answer("i1")
    desk.complete("i1")
    assert desk.events
    for event in desk.events:
        data = json.loads(json.dumps(event_to_dict(event)))
        assert data["type"] == wire_name(type(event))
        assert event_from_dict(data) == event


def test_every_change_is_an_event_with_its_time(desk) -> None:
    desk.queue("q", after_contact_work_seconds=5)
    desk.at(1).agent("a")
    desk.at(2).enqueue("i1", "q")
    desk.at(3).answer("i1")
    desk.at(9).complete("i1")
    desk.advance(14)
    names = [wire_name(type(e)) for e in desk.events]
    assert names == [
        "queue_configured",
        "agent_registered",
        "agent_presence_changed",
        "interaction_enqueued",
        "offer_made",
        "agent_activity_changed",
        "offer_accepted",
        "agent_activity_changed",
        "interaction_completed",
        "after_contact_work_started",
        "agent_activity_changed",
        "after_contact_work_ended",
        "agent_activity_changed",
    ]
    assert [e.at for e in desk.events][-4:] == [9, 9, 14.0, 14.0]


def test_engine_rebuilt_from_snapshot_and_events_equals_the_live_one(make_desk) -> None:
    desk = make_desk(RoutingSettings(resume_window_seconds=60))
    desk.queue("sales", strategy=Strategy.RING_PROGRESSIVE, ring_step_seconds=4)
    desk.queue(
        "support", after_contact_work_seconds=20, max_wait_seconds=90, overflow_queue_id="sales"
    )
    desk.workflow(
        WorkflowConfig(
            "w",
            filters=(
                Filter(
                    "vip",
                    "interaction.vip == true",
                    (
                        Target("support", priority=5, timeout_seconds=10),
                        Target("sales", priority=9),
                    ),
                ),
            ),
            default_targets=(Target("support"),),
        )
    )
    for n in range(4):
        desk.at(n).agent(f"a{n}", capacity=VOICE_ONLY)
    desk.at(5).enqueue("i1", workflow_id="w", attributes={"vip": True}, contact_id="c1")
    desk.answer("i1")
    snapshot = json.loads(json.dumps(desk.engine.snapshot()))
    mark = len(desk.events)
    desk.at(6).enqueue("i2", workflow_id="w", contact_id="c2")
    desk.at(7).enqueue("i3", "sales")
    desk.at(8).complete("i1")
    desk.at(9).run("abandon", "i2", 9.0)
    desk.at(12).enqueue("i4", workflow_id="w", attributes={"vip": True})
    desk.at(13).run("set_capacity", "a3", CapacityProfile(200, {"voice": 100}), 13.0)
    desk.advance(40)
    rebuilt = RoutingEngine.from_snapshot(snapshot)
    for event in desk.events[mark:]:
        rebuilt.apply(event_from_dict(json.loads(json.dumps(event_to_dict(event)))))
    assert rebuilt.snapshot() == desk.engine.snapshot()
    assert rebuilt.next_deadline() == desk.engine.next_deadline()
    assert rebuilt.enqueue("i5", 41, channel_kind="voice", queue_id="support") == (
        desk.engine.enqueue("i5", 41, channel_kind="voice", queue_id="support")
    )
    assert rebuilt.advance(500) == desk.engine.advance(500)


def test_explain_names_the_filter_target_and_every_agent_with_reasons(desk) -> None:
    desk.queue(
        "billing",
        eligibility="agent.skills.billing >= 2",
        after_contact_work_seconds=60,
        decline_backoff_seconds=30,
    )
    desk.workflow(
        WorkflowConfig(
            "w",
            filters=(
                Filter(
                    "spanish",
                    'interaction.language == "es"',
                    (Target("billing", expression='agent.languages HAS "es"'),),
                ),
            ),
            default_targets=(Target("billing"),),
        )
    )
    desk.at(0).agent("novice", skills={"billing": 1}, languages=["es"])
    desk.at(0).agent("english", skills={"billing": 3}, languages=["en"])
    desk.at(0).agent("offline", skills={"billing": 3}, languages=["es"], available=False)
    desk.at(0).agent("lunch", skills={"billing": 3}, languages=["es"])
    desk.presence("lunch", "not_ready", reason="lunch")
    desk.at(0).agent("wrapping", skills={"billing": 3}, languages=["es"])
    desk.at(0).agent("declined", skills={"billing": 3}, languages=["es"])
    desk.at(0).agent(
        "chatting",
        skills={"billing": 3},
        languages=["es"],
        capacity=CapacityProfile(100, {"chat": 100}, {}),
    )
    desk.at(1).enqueue("warm", workflow_id="w", attributes={"language": "es"})
    assert desk.offered_to("warm") == ["wrapping"]
    desk.answer("warm")
    desk.at(2).complete("warm")  # wrapping: after-contact work until 62
    desk.at(3).enqueue("x", workflow_id="w", attributes={"language": "es"})
    assert desk.offered_to("x") == ["declined"]
    desk.decline("x")  # declined: back-off until 33
    explanation = desk.engine.explain("x", now=4)
    assert explanation.filter_name == "spanish"
    assert explanation.queue_id == "billing"
    assert explanation.target["expression"] == 'agent.languages HAS "es"'
    reasons = {c.agent_id: c.reasons for c in explanation.candidates}
    assert reasons["novice"] == ("queue expression is false: agent.skills.billing >= 2",)
    assert reasons["english"] == ('target expression is false: agent.languages HAS "es"',)
    assert reasons["offline"] == ("offline",)
    assert reasons["lunch"] == ("not-ready (lunch)",)
    assert reasons["wrapping"] == ("after-contact work until 62",)
    assert reasons["declined"] == ("back-off until 33",)
    assert reasons["chatting"] == ("no capacity for channel kind 'voice' in the agent's profile",)
    assert explanation.would_offer_to == ()
    assert "would offer to: nobody now" in explanation.to_text()


def test_explain_gives_the_ordering_key_and_who_would_get_it(desk) -> None:
    desk.queue("q", strategy=Strategy.BEST_PROFICIENCY, proficiency_skill="x")
    desk.at(0).agent("low", x_level=1, skills={"x": 2}, available=False)
    desk.at(0).agent("high", skills={"x": 5}, available=False)
    desk.at(1).enqueue("i1", "q")
    engine = desk.engine
    engine_events = desk.events
    assert engine_events
    explanation = engine.explain("i1")
    assert explanation.would_offer_to == ()
    # both offline: keys still shown for members
    assert explanation.candidate("high").ordering_key == (0, -5, 0, 1)
    desk.at(2).presence("low", "available")
    assert desk.offered_to("i1") == ["low"]


def test_explain_shows_eligible_agents_in_order(desk) -> None:
    desk.queue("q")
    desk.at(0).agent("a", capacity=VOICE_ONLY)
    desk.at(5).agent("b", capacity=VOICE_ONLY)
    desk.at(6).agent("busy", capacity=VOICE_ONLY)
    desk.enqueue("i0", "q")  # a takes it
    desk.answer("i0")
    desk.at(7).enqueue("i1", "q")  # b
    desk.at(8).enqueue("i2", "q")  # busy
    desk.decline("i2", "busy")
    explanation = desk.engine.explain("i2")
    eligible = [c.agent_id for c in explanation.candidates if c.eligible]
    assert eligible == []
    assert explanation.candidate("a").reasons == ("no capacity: 100 of 100 used, voice needs 100",)


def test_offer_events_carry_the_offer_expiry(desk) -> None:
    desk.queue("q", offer_timeout_seconds=12)
    desk.agent("a")
    events = desk.at(3).enqueue("i1", "q")
    offer = next(e for e in events if isinstance(e, OfferMade))
    assert offer.expires_at == 15.0
    assert desk.engine.next_deadline() == 15.0


def test_snapshot_of_an_empty_engine_rebuilds() -> None:
    engine = RoutingEngine()
    assert RoutingEngine.from_snapshot(engine.snapshot()).snapshot() == engine.snapshot()


@pytest.mark.parametrize("strategy", list(Strategy))
def test_every_strategy_serves_a_simple_queue(make_desk, strategy: Strategy) -> None:
    desk = make_desk()
    options = {"proficiency_skill": "x"} if strategy is Strategy.BEST_PROFICIENCY else {}
    desk.queue("q", strategy=strategy, **options)
    desk.agent("a", skills={"x": 1}, capacity=VOICE_ONLY)
    desk.enqueue("i1", "q")
    assert desk.offered_to("i1") == ["a"]
    desk.answer("i1")
    desk.complete("i1")
    assert desk.engine.interaction_ids() == []


def test_activity_events_can_be_turned_off_for_simulations(make_desk) -> None:
    desk = make_desk(RoutingSettings(activity_events=False))
    desk.queue("q")
    desk.agent("a")
    desk.enqueue("i1", "q")
    desk.answer("i1")
    assert [e for e in desk.events if type(e).__name__ == "AgentActivityChanged"] == []
    assert desk.engine.agent_status("a")["activity"] == "on_contact"


def test_every_event_builds_the_same_by_position_and_by_keyword() -> None:
    for event_type in EVENT_TYPES.values():
        names = [item.name for item in dataclasses.fields(event_type)]
        values = [f"value-{n}" for n in range(len(names))]
        by_position = event_type(*values)
        by_keyword = event_type(**dict(zip(names, values, strict=True)))
        assert by_position == by_keyword
        assert [getattr(by_position, name) for name in names] == values
        with pytest.raises(dataclasses.FrozenInstanceError):
            by_position.at = 1.0  # type: ignore[misc]
