"""Chats through the live center (SQLite and PostgreSQL) leave facts stamped with their
dimensions in the same transaction; every report and the raw export is scoped by client
account and role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from switchdesk.adapters.db.report_store import SqlRawEvents
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import NotFound, PermissionDenied
from switchdesk.domain.reporting.intervals import Interval
from switchdesk.domain.reporting.kpis import GroupBy
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.reports import ReportKind, ReportQuery, Reports
from tests.live.conftest import TWO_CHATS, Center


def _offer(center: Center, who: Principal) -> str:
    offers = center.live.agent_snapshot(who)["offers"]
    assert offers, "no offer"
    return str(offers[0]["id"])


PARIS = ZoneInfo("Europe/Paris")


def _day(center: Center) -> ReportQuery:
    """The center's day (Paris) of the clock."""
    day = center.clock.at.astimezone(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    return ReportQuery(day, day + timedelta(days=1), interval=Interval.DAY)


@pytest.fixture
def scripted(center: Center) -> dict[str, Principal]:
    """Northwind: Zoe answered by tina (team North care) after 5 s, wrapped up and rated
    5; Yan abandons after 30 s. Bluebird: Bob answered by ben after 10 s, rated 2."""
    op, acc, live = center.op, center.accounts, center.live
    north, blue = center.client_accounts["north"], center.client_accounts["blue"]
    team = acc.create_team(op, "North care", client_account_id=north)
    people: dict[str, Principal] = {}
    for name, role, account, team_id in (
        ("tina", Role.AGENT, north, team.id),
        ("lena", Role.TEAM_LEADER, north, team.id),
        ("nora", Role.EXECUTIVE, north, None),
        ("otto", Role.OPERATIONS_MANAGER, north, None),
        ("bea", Role.OPERATIONS_MANAGER, blue, None),
    ):
        user = acc.create_user(
            op,
            username=name,
            password="long enough pw",
            role=role,
            client_account_ids=[account],
            team_id=team_id,
        )
        people[name] = Principal.of_user(user, "session")
    live.set_agent_profile(op, people["tina"].user.id, skills={"support": 3}, capacity=TWO_CHATS)
    people["ana"] = center.users["ana"]
    people["ben"] = center.users["ben"]

    zoe, _ = live.start_chat("north", name="Zoe", email="zoe@example.com", text="Bill?")
    center.clock.move(5)
    live.set_presence(people["tina"], "available")
    live.accept_offer(people["tina"], _offer(center, people["tina"]))
    center.clock.move(60)
    live.end_conversation(people["tina"], zoe.id)
    center.clock.move(5)
    live.wrap_up(people["tina"], zoe.id, "resolved")
    live.rate(zoe.id, 5)
    live.set_presence(people["tina"], "not_ready", "break")

    center.clock.move(30)
    yan, _ = live.start_chat("north", name="Yan", email="yan@example.com", text="Hello?")
    center.clock.move(30)
    live.customer_leave(yan.id)

    center.clock.move(70)
    bob, _ = live.start_chat("blue", name="Bob", email="bob@example.com", text="Price?")
    center.clock.move(10)
    live.set_presence(people["ben"], "available")
    live.accept_offer(people["ben"], _offer(center, people["ben"]))
    center.clock.move(60)
    live.end_conversation(people["ben"], bob.id)
    live.rate(bob.id, 2)
    center.clock.move(60)
    live.tick()
    return people


def _reports(center: Center) -> Reports:
    return Reports(SqlRawEvents(center.engine), "Europe/Paris")


def test_routing_events_are_stored_with_their_client_account_agent_and_team(
    center: Center, scripted: dict[str, Principal]
) -> None:
    q = _day(center)
    rows = list(_reports(center).export(center.op, q.start, q.end))
    north = center.client_accounts["north"]
    enqueued = [r for r in rows if r.type == "interaction_enqueued"]
    assert [r.client_account_id for r in enqueued].count(north) == 2
    assert all(r.contact_id and r.conversation_id and r.channel_kind for r in enqueued)
    accepted = [r for r in rows if r.type == "offer_accepted"]
    tina = scripted["tina"].user
    assert {(r.agent_id, r.team_id) for r in accepted} == {
        (tina.id, tina.team_id),
        (scripted["ben"].user.id, None),
    }
    rated = [r for r in rows if r.type == "rated"]
    assert sorted(r.payload["score"] for r in rated) == [2, 5]
    assert [r.type for r in rows if r.source == "conversation"].count("wrapped_up") == 1


def test_the_center_wide_day_holds_both_client_accounts(
    center: Center, scripted: dict[str, Principal]
) -> None:
    report = _reports(center).report(center.op, ReportKind.INTERVALS, _day(center))
    (day,) = report["rows"]
    assert (day["offered"], day["answered"], day["abandoned"]) == (3, 2, 1)
    assert day["asa_seconds"] == pytest.approx(7.5)  # (5 + 10) / 2
    # talk 60 + 60; after-contact work: tina 5 s (wrap-up ended it), ben 30 s (queue default)
    assert day["talk_seconds"] == pytest.approx(60.0)
    assert day["csat"] == pytest.approx(0.5)  # 5 and 2: one of two is top-2-box
    assert day["interval_start"].endswith("+01:00")  # Paris in November


def test_an_executive_and_a_manager_see_only_their_client_accounts(
    center: Center, scripted: dict[str, Principal]
) -> None:
    reports, q = _reports(center), _day(center)
    for who in ("nora", "otto"):
        (day,) = reports.report(scripted[who], ReportKind.INTERVALS, q)["rows"]
        # Northwind only: Zoe answered after 5 s, Yan abandoned after 30 s (> T = 20 s)
        assert (day["offered"], day["answered"], day["abandoned"]) == (2, 1, 1)
        assert day["service_levels"]["SL1"] == pytest.approx(0.5)
        assert day["csat"] == pytest.approx(1.0)
    blue = center.client_accounts["blue"]
    for kind in ReportKind:
        with pytest.raises(NotFound):
            reports.report(scripted["nora"], kind, _with(q, client_account_id=blue))
        rows = reports.report(scripted["nora"], kind, _with(q, group_by=GroupBy.QUEUE))["rows"]
        assert center.queues["sales"] not in {r["group"] for r in rows}, kind
        assert sum(r["handled"] for r in rows) == 1, kind  # Zoe's chat only
    (bea_day,) = reports.report(scripted["bea"], ReportKind.QUEUES, q)["rows"]
    assert bea_day["group"] == center.queues["sales"]
    assert bea_day["service_level_label"] == "SL5 (T = 20 s, S = 5 s): A_T / (A + Ab - Ab_S)"


def test_a_team_leader_sees_their_team_and_an_agent_only_themselves(
    center: Center, scripted: dict[str, Principal]
) -> None:
    reports, q = _reports(center), _day(center)
    tina = scripted["tina"].user.id
    for kind in ReportKind:
        for who in ("lena", "tina"):
            rows = reports.report(scripted[who], kind, _with(q, group_by=GroupBy.AGENT))["rows"]
            # Zoe's chat only: Yan's abandon was no agent's, Bob's was ben's
            assert sum(r["handled"] for r in rows) == 1, (kind, who)
            if kind is not ReportKind.QUEUES:
                assert {r["group"] for r in rows} <= {tina}, (kind, who)
    agents = reports.report(scripted["lena"], ReportKind.AGENTS, q)["rows"]
    assert [(r["group"], r["handled"]) for r in agents] == [(tina, 1)]
    assert reports.report(scripted["ana"], ReportKind.AGENTS, q)["rows"] == []
    ben = reports.report(scripted["ben"], ReportKind.AGENTS, q)["rows"]
    assert [(r["group"], r["handled"], r["csat"]) for r in ben] == [
        (scripted["ben"].user.id, 1, 0.0)
    ]


def test_the_raw_export_needs_data_export_and_stays_in_the_callers_client_accounts(
    center: Center, scripted: dict[str, Principal]
) -> None:
    reports, q = _reports(center), _day(center)
    north, blue = center.client_accounts["north"], center.client_accounts["blue"]
    seen = {r.client_account_id for r in reports.export(scripted["otto"], q.start, q.end)}
    assert north in seen and blue not in seen
    only = list(reports.export(center.op, q.start, q.end, blue))
    assert only and {r.client_account_id for r in only} == {blue}
    with pytest.raises(NotFound):
        reports.export(scripted["otto"], q.start, q.end, blue)
    for who in ("nora", "lena", "tina"):
        with pytest.raises(PermissionDenied):
            reports.export(scripted[who], q.start, q.end)


def _with(q: ReportQuery, **changes: object) -> ReportQuery:
    from dataclasses import replace

    return replace(q, **changes)  # type: ignore[arg-type]


def test_a_report_range_needs_an_offset_and_an_order(center: Center) -> None:
    from switchdesk.domain.errors import ValidationFailed

    reports = _reports(center)
    naive = datetime(2026, 11, 23)
    with pytest.raises(ValidationFailed):
        reports.report(center.op, ReportKind.INTERVALS, ReportQuery(naive, naive))
    at = datetime(2026, 11, 23, tzinfo=UTC)
    with pytest.raises(ValidationFailed):
        reports.report(center.op, ReportKind.INTERVALS, ReportQuery(at, at))
