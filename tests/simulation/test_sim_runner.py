"""The simulator drives the real routing engine: skills, channels, rosters, timers."""

import pytest

from switchdesk.simulation import run_replication, scenario_from_dict, simulate
from switchdesk.simulation.runner import ABANDONED, ANSWERED, FLOW_OUTS, OFFERED, UNFINISHED

VOICE = {"total": 100, "costs": {"voice": 100}}


def scenario(**changes):
    data = {
        "name": "t",
        "simulation": {"start": 0, "end": 3600, "interval_seconds": 900, "seed": 4},
        "queues": [{"id": "q"}],
        "agents": [{"id": "a", "count": 3, "capacity": VOICE}],
        "traffic": [
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"rates_per_hour": 60},
                "handle_time": {"kind": "exponential", "mean_seconds": 120},
                "patience": {"kind": "exponential", "mean_seconds": 60},
            }
        ],
    }
    for key, value in changes.items():
        if key == "simulation":
            data["simulation"] = {**data["simulation"], **value}
        else:
            data[key] = value
    return scenario_from_dict(data)


def totals(result, stream=0):
    rows = result.rows[stream]
    return [sum(row[i] for row in rows) for i in range(len(rows[0]))]


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    s = scenario()
    first = simulate(s, replications=2).to_dict()
    again = simulate(s, replications=2).to_dict()
    other = simulate(s, replications=2, seed=99).to_dict()
    for data in (first, again, other):
        data.pop("wall_seconds")
        data.pop("calls_per_second")
    assert first == again
    assert first["overall"] != other["overall"]


def test_every_offered_contact_is_answered_abandoned_flowed_out_or_unfinished():
    counts = totals(run_replication(scenario(), 0))
    assert counts[OFFERED] > 40
    assert counts[OFFERED] == (
        counts[ANSWERED] + counts[ABANDONED] + counts[FLOW_OUTS] + counts[UNFINISHED]
    )


def test_contacts_arriving_in_the_warm_up_are_routed_but_not_counted():
    result = run_replication(scenario(simulation={"warmup_seconds": 1800}), 0)
    assert result.counted_from == 2
    assert all(row[OFFERED] == 0 for row in result.rows[0][:2])
    assert sum(row[OFFERED] for row in result.rows[0][2:]) > 0
    summary = simulate(scenario(simulation={"warmup_seconds": 1800}))
    assert [row["start"] for row in summary.intervals] == ["00:30", "00:45"]


def test_skills_decide_who_takes_which_contact():
    s = scenario(
        queues=[
            {"id": "billing", "eligibility": "agent.skills.billing >= 1"},
            {"id": "tech", "eligibility": "agent.skills.tech >= 1"},
        ],
        agents=[
            {"id": "b", "count": 2, "attributes": {"skills": {"billing": 2}}, "capacity": VOICE},
            {"id": "t", "count": 2, "attributes": {"skills": {"tech": 2}}, "capacity": VOICE},
        ],
        traffic=[
            {
                "id": "billing_calls",
                "queue_id": "billing",
                "arrivals": {"rates_per_hour": 40},
                "handle_time": 60,
            }
        ],
    )
    result = simulate(s)
    assert result.overall["answered"].mean > 20
    assert result.groups["b"]["occupancy"].mean > 0.2
    assert result.groups["t"]["occupancy"].mean == 0.0


def test_a_chat_agent_handles_several_chats_at_once():
    s = scenario(
        agents=[
            {
                "id": "chat",
                "count": 1,
                "capacity": {"total": 100, "costs": {"chat": 33}, "maximum": {"chat": 3}},
            }
        ],
        traffic=[
            {
                "id": "chats",
                "queue_id": "q",
                "channel_kind": "chat",
                "arrivals": {"kind": "replay_timestamps", "times": [10, 11, 12, 13]},
                "handle_time": {"kind": "constant", "mean_seconds": 600},
            }
        ],
    )
    result = simulate(s)
    waits = result.overall
    # three chats start at once; the fourth waits until the first ends at 610 s
    assert waits["answered"].mean == 4
    assert waits["wait_probability"].mean == pytest.approx(0.25)
    assert waits["longest_wait_seconds"].mean == pytest.approx(610 - 13)
    assert result.groups["chat"]["occupancy"].mean == pytest.approx(
        (3 * 600 + 600) * 0.33 / 3600, rel=1e-6
    )


def test_nobody_is_offered_a_contact_before_the_shift_starts_or_during_a_break():
    s = scenario(
        agents=[
            {
                "id": "a",
                "capacity": VOICE,
                "shifts": [
                    {
                        "start": 600,
                        "end": 3600,
                        "count": 1,
                        "breaks": [{"start": 1200, "end": 1800}],
                    }
                ],
            }
        ],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [100, 1300]},
                "handle_time": {"kind": "constant", "mean_seconds": 60},
            }
        ],
    )
    result = simulate(s)
    assert result.overall["answered"].mean == 2
    assert result.overall["asa_seconds"].mean == pytest.approx(((600 - 100) + (1800 - 1300)) / 2)
    agents = {row["start"]: row["agents_a"] for row in result.intervals}
    # from 00:10 in the first quarter hour; on a break from 00:20 to 00:30 in the second
    assert agents == {"00:00": 1 / 3, "00:15": 1 / 3, "00:30": 1.0, "00:45": 1.0}


