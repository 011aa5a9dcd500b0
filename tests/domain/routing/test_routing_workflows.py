"""Workflows: filters, timed targets (bullseye), skip_if, preferred and last agent."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import ConfigurationError
from switchdesk.domain.routing import (
    AgentPreference,
    Filter,
    InteractionMovedToTarget,
    Level,
    SkipIf,
    Target,
    WorkflowConfig,
)


def _support(desk) -> None:
    desk.queue("billing", eligibility="agent.skills.billing >= 1")
    desk.queue("general")
    desk.workflow(
        WorkflowConfig(
            "support",
            filters=(
                Filter(
                    "vip billing",
                    'interaction.intent == "billing" AND interaction.vip == true',
                    (
                        Target(
                            "billing",
                            expression="agent.skills.billing >= 4",
                            priority=10,
                            timeout_seconds=30,
                        ),
                        Target("billing", priority=20, timeout_seconds=60),
                        Target("general", priority=30),
                    ),
                ),
                Filter("billing", 'interaction.intent == "billing"', (Target("billing"),)),
            ),
            default_targets=(Target("general"),),
        )
    )


def test_first_matching_filter_wins(desk) -> None:
    _support(desk)
    desk.enqueue("i1", workflow_id="support", attributes={"intent": "billing", "vip": True})
    explanation = desk.engine.explain("i1")
    assert explanation.filter_name == "vip billing"
    assert explanation.priority == 10


def test_no_matching_filter_uses_the_default_targets(desk) -> None:
    _support(desk)
    desk.enqueue("i1", workflow_id="support", attributes={"intent": "sales"})
    status = desk.engine.interaction_status("i1")
    assert status["queue_id"] == "general"
    assert desk.engine.explain("i1").filter_name is None


def test_timed_targets_widen_the_pool_and_raise_priority_keeping_the_age(desk) -> None:
    _support(desk)
    desk.agent("junior", skills={"billing": 2}, available=False)
    desk.at(5).enqueue("vip", workflow_id="support", attributes={"intent": "billing", "vip": True})
    desk.at(6).presence("junior", "available")
    assert desk.state("vip") == "waiting"  # only experts (>= 4) in the first 30 s
    events = desk.advance(35.0)
    moved = desk.of_type(InteractionMovedToTarget, events)[0]
    assert (moved.target_index, moved.priority, moved.reason) == (1, 20, "timeout")
    assert desk.offered_to("vip") == ["junior"]
    status = desk.engine.interaction_status("vip")
    assert status["entered_at"] == 5.0  # the age is kept


def test_target_timeouts_are_cumulative_from_entering_the_workflow(desk) -> None:
    _support(desk)
    desk.at(0).enqueue("vip", workflow_id="support", attributes={"intent": "billing", "vip": True})
    desk.advance(30.0)
    assert desk.engine.interaction_status("vip")["target_index"] == 1
    desk.advance(60.0)
    status = desk.engine.interaction_status("vip")
    assert (status["target_index"], status["queue_id"], status["priority"]) == (2, "general", 30)


def test_overflow_to_another_queue_keeps_the_place_by_age(desk) -> None:
    _support(desk)
    desk.at(0).enqueue("vip", workflow_id="support", attributes={"intent": "billing", "vip": True})
    desk.at(50).enqueue("later", "general", kind="voice")
    desk.advance(60.0)
    assert desk.engine.waiting("general") == ["vip", "later"]


def test_skip_if_no_available_agents_moves_on_at_once(desk) -> None:
    desk.queue("experts", eligibility="agent.expert == true")
    desk.queue("everyone")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("experts", timeout_seconds=60, skip_if=SkipIf.NO_AVAILABLE_AGENTS),
                Target("everyone"),
            ),
        )
    )
    desk.agent("expert", expert=True, available=False)
    desk.agent("generalist")
    desk.enqueue("i1", workflow_id="w")
    assert desk.engine.interaction_status("i1")["target_index"] == 1
    assert desk.offered_to("i1") == ["generalist"]


def test_skip_if_no_agents_logged_in_ignores_busy_but_logged_in_agents(desk) -> None:
    desk.queue("experts", eligibility="agent.expert == true")
    desk.queue("everyone")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("experts", timeout_seconds=60, skip_if=SkipIf.NO_AGENTS_LOGGED_IN),
                Target("everyone"),
            ),
        )
    )
    desk.agent("expert", expert=True, available=False)
    desk.presence("expert", "not_ready", reason="lunch")
    desk.enqueue("i1", workflow_id="w")
    assert desk.engine.interaction_status("i1")["target_index"] == 0


def test_preferred_agent_waits_for_that_agent_then_falls_back(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("q", agent=AgentPreference.PREFERRED, timeout_seconds=20),
                Target("q"),
            ),
        )
    )
    desk.agent("owner")
    desk.agent("other")
    desk.enqueue("busy", "q")  # takes the owner (idle longest)
    desk.answer("busy")
    desk.at(1).enqueue("i1", workflow_id="w", preferred_agent_id="owner")
    assert desk.state("i1") == "waiting"  # "other" is free but not preferred
    desk.advance(21.0)
    assert desk.offered_to("i1") == ["other"]


def test_preferred_agent_gets_it_when_free_within_the_window(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("q", agent=AgentPreference.PREFERRED, timeout_seconds=20),
                Target("q"),
            ),
        )
    )
    desk.agent("owner")
    desk.agent("other")
    desk.enqueue("busy", "q")
    desk.answer("busy")
    desk.at(1).enqueue("i1", workflow_id="w", preferred_agent_id="owner")
    desk.at(5).complete("busy")
    assert desk.offered_to("i1") == ["owner"]


def test_unknown_preferred_agent_skips_to_the_next_target(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("q", agent=AgentPreference.PREFERRED, timeout_seconds=20),
                Target("q"),
            ),
        )
    )
    desk.agent("a")
    desk.enqueue("i1", workflow_id="w", preferred_agent_id="ghost")
    assert desk.offered_to("i1") == ["a"]


def test_last_agent_target_routes_back_to_who_served_the_contact(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(
                Target("q", agent=AgentPreference.LAST, timeout_seconds=30),
                Target("q"),
            ),
        )
    )
    desk.agent("a")
    desk.at(1).agent("b")
    desk.at(2).enqueue("first", workflow_id="w", contact_id="cust")
    assert desk.answer("first") == "a"
    desk.at(3).complete("first")
    desk.at(4).enqueue("second", workflow_id="w", contact_id="cust")
    assert desk.offered_to("second") == ["a"]  # b idles longer, but a served the contact


def test_target_expression_may_compare_agent_and_interaction(desk) -> None:
    desk.queue("q")
    desk.workflow(
        WorkflowConfig(
            "w",
            default_targets=(Target("q", expression="interaction.language IN agent.languages"),),
        )
    )
    desk.agent("en", languages=["en"])
    desk.agent("es", languages=["es"])
    desk.enqueue("hola", workflow_id="w", attributes={"language": "es"})
    desk.enqueue("hello", workflow_id="w", attributes={"language": "en"})
    assert desk.offered_to("hola") == ["es"]
    assert desk.offered_to("hello") == ["en"]


def test_max_level_widens_to_higher_levels_with_time(desk) -> None:
    desk.queue("q", levels=(Level("agent.tier == 1"), Level("agent.tier == 2")))
    desk.workflow(
        WorkflowConfig(
            "w", default_targets=(Target("q", max_level=0, timeout_seconds=15), Target("q"))
        )
    )
    desk.agent("backup", tier=2)
    desk.enqueue("i1", workflow_id="w")
    assert desk.state("i1") == "waiting"
    desk.advance(15.0)
    assert desk.offered_to("i1") == ["backup"]


def test_workflow_with_unknown_queue_is_rejected(desk) -> None:
    desk.queue("q")
    with pytest.raises(ConfigurationError) as caught:
        desk.workflow(WorkflowConfig("w", default_targets=(Target("nope"),)))
    assert "unknown queue 'nope'" in caught.value.detail


def test_workflow_filter_with_a_bad_expression_says_where(desk) -> None:
    desk.queue("q")
    with pytest.raises(ConfigurationError) as caught:
        desk.workflow(
            WorkflowConfig(
                "w",
                filters=(Filter("broken", "interaction.x ==", (Target("q"),)),),
                default_targets=(Target("q"),),
            )
        )
    assert caught.value.detail.startswith("workflow 'w', filter 'broken': ")
    assert caught.value.extra["position"] == 16


def test_decreasing_target_timeouts_are_rejected(desk) -> None:
    desk.queue("q")
    with pytest.raises(ConfigurationError, match="must not decrease"):
        desk.workflow(
            WorkflowConfig(
                "w",
                default_targets=(
                    Target("q", timeout_seconds=30),
                    Target("q", timeout_seconds=10),
                    Target("q"),
                ),
            )
        )


def test_queue_with_a_bad_eligibility_expression_is_rejected_with_position(desk) -> None:
    with pytest.raises(ConfigurationError) as caught:
        desk.queue("q", eligibility="agent.skills.x >= AND")
    assert caught.value.extra["position"] == 18
    assert "queue 'q' eligibility" in caught.value.detail
    assert desk.engine.queue_ids() == []
