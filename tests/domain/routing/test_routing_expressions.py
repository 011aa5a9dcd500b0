from __future__ import annotations

import pytest

from switchdesk.domain.errors import ConfigurationError
from switchdesk.domain.routing import compile_expression

AGENT = {
    "id": "a1",
    "skills": {"billing": 4, "sales": 2},
    "languages": ["en", "es"],
    "teams": ["north"],
    "clients": ["acme"],
    "site": "lisbon",
    "supervisor": True,
    "profile": {"tier": {"level": 3}},
}
INTERACTION = {"language": "es", "intent": "billing", "vip": True, "value": 1200, "tags": ["a"]}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("agent.skills.billing >= 3", True),
        ("agent.skills.billing > 4", False),
        ("agent.skills.sales < 3 AND agent.site == 'lisbon'", True),
        ('agent.languages HAS "es"', True),
        ('agent.languages HAS "fr"', False),
        ('agent.skills HAS "billing"', True),
        ('"north" IN agent.teams', True),
        ('"south" NOT IN agent.teams', True),
        ("agent.site IN ['porto', 'lisbon']", True),
        ('agent.site CONTAINS "isb"', True),
        ('agent.clients CONTAINS "acme"', True),
        ("interaction.language IN agent.languages", True),
        ("agent.skills.billing >= 3 OR agent.skills.sales >= 5", True),
        ("NOT agent.supervisor", False),
        ("not (agent.skills.billing >= 3 and agent.skills.sales >= 3)", True),
        ("agent.profile.tier.level == 3", True),
        ("agent['profile']['tier'].level == 3", True),
        ("agent.missing == null", True),
        ("agent.missing > 1", False),
        ("agent.missing.deeper == 1", False),
        ("agent.site > 3", False),
        ("interaction.vip == true AND interaction.value >= 1000.5", True),
        ("interaction.value == 1200.0", True),
        ("agent.supervisor", True),
        ("interaction.tags == ['a']", True),
        ("agent.skills.billing != 4", False),
        ("true", True),
        ("-1 < 0", True),
    ],
)
def test_expression_evaluates_like_the_reference_grammar(source: str, expected: bool) -> None:
    assert compile_expression(source).evaluate(AGENT, INTERACTION) is expected


def test_keywords_are_case_insensitive() -> None:
    compiled = compile_expression('agent.languages has "en" And Not agent.site In ["x"]')
    assert compiled.evaluate(AGENT, INTERACTION)


def test_expression_lists_the_interaction_paths_it_reads() -> None:
    compiled = compile_expression("agent.skills.x >= interaction.level AND interaction.a.b == 1")
    assert compiled.interaction_paths == (("level",), ("a", "b"))
    assert compiled.uses_agent


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("agent.skills.billing >=", 23, "expected a value"),
        ("agent.skills.billing >= 3 AND", 29, "expected a value"),
        ("(agent.x == 1", 13, "expected ')'"),
        ("agent.x == 1 )", 13, "unexpected ')'"),
        ("agent.x = 1", 8, "unexpected character '='"),
        ("user.x == 1", 0, "unknown name 'user'"),
        ("agent == 1", 0, "needs an attribute"),
        ("agent.x NOT 1", 12, "expected 'IN' after 'NOT'"),
        ("1 < 2 < 3", 6, "cannot be chained"),
        ("", 0, "empty expression"),
        ("agent.x == 'open", 11, "unexpected character"),
        ("agent.x IN [1, 2", 16, "expected ',' or ']'"),
    ],
)
def test_bad_expression_is_rejected_with_its_position(
    source: str, position: int, fragment: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        compile_expression(source, where="queue 'q1' eligibility")
    error = caught.value
    assert error.extra["position"] == position
    assert error.extra["expression"] == source
    assert f"at position {position}" in error.detail
    assert fragment in error.detail
    assert error.detail.startswith("queue 'q1' eligibility: ")
    assert error.code == "configuration_invalid"


def test_interaction_paths_are_rejected_where_only_agents_are_allowed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        compile_expression("agent.x == 1 AND interaction.y == 2", allow_interaction=False)
    assert caught.value.extra["position"] == 17


def test_agent_paths_are_rejected_in_workflow_filters() -> None:
    with pytest.raises(ConfigurationError) as caught:
        compile_expression("agent.x == 1", allow_agent=False)
    assert caught.value.extra["position"] == 0


def test_expressions_never_use_eval() -> None:
    # A string that would do something under eval is just a string here.
    compiled = compile_expression("agent.site == '__import__(\"os\")'")
    assert compiled.evaluate(AGENT) is False
