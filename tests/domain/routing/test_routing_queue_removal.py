"""Known attributes in expressions, and taking a queue out of routing (replayed on rebuild)."""

from __future__ import annotations

import pytest

from switchdesk.domain.errors import ConfigurationError, Conflict, NotFound
from switchdesk.domain.routing import (
    QueueRemoved,
    RoutingEngine,
    Target,
    WorkflowConfig,
    check_attributes,
    compile_expression,
    event_from_dict,
    event_to_dict,
)
from tests.domain.routing.conftest import Desk

KNOWN = {
    "agent": {"skills": {"*": None}, "languages": None, "team": None},
    "interaction": {"client_account": None},
}


@pytest.mark.parametrize(
    "source",
    [
        "agent.skills.billing >= 2",
        '"en" IN agent.languages AND agent.team == "t1"',
        'agent["skills"]["any name"] >= 1',
        "true",
        'interaction.client_account == "north" OR agent.skills HAS "x"',
    ],
)
def test_an_expression_on_known_attributes_passes_the_check(source: str) -> None:
    check_attributes(compile_expression(source), KNOWN)


@pytest.mark.parametrize(
    ("source", "attribute", "hint"),
    [
        ("agent.skils.billing >= 2", "agent.skils", "known here: languages, skills, team"),
        ('"en" IN agent.languages.en', "agent.languages.en", "has no attributes below it"),
        ("agent.skills.billing.level >= 2", "agent.skills.billing.level", "no attributes below"),
        ("interaction.vip == true", "interaction.vip", "known here: client_account"),
    ],
)
def test_an_unknown_attribute_is_refused_by_name_with_what_is_known_there(
    source: str, attribute: str, hint: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_attributes(compile_expression(source), KNOWN, where="queue 'Billing' eligibility")
    error = caught.value
    assert error.code == "expression_attribute_unknown"
    assert error.extra["attribute"] == attribute
    assert error.detail.startswith(f"queue 'Billing' eligibility: unknown attribute {attribute!r}")
    assert hint in error.detail


def test_a_removed_queue_leaves_routing_and_its_members_and_stays_removed_on_replay(
    desk: Desk,
) -> None:
    desk.queue("sales", eligibility="agent.skills.sales >= 1")
    desk.queue("support", eligibility="agent.skills.support >= 1")
    desk.agent("a1", skills={"sales": 2, "support": 2})
    assert set(desk.engine.agent_status("a1")["queues"]) == {"sales", "support"}

    events = desk.run("remove_queue", "sales", desk.now)

    assert events == [QueueRemoved("sales", 0.0)]
    assert set(desk.engine.agent_status("a1")["queues"]) == {"support"}
    assert [q["id"] for q in desk.engine.snapshot()["queues"]] == ["support"]
    with pytest.raises(NotFound):
        desk.enqueue("c1", "sales")
    desk.enqueue("c2", "support")
    assert desk.offered_to("c2") == ["a1"]
    # The event log replayed into a fresh engine (as a restart does) gives the same engine.
    replayed = RoutingEngine()
    for event in desk.events:
        replayed.apply(event_from_dict(event_to_dict(event)))
    assert replayed.snapshot() == desk.engine.snapshot()
    assert RoutingEngine.from_snapshot(desk.engine.snapshot()).snapshot() == (
        desk.engine.snapshot()
    )


def test_a_queue_with_work_in_it_or_a_workflow_pointing_at_it_is_not_removed(
    desk: Desk,
) -> None:
    desk.queue("sales")
    desk.queue("spill")
    desk.queue("front", max_wait_seconds=60, overflow_queue_id="spill")
    desk.workflow(WorkflowConfig("wf", default_targets=(Target("front"),)))
    desk.enqueue("c1", "sales")

    with pytest.raises(Conflict) as waiting:
        desk.run("remove_queue", "sales", desk.now)
    assert waiting.value.code == "queue_in_use"
    assert "interactions: 1" in waiting.value.detail
    with pytest.raises(Conflict, match="queues: 1"):
        desk.run("remove_queue", "spill", desk.now)
    with pytest.raises(Conflict, match="workflows: 1"):
        desk.run("remove_queue", "front", desk.now)
    with pytest.raises(NotFound):
        desk.run("remove_queue", "nowhere", desk.now)
    assert {q["id"] for q in desk.engine.snapshot()["queues"]} == {"sales", "spill", "front"}
    assert desk.engine.queue_dependents("sales")["interactions"] == ["c1"]
