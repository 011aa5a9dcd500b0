"""The report API and the raw export over HTTP: figures recomputed from the export by a
user's own script (tests/web/kpi_script.py) agree with the reports; every report and the
export is permission-checked and client-scoped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from switchdesk.bootstrap import Runtime
from switchdesk.usecases.principal import Principal
from switchdesk.web.routes.reports import _csv_lines, _json_lines
from tests.domain.reporting.scripted_day import scripted_day
from tests.web.conftest import Center
from tests.web.kpi_script import rows_of_csv, rows_of_jsonl, totals

REPORTS = ("intervals", "agents", "queues", "trend")


def test_a_users_own_script_recomputes_the_scripted_day_from_the_csv_and_jsonl_export() -> None:
    csv_text = "".join(_csv_lines(iter(scripted_day())))
    jsonl_text = "".join(_json_lines(iter(scripted_day())))
    for rows in (rows_of_csv(csv_text), rows_of_jsonl(jsonl_text)):
        got = totals(rows, t=20.0, s=5.0)
        # the hand-computed figures of tests/domain/reporting/test_kpi_oracle.py
        assert (got["offered"], got["answered"], got["abandoned"]) == (8, 5, 3)
        assert got["SL1"] == pytest.approx(4 / 8)
        assert got["SL2"] == pytest.approx(4 / 5)
        assert got["SL3"] == pytest.approx(4 / 6)
        assert got["SL4"] == pytest.approx(6 / 8)
        assert got["SL5"] == pytest.approx(4 / 7)
        assert got["asa"] == pytest.approx(17.0)  # 85 / 5
        assert got["aht"] == pytest.approx(258.0)  # 1290 / 5
        assert got["abandonment"] == pytest.approx(3 / 8)
        assert got["transfers"] == 1
        assert got["csat"] == pytest.approx(2 / 3)
        assert got["fcr"] == pytest.approx(2 / 3)


@pytest.fixture
def chats(sqlite_runtime: Runtime, center: Center) -> dict[str, str]:
    """Northwind: Zoe answered by ``agent``, wrapped up, rated 5; Yan leaves while
    waiting. Bluebird: Bob answered by ``blue_agent``, rated 1."""
    live, op = sqlite_runtime.live, Principal.operator("t")
    acc = sqlite_runtime.accounts
    live.start()
    ids: dict[str, str] = {}
    for key, account, agent in (
        ("n", center.north.id, "agent"),
        ("b", center.blue.id, "blue_agent"),
    ):
        queue = live.configure_queue(
            op, name=key, client_account_id=account, wrap_up_codes=[("fixed", "Fixed")]
        )
        ids[key] = queue.id
        live.create_channel(op, slug=key, name=key, queue_id=queue.id)
        live.set_agent_profile(op, center.user_ids[agent], skills={})
    agent = Principal.of_user(acc.get_user(op, center.user_ids["agent"]), "session")
    blue_agent = Principal.of_user(acc.get_user(op, center.user_ids["blue_agent"]), "session")

    zoe, _ = live.start_chat("n", name="Zoe", email="zoe@example.com", text="Hi")
    live.set_presence(agent, "available")
    live.accept_offer(agent, live.agent_snapshot(agent)["offers"][0]["id"])
    live.end_conversation(agent, zoe.id)
    live.wrap_up(agent, zoe.id, "fixed")
    live.rate(zoe.id, 5)
    live.set_presence(agent, "offline")
    yan, _ = live.start_chat("n", name="Yan", email="yan@example.com", text="Hi")
    live.customer_leave(yan.id)
    bob, _ = live.start_chat("b", name="Bob", email="bob@example.com", text="Hi")
    live.set_presence(blue_agent, "available")
    live.accept_offer(blue_agent, live.agent_snapshot(blue_agent)["offers"][0]["id"])
    live.end_conversation(blue_agent, bob.id)
    live.rate(bob.id, 1)
    return ids


def _range() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }


def _get(client: Any, path: str, **params: Any) -> Any:
    return client.get(f"/api/v1/reports/{path}", params={**_range(), **params})


def test_the_export_recomputed_by_a_users_script_matches_the_queue_report(
    client_for, center: Center, chats: dict[str, str]
) -> None:
    ops = client_for("operations_manager")  # Northwind only
    csv_export = _get(ops, "events.csv")
    assert csv_export.status_code == 200
    assert csv_export.headers["content-type"].startswith("text/csv")
    jsonl_export = _get(ops, "events.jsonl")
    assert jsonl_export.headers["content-type"].startswith("application/jsonl")
    rows = rows_of_csv(csv_export.text)
    from_jsonl = rows_of_jsonl(jsonl_export.text)
    assert [(r["source"], int(r["seq"])) for r in rows] == [
        (r["source"], r["seq"]) for r in from_jsonl
    ]
    assert totals(from_jsonl) == totals(rows)
    assert {r["client_account_id"] for r in rows} <= {center.north.id, ""}
    mine = totals(rows)
    (queue,) = _get(ops, "queues").json()["rows"]
    assert queue["group"] == chats["n"]
    assert (mine["offered"], mine["answered"], mine["abandoned"]) == (2, 1, 1)
    assert (queue["offered"], queue["answered"], queue["abandoned"]) == (2, 1, 1)
    for formula in ("SL1", "SL2", "SL3", "SL4", "SL5"):
        assert queue["service_levels"][formula] == pytest.approx(mine[formula]), formula
    assert queue["asa_seconds"] == pytest.approx(mine["asa"])
    assert queue["aht_seconds"] == pytest.approx(mine["aht"])
    assert queue["abandonment_rate"] == pytest.approx(mine["abandonment"])
    assert queue["csat"] == mine["csat"] == 1.0
    assert queue["fcr"] == mine["fcr"] == 1.0


def test_every_report_refuses_the_anonymous_and_people_without_reports(
    app_client, client_for, center: Center, chats: dict[str, str]
) -> None:
    hr, trainer = client_for("hr"), client_for("trainer")
    for path in (*REPORTS, "events.csv", "events.jsonl"):
        assert _get(app_client, path).status_code == 401, path
        assert _get(hr, path).status_code == 403, path
        assert _get(trainer, path).status_code == 403, path


def test_an_agent_gets_only_their_own_figures_and_no_export(
    client_for, center: Center, chats: dict[str, str]
) -> None:
    agent = client_for("agent")
    for path in REPORTS:
        body = _get(agent, path, group_by="agent").json()
        handled = sum(r["handled"] or 0 for r in body["rows"])
        assert handled == 1, path  # Zoe's chat; Bob's was blue_agent's
    assert {r["group"] for r in _get(agent, "agents").json()["rows"]} == {center.user_ids["agent"]}
    for path in ("events.csv", "events.jsonl"):
        assert _get(agent, path).status_code == 403


def test_scoped_people_never_see_another_client_accounts_figures(
    client_for, center: Center, chats: dict[str, str]
) -> None:
    north_exec, everyone = client_for("executive"), client_for("global_exec")
    for path in REPORTS:
        assert _get(north_exec, path, client_account_id=center.blue.id).status_code == 404
    (north_day,) = _get(north_exec, "intervals", interval="month").json()["rows"]
    (all_day,) = _get(everyone, "intervals", interval="month").json()["rows"]
    assert (north_day["offered"], all_day["offered"]) == (2, 3)
    (blue_day,) = _get(
        everyone, "intervals", interval="month", client_account_id=center.blue.id
    ).json()["rows"]
    assert (blue_day["offered"], blue_day["csat"]) == (1, 0.0)
    assert (
        _get(
            client_for("operations_manager"), "events.csv", client_account_id=center.blue.id
        ).status_code
        == 404
    )
    by_client = _get(everyone, "trend", interval="month", group_by="client_account").json()
    assert {r["group"] for r in by_client["rows"]} == {center.north.id, center.blue.id}


def test_a_report_with_a_bad_range_or_time_zone_is_a_problem(client_for, center: Center) -> None:
    ops = client_for("operations_manager")
    now = datetime.now(UTC).isoformat()
    backwards = ops.get("/api/v1/reports/intervals", params={"start": now, "end": now})
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "validation_failed"
    zone = _get(ops, "intervals", tz="Mars/Olympus")
    assert (zone.status_code, zone.json()["code"]) == (422, "validation_failed")
