"""Property tests of the Erlang formulas and the staffing solver (hypothesis)."""

import itertools
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from switchdesk.domain.wfm import (
    StaffingTargets,
    Workload,
    erlang_a_figures,
    erlang_c_figures,
    required_agents,
    scheduled_headcount,
)

loads = st.floats(min_value=0.1, max_value=300.0, allow_nan=False)
handle_times = st.floats(min_value=10.0, max_value=900.0)
thresholds = st.floats(min_value=0.0, max_value=120.0)
patiences = st.floats(min_value=5.0, max_value=3600.0)


@given(agents=st.integers(0, 400), load=loads, handle=handle_times, threshold=thresholds)
def test_erlang_c_figures_stay_in_range_at_any_staffing(agents, load, handle, threshold):
    figures = erlang_c_figures(
        agents=agents, load_erlangs=load, handle_time_seconds=handle, threshold_seconds=threshold
    )
    assert 0.0 <= figures.wait_probability <= 1.0
    assert figures.service_level is not None and 0.0 <= figures.service_level <= 1.0
    assert 0.0 <= figures.occupancy <= 1.0
    assert figures.asa_seconds >= 0.0
    if agents <= load:
        assert figures.wait_probability == 1.0
        assert figures.service_level == 0.0


@settings(deadline=None)
@given(
    agents=st.integers(1, 400),
    load=loads,
    handle=handle_times,
    patience=patiences,
    threshold=thresholds,
)
def test_erlang_a_figures_stay_in_range_at_any_staffing(agents, load, handle, patience, threshold):
    assume(max(0.0, load / handle - agents / handle) * patience < 1e5)
    figures = erlang_a_figures(
        agents=agents,
        load_erlangs=load,
        handle_time_seconds=handle,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )
    for value in (
        figures.wait_probability,
        figures.service_level,
        figures.abandon_probability,
        figures.occupancy,
    ):
        assert value is not None and 0.0 <= value <= 1.0
    assert figures.service_level <= 1.0 - figures.abandon_probability + 1e-9
    assert math.isfinite(figures.asa_seconds) and figures.asa_seconds >= 0.0
    if agents <= load:
        assert figures.abandon_probability >= 1.0 - agents / load - 1e-9


@given(load=loads, handle=handle_times, threshold=st.floats(min_value=1.0, max_value=120.0))
def test_service_level_rises_with_each_added_agent(load, handle, threshold):
    previous = -1.0
    for agents in range(math.floor(load) + 1, math.floor(load) + 30):
        figures = erlang_c_figures(
            agents=agents,
            load_erlangs=load,
            handle_time_seconds=handle,
            threshold_seconds=threshold,
        )
        assert figures.service_level is not None
        assert figures.service_level >= previous
        previous = figures.service_level


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(min_value=0.5, max_value=150.0),
    patience=patiences,
    threshold=st.floats(min_value=1.0, max_value=120.0),
)
def test_erlang_a_service_level_rises_and_abandonment_falls_with_each_added_agent(
    load, patience, threshold
):
    previous_level, previous_abandon = -1.0, 2.0
    start = max(1, math.floor(load * 0.7))
    for agents in range(start, start + 25):
        figures = erlang_a_figures(
            agents=agents,
            load_erlangs=load,
            handle_time_seconds=180.0,
            patience_seconds=patience,
            threshold_seconds=threshold,
        )
        assert figures.service_level >= previous_level - 1e-12
        assert figures.abandon_probability <= previous_abandon + 1e-12
        previous_level, previous_abandon = figures.service_level, figures.abandon_probability


@settings(deadline=None)
@given(
    load=st.floats(min_value=0.5, max_value=200.0),
    spare=st.integers(1, 20),
    threshold=st.floats(min_value=0.0, max_value=60.0),
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(load, spare, threshold):
    agents = math.floor(load) + spare
    erlang_c = erlang_c_figures(
        agents=agents, load_erlangs=load, handle_time_seconds=200.0, threshold_seconds=threshold
    )
    assume(erlang_c.asa_seconds < 1e4)
    gaps = []
    for patience in (1e4, 1e6, 1e8, 1e10):
        erlang_a = erlang_a_figures(
            agents=agents,
            load_erlangs=load,
            handle_time_seconds=200.0,
            patience_seconds=patience,
            threshold_seconds=threshold,
        )
        gaps.append(abs(erlang_a.wait_probability - erlang_c.wait_probability))
    assert all(later <= earlier + 1e-12 for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] < 1e-4


@settings(max_examples=40, deadline=None)
@given(
    calls=st.integers(1, 3000),
    handle=st.integers(30, 600),
    level=st.sampled_from([0.7, 0.8, 0.9, 0.95]),
    threshold=st.sampled_from([10, 20, 30, 60]),
    cap=st.sampled_from([None, "0.8", "0.85", "0.9"]),
    patience=st.sampled_from([None, 30, 120, 600]),
)
def test_the_solver_answer_meets_the_targets_and_one_agent_fewer_does_not(
    calls, handle, level, threshold, cap, patience
):
    workload = Workload.from_counts(calls=calls, interval_seconds=1800, handle_time_seconds=handle)
    targets = StaffingTargets(service_level=level, threshold_seconds=threshold, max_occupancy=cap)
    result = required_agents(workload, targets, patience_seconds=patience)
    fewer = result.agents - 1
    assert result.figures.service_level >= level
    if cap is not None:
        assert result.figures.occupancy <= float(cap) + 1e-12
    if fewer < 1:
        return
    if patience is None:
        below = erlang_c_figures(
            agents=fewer,
            load_erlangs=workload.load_erlangs,
            handle_time_seconds=handle,
            threshold_seconds=threshold,
        )
        misses_cap = cap is not None and workload.load > fewer * float(cap) + 1e-9
    else:
        below = erlang_a_figures(
            agents=fewer,
            load_erlangs=workload.load_erlangs,
            handle_time_seconds=handle,
            patience_seconds=patience,
            threshold_seconds=threshold,
        )
        misses_cap = cap is not None and below.occupancy > float(cap)
    assert below.service_level < level or misses_cap


@given(agents=st.integers(0, 10_000), percent=st.integers(0, 99))
def test_scheduled_headcount_is_the_exact_ceiling(agents, percent):
    scheduled = scheduled_headcount(agents, f"0.{percent:02d}")
    assert scheduled * (100 - percent) >= agents * 100
    assert (scheduled - 1) * (100 - percent) < agents * 100 or scheduled == 0
