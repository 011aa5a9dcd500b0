"""Configuration changes, validation and command errors."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from switchdesk.domain.routing import (
    AgentPreference,
    CapacityProfile,
    OfferCancelled,
    QueueConfig,
    RoutingSettings,
    Strategy,
    Target,
    WorkflowConfig,
)

VOICE_ONLY = CapacityProfile(total=100, costs={"voice": 100, "callback": 100})


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"offer_timeout_seconds": 0}, "offer_timeout_seconds must be > 0"),
        ({"after_contact_work_seconds": -1}, "after_contact_work_seconds must be >= 0"),
        ({"max_wait_seconds": 30}, "max_wait_seconds needs overflow_queue_id"),
        ({"max_wait_seconds": 30, "overflow_queue_id": "q"}, "cannot overflow to itself"),
        ({"strategy": Strategy.BEST_PROFICIENCY}, "needs proficiency_skill"),
        (
            {"max_wait_seconds": 30, "overflow_queue_id": "x", "overflow_destination": "vm"},
            "not both",
        ),
        ({"max_wait_seconds": 30, "overflow_queue_id": "elsewhere"}, "unknown overflow queue"),
        ({"levels": (), "eligibility": "agent.x >"}, "queue 'q' eligibility"),
    ],
)
def test_invalid_queue_configuration_is_rejected_and_changes_nothing(
    desk, options, fragment
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        desk.queue("q", **options)
    assert fragment in caught.value.detail
    assert desk.engine.queue_ids() == []
    assert desk.events == []


def test_bad_level_expression_names_the_level(desk) -> None:
    from switchdesk.domain.routing import Level

    with pytest.raises(ConfigurationError) as caught:
        desk.queue("q", levels=(Level("agent.tier == 1"), Level("agent.tier ==")))
    assert "queue 'q' level 1" in caught.value.detail


def test_reconfigured_queue_re_evaluates_members_and_routes_the_backlog(desk) -> None:
    desk.queue("q", eligibility="agent.skills.x >= 4")
    desk.agent("a", skills={"x": 2}, capacity=VOICE_ONLY)
    desk.at(1).enqueue("i1", "q")
    desk.at(2).enqueue("i2", "q")
    assert desk.state("i1") == "waiting"
    desk.at(3).queue("q", eligibility="agent.skills.x >= 2")
    assert desk.offered_to("i1") == ["a"]
    assert desk.engine.waiting("q") == ["i2"]


def test_unknown_presence_is_a_validation_error(desk) -> None:
    desk.agent("a")
    with pytest.raises(ValidationFailed):
        desk.presence("a", "sleeping")


def test_enqueue_errors_say_what_is_wrong(desk) -> None:
    desk.queue("q")
    desk.enqueue("i1", "q")
    with pytest.raises(Conflict):
        desk.enqueue("i1", "q")
    with pytest.raises(ValidationFailed):
        desk.run("enqueue", "i2", 0.0, channel_kind="voice")
    with pytest.raises(NotFound):
        desk.enqueue("i3", "nope")
    with pytest.raises(NotFound):
        desk.enqueue("i4", workflow_id="nope")
    with pytest.raises(Conflict):
        desk.agent("a")
        desk.agent("a")


def test_reset_daily_counters_starts_fewest_contacts_afresh(make_desk) -> None:
    def next_agent(reset: bool) -> str:
        desk = make_desk()
        desk.queue("q", strategy=Strategy.FEWEST_CONTACTS)
        desk.at(0).agent("a", capacity=VOICE_ONLY)
        desk.at(1).agent("b", capacity=VOICE_ONLY)
        desk.at(10).enqueue("i0", "q")
        assert desk.answer("i0") == "a"
        desk.complete("i0")
        desk.at(11).enqueue("i1", "q")
        assert desk.answer("i1") == "b"
        desk.enqueue("i2", "q")
        assert desk.answer("i2") == "a"
        desk.at(11.5).complete("i2")  # a: 2 contacts, idle since 11.5
        desk.at(12).complete("i1")  # b: 1 contact, idle since 12
        if reset:
            desk.at(13).run("reset_daily_counters", 13.0)
        desk.at(14).enqueue("i3", "q")
        return desk.offered_to("i3")[0]

    assert next_agent(reset=False) == "b"  # fewest contacts
    assert next_agent(reset=True) == "a"  # all at zero: longest idle decides


def test_callback_requested_while_ringing_cancels_the_offer_and_keeps_the_place(desk) -> None:
    desk.queue("q")
    desk.agent("a", capacity=CapacityProfile(100, {"voice": 100}, {}))
    desk.at(1).enqueue("first", "q")
    desk.at(2).enqueue("second", "q")
    events = desk.at(3).run("request_callback", "first", 3.0)
    assert desk.of_type(OfferCancelled, events)[0].agent_id == "a"
    # the agent cannot take callbacks, so the next voice call goes to it
    assert desk.offered_to("second") == ["a"]
    assert desk.engine.waiting("q") == ["first"]


def test_transfer_of_a_waiting_interaction_moves_it_to_the_other_queue(desk) -> None:
    desk.queue("a")
    desk.queue("b")
    desk.at(1).enqueue("i1", "a")
    desk.at(5).run("transfer_to_queue", "i1", "b", 5.0, priority=3)
    status = desk.engine.interaction_status("i1")
    assert (status["queue_id"], status["priority"], status["entered_at"]) == ("b", 3, 5.0)
    assert desk.engine.waiting("a") == []


def test_explain_says_an_interaction_waits_for_one_agent(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("q", agent=AgentPreference.PREFERRED, timeout_seconds=60),
                Target("q"),
            ),
        )
    )
    desk.agent("owner", available=False)
    desk.agent("other")
    desk.enqueue("i1", workflow_id="w", preferred_agent_id="owner")
    explanation = desk.engine.explain("i1")
    assert explanation.waits_for_agent_id == "owner"
    assert explanation.candidate("other").reasons == ("the interaction waits for agent owner only",)
    assert explanation.candidate("owner").reasons == ("offline",)


def test_missed_offer_limit_of_zero_never_pauses_the_agent(make_desk) -> None:
    desk = make_desk(RoutingSettings(max_missed_offers=0))
    desk.queue("q", offer_timeout_seconds=5, no_answer_backoff_seconds=0)
    desk.agent("a")
    desk.enqueue("i1", "q")
    for t in (5.0, 10.0, 15.0, 20.0):
        desk.advance(t)
    assert desk.engine.agent_status("a")["presence"] == "available"
    assert desk.engine.agent_status("a")["missed_in_row"] == 4


def test_a_failed_command_emits_nothing(desk) -> None:
    desk.queue("q", offer_timeout_seconds=5)
    desk.agent("a")
    desk.enqueue("i1", "q")
    offer_id = desk.offer_id("i1")
    desk.advance(5.0)  # expired
    with pytest.raises(Conflict):
        desk.engine.accept(offer_id, 6.0)
    assert desk.engine.advance(6.0) == []


def test_queue_config_round_trips_through_its_dict_form() -> None:
    from switchdesk.domain.routing import Level

    config = QueueConfig(
        "q",
        eligibility="agent.x == 1",
        strategy=Strategy.TOP_DOWN,
        levels=(Level("agent.tier == 1"),),
        agent_order=("a", "b"),
        max_wait_seconds=10,
        overflow_destination="voicemail",
    )
    assert QueueConfig.from_dict(config.to_dict()) == config
    workflow = WorkflowConfig(
        "w",
        default_targets=(Target("q", agent=AgentPreference.LAST, timeout_seconds=5), Target("q")),
    )
    assert WorkflowConfig.from_dict(workflow.to_dict()) == workflow
