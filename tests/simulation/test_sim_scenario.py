"""Scenario files: the live configuration format, clock times, rosters and errors."""

import pytest

from switchdesk.domain.errors import ConfigurationError
from switchdesk.domain.routing import CapacityProfile, Presence, QueueConfig, WorkflowConfig
from switchdesk.simulation import parse_clock, roster_changes, scenario_from_dict

QUEUE = {
    "id": "billing",
    "eligibility": "agent.skills.billing >= 2",
    "strategy": "best_proficiency",
    "proficiency_skill": "billing",
    "after_contact_work_seconds": 30,
    "levels": ["agent.skills.billing >= 4"],
}
WORKFLOW = {
    "id": "entry",
    "filters": [
        {
            "name": "vip",
            "expression": "interaction.vip == true",
            "targets": [{"queue_id": "billing", "priority": 5}],
        }
    ],
    "default_targets": [{"queue_id": "billing"}],
}


def base(**changes):
    data = {
        "name": "s",
        "simulation": {"start": "08:00", "end": "10:00", "replications": 2},
        "routing": {"max_missed_offers": 2},
        "queues": [QUEUE],
        "workflows": [WORKFLOW],
        "agents": [
            {
                "id": "team",
                "attributes": {"skills": {"billing": 3}},
                "capacity": {"total": 100, "costs": {"voice": 100}},
                "count": 2,
            }
        ],
        "traffic": [
            {
                "id": "calls",
                "workflow_id": "entry",
                "arrivals": {"rates_per_hour": 30},
                "handle_time": {"kind": "exponential", "mean_seconds": 120},
            }
        ],
    }
    data.update(changes)
    return data


def test_routing_sections_map_one_to_one_onto_the_engine_configuration():
    scenario = scenario_from_dict(base())
    assert scenario.queues == (QueueConfig.from_dict(QUEUE),)
    assert scenario.workflows == (WorkflowConfig.from_dict(WORKFLOW),)
    assert scenario.routing.max_missed_offers == 2
    assert scenario.agents[0].capacity == CapacityProfile(100, {"voice": 100})
    assert scenario.settings.start_seconds == 8 * 3600
    assert scenario.settings.intervals == 4


def test_clock_times_accept_seconds_and_hours_and_minutes():
    assert parse_clock("07:30") == 27000
    assert parse_clock("07:30:15.5") == 27015.5
    assert parse_clock(90) == 90.0
    assert parse_clock("90") == 90.0
    with pytest.raises(ConfigurationError, match="HH:MM"):
        parse_clock("half past seven")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown key"),
        ({"queues": []}, "at least one queue"),
        ({"traffic": []}, "at least one stream"),
        (
            {
                "traffic": [
                    {
                        "id": "x",
                        "queue_id": "nope",
                        "arrivals": {"rates_per_hour": 1},
                        "handle_time": 60,
                    }
                ]
            },
            "unknown queue 'nope'",
        ),
        (
            {
                "traffic": [
                    {
                        "id": "x",
                        "queue_id": "billing",
                        "workflow_id": "entry",
                        "arrivals": {"rates_per_hour": 1},
                        "handle_time": 60,
                    }
                ]
            },
            "exactly one of queue_id and workflow_id",
        ),
        (
            {
                "traffic": [
                    {
                        "id": "x",
                        "queue_id": "billing",
                        "arrivals": {"rates_per_hour": 1},
                        "handle_time": {"kind": "gamma"},
                    }
                ]
            },
            r"traffic\[0\].handle_time: unknown distribution 'gamma'",
        ),
        (
            {
                "traffic": [
                    {
                        "id": "x",
                        "queue_id": "billing",
                        "arrivals": {"kind": "poisson"},
                        "handle_time": 60,
                    }
                ]
            },
            "rates_per_hour",
        ),
        ({"simulation": {"start": "10:00", "end": "09:00"}}, "end must be after start"),
    ],
)
def test_bad_scenarios_are_refused_with_the_place_of_the_problem(change, message):
    with pytest.raises(ConfigurationError, match=message):
        scenario_from_dict(base(**change))


def test_shifts_with_breaks_become_presence_changes_in_time_order():
    group = {
        "id": "team",
        "capacity": {"total": 100, "costs": {"voice": 100}},
        "shifts": [
            {
                "start": "08:00",
                "end": "09:00",
                "count": 1,
                "breaks": [{"start": "08:30", "end": "08:40", "reason": "lunch"}],
            }
        ],
    }
    changes, available = roster_changes(scenario_from_dict(base(agents=[group])))
    assert [(c.at, c.agent_id, c.presence, c.reason) for c in changes] == [
        (28800, "team-0", Presence.AVAILABLE, None),
        (30600, "team-0", Presence.NOT_READY, "lunch"),
        (31200, "team-0", Presence.AVAILABLE, None),
        (32400, "team-0", Presence.OFFLINE, None),
    ]
    assert available == [[(28800, 30600), (31200, 32400)]]


def test_a_staffing_profile_gives_agent_k_the_intervals_whose_count_exceeds_k():
    group = {
        "id": "team",
        "capacity": {"total": 100, "costs": {"voice": 100}},
        "staffing": [1, 2, 2, 1],
    }
    changes, available = roster_changes(scenario_from_dict(base(agents=[group])))
    spans = sorted(available[0])
    assert spans == [(28800, 36000), (30600, 34200)]
    assert [(c.at, c.agent_id, c.presence) for c in changes if c.agent_id == "team-1"] == [
        (30600, "team-1", Presence.AVAILABLE),
        (34200, "team-1", Presence.OFFLINE),
    ]


def test_a_group_takes_one_of_count_shifts_and_staffing():
    group = {"id": "team", "count": 2, "staffing": [1, 2]}
    with pytest.raises(ConfigurationError, match="one of count, shifts and staffing"):
        scenario_from_dict(base(agents=[group]))
