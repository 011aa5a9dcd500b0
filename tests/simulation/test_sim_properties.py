"""Properties of any small scenario: every contact is accounted for, figures stay in
range, and the same seed replays the same run."""

from hypothesis import given, settings
from hypothesis import strategies as st

from switchdesk.simulation import run_replication, scenario_from_dict, summarize
from switchdesk.simulation.runner import ABANDONED, ANSWERED, FLOW_OUTS, OFFERED, UNFINISHED

PATIENCE = st.one_of(
    st.none(),
    st.builds(lambda m: {"kind": "exponential", "mean_seconds": m}, st.floats(1, 300)),
    st.builds(
        lambda v: {"kind": "empirical", "values": v}, st.lists(st.floats(0, 200), min_size=1)
    ),
)


@st.composite
def scenarios(draw):
    max_wait = draw(st.one_of(st.none(), st.floats(5, 120)))
    queue = {"id": "q", "after_contact_work_seconds": draw(st.sampled_from([0, 10]))}
    if max_wait is not None:
        queue.update(max_wait_seconds=max_wait, overflow_destination="voicemail")
    return scenario_from_dict(
        {
            "simulation": {
                "start": 0,
                "end": 1800,
                "interval_seconds": draw(st.sampled_from([300, 600, 1800])),
                "seed": draw(st.integers(0, 1000)),
                "answer_seconds": draw(st.sampled_from([0, 0, 4])),
                "warmup_seconds": draw(st.sampled_from([0, 300])),
            },
            "queues": [queue],
            "agents": [
                {
                    "id": "a",
                    "capacity": {"total": 100, "costs": {"voice": 100, "chat": 50}},
                    "shifts": [
                        {
                            "start": draw(st.floats(0, 600)),
                            "end": 1800,
                            "count": draw(st.integers(0, 3)),
                            "breaks": [{"start": 900, "end": 1000}],
                        }
                    ],
                }
            ],
            "traffic": [
                {
                    "id": "voice",
                    "queue_id": "q",
                    "arrivals": {"rates_per_hour": [draw(st.floats(0, 400))]},
                    "handle_time": {"kind": "lognormal", "mean_seconds": 60, "sd_seconds": 40},
                    "patience": draw(PATIENCE),
                },
                {
                    "id": "chat",
                    "queue_id": "q",
                    "channel_kind": "chat",
                    "arrivals": {
                        "kind": "replay_counts",
                        "counts": [3, 0, 2],
                        "interval_seconds": 600,
                    },
                    "handle_time": 100,
                    "patience": draw(PATIENCE),
                },
            ],
        }
    )


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_every_contact_is_accounted_for_and_figures_stay_in_range(scenario):
    first = run_replication(scenario, 0)
    for rows in first.rows:
        for row in rows:
            assert row[OFFERED] == row[ANSWERED] + row[ABANDONED] + row[FLOW_OUTS] + row[UNFINISHED]
    again = run_replication(scenario, 0)
    assert again.rows == first.rows
    assert again.busy == first.busy
    result = summarize(scenario, [first, again])
    for row in result.intervals:
        for name in ("sl1", "sl2", "sl3", "sl4", "sl5", "abandonment_rate", "wait_probability"):
            assert row[name] is None or 0.0 <= row[name] <= 1.0, (name, row)
        assert row.get("occupancy_a") is None or 0.0 <= row["occupancy_a"] <= 1.0
        if row["mean_wait_seconds"] is not None:
            assert row["mean_wait_seconds"] <= row["longest_wait_seconds"] + 1e-9
