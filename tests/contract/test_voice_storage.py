"""The voice channel's storage on SQLite and PostgreSQL: flow versions, a call's state
between webhooks, answers kept for retries, the call event log in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.db.voice_store import SqlCallStore, SqlFlowStore
from switchdesk.usecases.voice.ports import CallLogEntry, CallRecord
from tests.conftest import BACKENDS, empty_database

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def stores(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[tuple[SqlFlowStore, SqlCallStore]]:
    with empty_database(request.param, tmp_path, postgres_admin_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield SqlFlowStore(engine), SqlCallStore(engine)
        engine.dispose()


def test_flows_are_numbered_per_name_and_every_version_stays(
    stores: tuple[SqlFlowStore, SqlCallStore],
) -> None:
    flows, _ = stores
    assert flows.latest("line") is None and flows.all_latest() == []
    first = flows.add("line", {"name": "line", "v": 1}, T0, "u1")
    second = flows.add("line", {"name": "line", "v": 2}, T0 + timedelta(minutes=1), "u2")
    other = flows.add("other", {"name": "other"}, T0, "u1")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    latest = flows.latest("line")
    assert latest is not None and latest.document == {"name": "line", "v": 2}
    old = flows.version("line", 1)
    assert old is not None and old.document["v"] == 1 and old.created_by == "u1"
    assert [(f.name, f.version) for f in flows.all_latest()] == [("line", 2), ("other", 1)]


def test_a_call_is_saved_updated_and_its_answers_and_log_kept(
    stores: tuple[SqlFlowStore, SqlCallStore],
) -> None:
    _, calls = stores
    record = CallRecord("ch", "CA1", "+15551234567", "line", 2, "ivr", 1, {"node": "a"}, T0)
    calls.save_call(record)
    queued = replace(record, phase="queue", turn=3, conversation_id="c1", entered_queue_at=T0)
    calls.save_call(queued)
    assert calls.call("ch", "CA1") == queued and calls.call("ch", "CA2") is None
    assert calls.answer("ch", "CA1", "input:2") is None
    calls.keep_answer("ch", "CA1", "input:2", "<Response/>", T0)
    calls.keep_answer("ch", "CA1", "input:2", "<Response><Hangup/></Response>", T0)  # a race
    assert calls.answer("ch", "CA1", "input:2") == "<Response/>"
    calls.log(
        [
            CallLogEntry(T0, "ch", "CA1", "INCOMING", {"caller": "+15551234567"}),
            CallLogEntry(T0, "ch", "CA1", "ENTERQUEUE", {}, "c1", "q1"),
        ]
    )
    calls.log(
        [
            CallLogEntry(
                T0 + timedelta(seconds=42),
                "ch",
                "CA1",
                "ABANDON",
                {"wait_seconds": 42.0},
                "c1",
                "q1",
            )
        ]
    )
    log = calls.log_of("ch", "CA1")
    assert [e.event for e in log] == ["INCOMING", "ENTERQUEUE", "ABANDON"]
    assert log[2].data == {"wait_seconds": 42.0} and log[2].at == T0 + timedelta(seconds=42)
