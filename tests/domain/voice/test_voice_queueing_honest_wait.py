"""A waiting caller hears an honest wait: no guess when no agent of the queue is there."""

from __future__ import annotations

from switchdesk.domain.voice.queueing import announcement


def test_with_no_agent_available_the_caller_hears_so_and_no_minutes() -> None:
    said = announcement(2, None, "en")
    assert said.startswith("You are number 2 in line.")
    assert "No agent is available right now" in said and "minute" not in said


def test_with_an_estimate_the_caller_hears_the_minutes() -> None:
    assert announcement(1, 130.0, "en").endswith("about 2 minutes.")
