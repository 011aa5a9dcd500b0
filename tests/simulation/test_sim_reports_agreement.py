"""The simulator's figures and the reports computed from the routing events of the same
run (through the fact path: raw events -> facts -> KPIs) agree on SL, ASA, AHT and
abandonment."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from switchdesk.domain.reporting.facts import RawEvent, derive_facts
from switchdesk.domain.reporting.kpis import QueueSetting, ReportSettings, compute_rows
from switchdesk.domain.reporting.service_level import ServiceLevelFormula
from switchdesk.domain.routing import RoutingEvent, event_to_dict
from switchdesk.simulation import run_replication, scenario_from_dict
from switchdesk.simulation.results import figures_of_counters
from switchdesk.simulation.runner import COUNTER_NAMES

SCENARIO = {
    "name": "agreement",
    "simulation": {"start": 0, "end": 7200, "interval_seconds": 7200, "seed": 11},
    "queues": [{"id": "q", "after_contact_work_seconds": 30}],
    "agents": [{"id": "a", "count": 3, "capacity": {"total": 100, "costs": {"voice": 100}}}],
    "traffic": [
        {
            "id": "calls",
            "queue_id": "q",
            "arrivals": {"rates_per_hour": 80},
            "handle_time": {"kind": "exponential", "mean_seconds": 110},
            "patience": {"kind": "exponential", "mean_seconds": 40},
        }
    ],
}


def _raw(events: list[RoutingEvent]) -> list[RawEvent]:
    rows = []
    for seq, event in enumerate(events, start=1):
        payload = event_to_dict(event)
        kind = payload.pop("type")
        rows.append(RawEvent("routing", seq, event.at, kind, payload))
    return rows


def test_reports_from_the_simulated_events_agree_with_the_simulator() -> None:
    scenario = scenario_from_dict(SCENARIO)
    emitted: list[RoutingEvent] = []
    result = run_replication(scenario, 0, on_events=emitted.extend)
    counters = [sum(row[i] for row in result.rows[0]) for i in range(len(COUNTER_NAMES))]
    sim = figures_of_counters(counters)
    settings = ReportSettings(
        queues={"q": QueueSetting(20.0, ServiceLevelFormula.SL5)}, short_abandon_seconds=5.0
    )
    (row,) = compute_rows(
        derive_facts(_raw(emitted)),
        settings,
        interval=None,
        tz=ZoneInfo("UTC"),
        start=0.0,
        end=7200.0,
    )
    report = row.figures(settings)
    named = dict(zip(COUNTER_NAMES, counters, strict=True))
    assert named["offered"] > 100 and named["abandoned"] > 5  # a run worth comparing
    assert report["offered"] == named["offered"]
    assert report["answered"] == named["answered"]
    assert report["abandoned"] == named["abandoned"]
    assert report["handled"] == named["handled"]
    for formula in ServiceLevelFormula:
        assert report["service_levels"][formula.value] == pytest.approx(
            sim[formula.value.lower()]
        ), formula
    assert report["asa_seconds"] == pytest.approx(sim["asa_seconds"])
    assert report["aht_seconds"] == pytest.approx(sim["aht_seconds"])
    assert report["abandonment_rate"] == pytest.approx(sim["abandonment_rate"])
