"""Oracle tests: the scripted day (tests/domain/reporting/scripted_day.py) with every KPI
computed by hand, as literal numbers with the arithmetic in comments."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from switchdesk.domain.reporting.facts import derive_facts
from switchdesk.domain.reporting.intervals import Interval, interval_end, interval_start
from switchdesk.domain.reporting.kpis import (
    GroupBy,
    QueueSetting,
    ReportSettings,
    compute_rows,
)
from switchdesk.domain.reporting.service_level import ServiceLevelFormula
from tests.domain.reporting.scripted_day import DAY_START, PARIS, scripted_day, t

SETTINGS = ReportSettings(
    queues={
        "q1": QueueSetting(20.0, ServiceLevelFormula.SL5),
        "q2": QueueSetting(20.0, ServiceLevelFormula.SL1),
    },
    short_abandon_seconds=5.0,
)


def _day(group_by: GroupBy = GroupBy.NONE) -> dict[str | None, dict[str, object]]:
    rows = compute_rows(
        derive_facts(scripted_day()), SETTINGS, interval=Interval.DAY, tz=PARIS, group_by=group_by
    )
    assert {r.interval_start for r in rows} == {DAY_START}
    return {r.group: r.figures(SETTINGS) for r in rows}


def test_the_scripted_day_gives_the_hand_computed_counts_and_service_levels() -> None:
    day = _day()[None]
    # legs: ix1..ix5 in q1, ix6 in q1 then q2, ix7 in q1 = 8
    assert day["offered"] == 8
    # answered: ix1, ix2, ix6 (q1), ix6 (q2), ix7
    assert day["answered"] == 5
    assert day["abandoned"] == 3  # ix3, ix4, ix5
    assert day["short_abandons"] == 1  # ix3 (3 s <= S = 5 s)
    assert day["abandoned_excluding_short"] == 2
    # A_T: ix1 (10 s), ix6 q1 (5 s), ix6 q2 (20 s), ix7 (20 s); ix2 waited 30 s
    assert day["answered_within_threshold"] == 4
    assert day["abandoned_within_threshold"] == 2  # ix3 (3 s), ix5 (15 s)
    sl = day["service_levels"]
    assert sl == {
        "SL1": pytest.approx(4 / 8),  # A_T / (A + Ab) = 4 / (5 + 3) = 0.5
        "SL2": pytest.approx(4 / 5),  # A_T / A = 0.8
        "SL3": pytest.approx(4 / 6),  # A_T / (A + Ab - Ab_T) = 4 / (8 - 2)
        "SL4": pytest.approx(6 / 8),  # (A_T + Ab_T) / (A + Ab) = (4 + 2) / 8 = 0.75
        "SL5": pytest.approx(4 / 7),  # A_T / (A + Ab - Ab_S) = 4 / (8 - 1)
    }
    assert day["service_level_formula"] == "SL5"  # mixed queues: the report's formula
    assert day["service_level"] == pytest.approx(4 / 7)


def test_the_scripted_day_gives_the_hand_computed_times_and_rates() -> None:
    day = _day()[None]
    assert day["asa_seconds"] == pytest.approx(17.0)  # (10 + 30 + 5 + 20 + 20) / 5 = 85 / 5
    assert day["handled"] == 5  # ix1, ix2, ix6 q1 (transferred), ix6 q2, ix7
    # talk 300 + 240 + 180 + 300 + 120 = 1140; ACW 60 + 30 + 0 + 0 + 60 = 150; hold 0
    assert day["aht_seconds"] == pytest.approx(258.0)  # (1140 + 150) / 5
    assert day["talk_seconds"] == pytest.approx(228.0)  # 1140 / 5
    assert day["hold_seconds"] == pytest.approx(0.0)
    assert day["after_contact_work_seconds"] == pytest.approx(30.0)  # 150 / 5
    assert day["abandonment_rate"] == pytest.approx(3 / 8)  # Ab / (A + Ab)
    assert day["abandonment_rate_excluding_short"] == pytest.approx(2 / 7)  # (3-1) / (8-1)
    assert day["longest_wait_seconds"] == pytest.approx(40.0)  # ix4
    assert day["transfers"] == 1  # ix6 from q1 to q2
    assert day["transfer_rate"] == pytest.approx(1 / 5)
    assert day["escalations"] == 1  # ix6 at 10:02
    assert day["flowed_out"] == 0


def test_the_scripted_day_gives_the_hand_computed_fcr_csat_nps_and_occupancy() -> None:
    day = _day()[None]
    # reasons: ix1 k1 billing, ix2 k2 tech, ix6 k1 billing (repeat of ix1 within 7 days:
    # not a first contact, and ix1 is not resolved), ix7 k2 billing (first, resolved)
    assert day["fcr_first_contacts"] == 3  # ix1, ix2, ix7
    assert day["fcr"] == pytest.approx(2 / 3)  # ix2 and ix7 had no repeat
    # answers 5, 3, 4: top-2-box = 2 of 3
    assert day["csat_answers"] == 3
    assert day["csat"] == pytest.approx(2 / 3)
    assert day["nps_answers"] == 0  # web chat asks the 1-5 question only
    assert day["nps"] is None
    # 3 answers / 4 handled conversations (conv1, conv2, conv6, conv7)
    assert day["survey_response_rate"] == pytest.approx(3 / 4)
    # available a1 7200 + a2 3600 + a3 7200 = 18000 s; logged in 3 x 7200 = 21600 s;
    # handle (answer to end of ACW) 360 + 270 + 180 + 300 + 180 = 1290 s
    assert day["occupancy"] == pytest.approx(1290 / 18000)  # 1290 / (1290 + 16710)
    assert day["utilisation"] == pytest.approx(18000 / 21600)


def test_a_queue_row_is_labelled_with_the_queues_own_service_level_formula() -> None:
    by_queue = _day(GroupBy.QUEUE)
    q1, q2 = by_queue["q1"], by_queue["q2"]
    # q1: A = 4 (ix1, ix2, ix6, ix7), Ab = 3, A_T = 3 (ix1, ix6, ix7), Ab_S = 1
    assert (q1["offered"], q1["answered"], q1["answered_within_threshold"]) == (7, 4, 3)
    assert q1["service_level"] == pytest.approx(3 / 6)  # SL5: 3 / (4 + 3 - 1)
    assert q1["service_level_label"] == "SL5 (T = 20 s, S = 5 s): A_T / (A + Ab - Ab_S)"
    # q2: ix6 answered after 20 s = T: SL1 = 1 / (1 + 0)
    assert q2["service_level"] == pytest.approx(1.0)
    assert q2["service_level_label"] == "SL1 (T = 20 s): A_T / (A + Ab)"


def test_agent_rows_hold_each_agents_own_figures() -> None:
    by_agent = _day(GroupBy.AGENT)
    a1 = by_agent["a1"]
    assert a1["handled"] == 3  # ix1, ix6 (q1), ix7
    assert a1["aht_seconds"] == pytest.approx(240.0)  # (360 + 180 + 180) / 3
    assert a1["transfers"] == 1
    assert a1["escalations"] == 1
    assert a1["occupancy"] == pytest.approx(720 / 7200)
    assert by_agent["a2"]["occupancy"] == pytest.approx(270 / 3600)
    assert by_agent["a2"]["utilisation"] == pytest.approx(3600 / 7200)  # break not available
    assert by_agent["a3"]["csat"] == pytest.approx(1.0)  # ix6's answer 4 rates a3's leg
    assert by_team(GroupBy.TEAM)["t1"]["handled"] == 4  # a1 3 + a2 1


def by_team(group_by: GroupBy) -> dict[str | None, dict[str, object]]:
    return _day(group_by)


def test_sixty_minute_intervals_split_the_day_by_arrival() -> None:
    facts = derive_facts(scripted_day())
    rows = compute_rows(facts, SETTINGS, interval=Interval.MINUTES_60, tz=PARIS)
    by_hour = {r.interval_start: r.figures(SETTINGS) for r in rows if r.offered}
    assert set(by_hour) == {t("09:00:00"), t("10:00:00")}
    nine, ten = by_hour[t("09:00:00")], by_hour[t("10:00:00")]
    assert (nine["offered"], nine["answered"], nine["abandoned"]) == (5, 2, 3)  # ix1..ix5
    assert nine["service_levels"]["SL1"] == pytest.approx(1 / 5)  # ix1 only within T
    assert (ten["offered"], ten["answered"]) == (3, 3)  # ix6 twice, ix7
    assert ten["service_levels"]["SL1"] == pytest.approx(1.0)


def test_the_fcr_window_is_configurable() -> None:
    facts = derive_facts(scripted_day())
    one_hour = ReportSettings(queues=SETTINGS.queues, fcr_window_seconds=3600.0)
    rows = compute_rows(facts, one_hour, interval=Interval.DAY, tz=PARIS)
    figures = rows[0].figures(one_hour)
    # ix6 came back 1 h 0 min after ix1 entered: within 3600 s it is still a repeat
    assert figures["fcr_first_contacts"] == 3
    short = ReportSettings(queues=SETTINGS.queues, fcr_window_seconds=1800.0)
    figures = compute_rows(facts, short, interval=Interval.DAY, tz=PARIS)[0].figures(short)
    # 30 min: ix6 is a first contact of its own; all four resolved
    assert (figures["fcr_first_contacts"], figures["fcr"]) == (4, 1.0)


def test_days_are_23_and_25_hours_long_when_the_clocks_change() -> None:
    spring = datetime(2026, 3, 29, 12, tzinfo=PARIS).timestamp()
    start = interval_start(spring, Interval.DAY, PARIS)
    assert interval_end(start, Interval.DAY, PARIS) - start == 23 * 3600
    autumn = datetime(2026, 10, 25, 12, tzinfo=PARIS).timestamp()
    start = interval_start(autumn, Interval.DAY, PARIS)
    assert interval_end(start, Interval.DAY, PARIS) - start == 25 * 3600


def test_the_repeated_autumn_hour_is_two_sixty_minute_intervals() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=0).timestamp()
    second = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=1).timestamp()
    assert second - first == 3600
    a = interval_start(first, Interval.MINUTES_60, PARIS)
    b = interval_start(second, Interval.MINUTES_60, PARIS)
    assert b - a == 3600
    assert datetime.fromtimestamp(a, PARIS).isoformat() == "2026-10-25T02:00:00+02:00"
    assert datetime.fromtimestamp(b, PARIS).isoformat() == "2026-10-25T02:00:00+01:00"


def test_weeks_start_on_monday_and_months_on_the_first_in_local_time() -> None:
    at = t("10:00:00")  # Wednesday 2026-06-10
    week = datetime.fromtimestamp(interval_start(at, Interval.WEEK, PARIS), PARIS)
    month = datetime.fromtimestamp(interval_start(at, Interval.MONTH, PARIS), PARIS)
    assert week.isoformat() == "2026-06-08T00:00:00+02:00"
    assert month.isoformat() == "2026-06-01T00:00:00+02:00"
    kolkata = ZoneInfo("Asia/Kolkata")
    half = interval_start(
        datetime(2026, 6, 10, 9, 59, tzinfo=kolkata).timestamp(), Interval.MINUTES_60, kolkata
    )
    assert datetime.fromtimestamp(half, kolkata).isoformat() == "2026-06-10T09:00:00+05:30"
