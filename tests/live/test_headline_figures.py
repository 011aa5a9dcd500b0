"""Headline figures per client account: waiting now and today's service level."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from switchdesk.domain.accounts.model import User
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.conversations.model import QueueSettings
from switchdesk.usecases.live.headline import SHARED, headline_figures
from switchdesk.usecases.live.projections import QueueDay
from switchdesk.usecases.principal import Principal


def _queue(queue_id: str, account: str | None) -> QueueSettings:
    return QueueSettings(id=queue_id, name=queue_id, client_account_id=account, routing={})


def _core(queues: list[QueueSettings], waiting: dict[str, int], day: dict[str, QueueDay]) -> Any:
    engine = SimpleNamespace(waiting=lambda q: ["ix"] * waiting.get(q, 0))
    return SimpleNamespace(
        engine=engine, figures=SimpleNamespace(day=day), queue_map={q.id: q for q in queues}
    )


def test_queues_of_one_client_account_add_up_into_one_row_with_its_service_level() -> None:
    core = _core(
        [
            _queue("billing", "nw"),
            _queue("support", "nw"),
            _queue("sales", "bb"),
            _queue("x", None),
        ],
        {"billing": 2, "support": 1},
        {
            "billing": QueueDay(answered=3, answered_within=3, abandoned=1),
            "support": QueueDay(answered=5, answered_within=2, abandoned=1),
        },
    )
    names = {"nw": "Northwind", "bb": "Bluebird"}
    rows = headline_figures(core, Principal.operator("t"), names.__getitem__)
    assert [r.name for r in rows] == ["Bluebird", "Northwind", SHARED]
    bluebird, northwind, shared = rows
    assert (northwind.queues, northwind.waiting_now, northwind.answered_today) == (2, 3, 8)
    assert northwind.service_level_today == 5 / 10
    assert bluebird.service_level_today is None  # nothing answered or abandoned yet
    assert shared.client_account_id is None and shared.waiting_now == 0


def test_an_executive_of_one_client_account_sees_only_its_row_and_the_shared_queues() -> None:
    core = _core([_queue("billing", "nw"), _queue("sales", "bb"), _queue("x", None)], {}, {})
    exec_nw = User(
        id="e",
        username="e",
        display_name="E",
        role=Role.EXECUTIVE,
        password_hash="",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        client_account_ids=frozenset({"nw"}),
    )
    rows = headline_figures(core, Principal.of_user(exec_nw, "session"), lambda a: a.upper())
    assert [r.name for r in rows] == ["NW", SHARED]