def test_after_contact_work_of_the_queue_counts_in_handle_time_and_blocks_the_agent():
    s = scenario(
        queues=[{"id": "q", "after_contact_work_seconds": 30}],
        agents=[{"id": "a", "count": 1, "capacity": VOICE}],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [0, 1]},
                "handle_time": {"kind": "constant", "mean_seconds": 100},
            }
        ],
    )
    result = simulate(s)
    assert result.overall["aht_seconds"].mean == pytest.approx(130)
    assert result.overall["longest_wait_seconds"].mean == pytest.approx(129)


def test_after_contact_work_of_the_traffic_overrides_the_queue():
    s = scenario(
        queues=[{"id": "q", "after_contact_work_seconds": 30}],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [0]},
                "handle_time": {"kind": "constant", "mean_seconds": 100},
                "after_contact_work": 5,
            }
        ],
    )
    assert simulate(s).overall["aht_seconds"].mean == pytest.approx(105)


def test_contacts_over_the_queues_maximum_wait_flow_out_and_are_not_abandons():
    s = scenario(
        queues=[{"id": "q", "max_wait_seconds": 30, "overflow_destination": "voicemail"}],
        agents=[{"id": "a", "count": 1, "capacity": VOICE}],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [0, 1]},
                "handle_time": {"kind": "constant", "mean_seconds": 100},
            }
        ],
    )
    overall = simulate(s).overall
    assert overall["flow_outs"].mean == 1
    assert overall["abandoned"].mean == 0
    assert overall["sl1"].mean == 1.0


def test_a_workflow_widens_to_generalists_after_its_target_timeout():
    s = scenario(
        queues=[
            {
                "id": "q",
                "eligibility": "agent.skills.x >= 1",
                "levels": ["agent.skills.x >= 3", "agent.skills.x >= 1"],
            }
        ],
        workflows=[
            {
                "id": "w",
                "default_targets": [
                    {"queue_id": "q", "max_level": 0, "timeout_seconds": 40},
                    {"queue_id": "q"},
                ],
            }
        ],
        agents=[
            {"id": "expert", "count": 1, "attributes": {"skills": {"x": 3}}, "capacity": VOICE},
            {"id": "junior", "count": 1, "attributes": {"skills": {"x": 1}}, "capacity": VOICE},
        ],
        traffic=[
            {
                "id": "calls",
                "workflow_id": "w",
                "arrivals": {"kind": "replay_timestamps", "times": [0, 10]},
                "handle_time": {"kind": "constant", "mean_seconds": 300},
            }
        ],
    )
    result = simulate(s)
    # the expert takes the first call at once; the second waits 40 s (from its own entry)
    assert result.overall["longest_wait_seconds"].mean == pytest.approx(40)
    assert result.groups["junior"]["occupancy"].mean > 0


def test_ringing_time_before_the_answer_counts_as_waiting():
    s = scenario(
        simulation={"answer_seconds": 3},
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [5]},
                "handle_time": 60,
            }
        ],
    )
    assert simulate(s).overall["asa_seconds"].mean == pytest.approx(3)


def test_contacts_without_patience_and_without_agents_stay_unfinished():
    s = scenario(
        agents=[],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [5, 6]},
                "handle_time": 60,
            }
        ],
    )
    overall = simulate(s).overall
    assert overall["unfinished"].mean == 2
    assert overall["answered"].mean == 0


def test_short_abandons_and_abandons_within_threshold_feed_the_service_level_variants():
    s = scenario(
        agents=[],
        simulation={"threshold_seconds": 20, "short_abandon_seconds": 5},
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [0, 100, 200]},
                "handle_time": 60,
                "patience": {"kind": "empirical", "values": [3]},
            },
            {
                "id": "late",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [50]},
                "handle_time": 60,
                "patience": {"kind": "constant", "mean_seconds": 30},
            },
        ],
    )
    result = simulate(s)
    overall = result.overall
    assert overall["abandoned"].mean == 4
    assert overall["sl1"].mean == 0.0
    assert overall["sl2"].mean is None  # nothing answered
    assert overall["sl3"].mean == 0.0  # A_T / (A + Ab - Ab_T) = 0 / 1
    assert overall["sl4"].mean == pytest.approx(0.75)
    assert overall["sl5"].mean == 0.0
    assert result.streams["late"]["abandoned"].mean == 1
    streams = {row["stream"] for row in result.intervals}
    assert streams == {"all", "calls", "late"}


def test_a_shift_that_began_before_the_simulated_day_counts_from_its_start():
    s = scenario(
        simulation={"start": 3600, "end": 7200},
        agents=[{"id": "a", "capacity": VOICE, "shifts": [{"start": 0, "end": 5400}]}],
        traffic=[
            {
                "id": "calls",
                "queue_id": "q",
                "arrivals": {"kind": "replay_timestamps", "times": [3600, 7000]},
                "handle_time": 60,
                "patience": 30,
            }
        ],
    )
    result = simulate(s)
    assert result.overall["answered"].mean == 1
    assert result.overall["abandoned"].mean == 1
    assert [row["agents_a"] for row in result.intervals] == [1.0, 1.0, 0.0, 0.0]
