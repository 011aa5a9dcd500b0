"""A live center over a real database (SQLite and PostgreSQL), a hand-moved clock and a
publisher that records what it would send."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.live_store import SqlLiveUnitOfWorkFactory
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.db.repositories import SqlUnitOfWorkFactory
from switchdesk.adapters.memory.blobs import MemoryBlobStore
from switchdesk.adapters.redaction import TextRedactor
from switchdesk.adapters.security import SystemSecrets
from switchdesk.domain.accounts.permissions import Role
from switchdesk.usecases.accounts import Accounts
from switchdesk.usecases.live.center import LiveCenter
from switchdesk.usecases.principal import Principal
from tests.adapters.email.conftest import dovecot, mailbox  # noqa: F401 (IMAP fixtures)
from tests.conftest import FAST_HASHER

TWO_CHATS = {"total": 100, "costs": {"chat": 50, "task": 50}, "maximum": {"chat": 2}}


class HandClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def move(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Recorder:
    def __init__(self) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        self.sent[topic].append(message)

    def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        for topic, message in messages:
            self.publish(topic, message)

    def listeners(self, topic: str) -> int:
        return 1  # records every topic, as if someone listened

    def of_type(self, topic: str, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent[topic] if m["type"] == kind]


@dataclass
class Center:
    live: LiveCenter
    accounts: Accounts
    clock: HandClock
    recorder: Recorder
    engine: Engine
    op: Principal
    users: dict[str, Principal] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    client_accounts: dict[str, str] = field(default_factory=dict)

    def restart(self) -> Center:
        """A new process on the same database."""
        return build_center(self.engine, self.clock, existing=self)


def build_center(engine: Engine, clock: HandClock, existing: Center | None = None) -> Center:
    secrets = SystemSecrets()
    accounts_uow = SqlUnitOfWorkFactory(engine)
    accounts = Accounts(accounts_uow, FAST_HASHER, secrets, clock)
    recorder = Recorder()
    live = LiveCenter(
        SqlLiveUnitOfWorkFactory(engine),
        accounts_uow,
        recorder,
        clock,
        secrets,
        blobs=existing.live.blobs if existing is not None else MemoryBlobStore(),
        redactor=TextRedactor(),
    )
    live.start()
    center = Center(live, accounts, clock, recorder, engine, Principal.operator("test"))
    if existing is not None:
        center.users = {
            name: Principal.of_user(accounts.find_user(center.op, name), "session")
            for name in existing.users
        }
        center.queues = dict(existing.queues)
        center.client_accounts = dict(existing.client_accounts)
    return center


def seed(center: Center) -> None:
    op, acc, live = center.op, center.accounts, center.live
    north = acc.create_client_account(op, "Northwind")
    blue = acc.create_client_account(op, "Bluebird")
    center.client_accounts = {"north": north.id, "blue": blue.id}
    people = {
        "ana": (Role.AGENT, north.id, {"support": 3}),
        "carla": (Role.AGENT, north.id, {"billing": 4}),
        "dan": (Role.AGENT, north.id, {"support": 2}),
        "ben": (Role.AGENT, blue.id, {"sales": 3}),
        "lead": (Role.TEAM_LEADER, north.id, {"escalations": 5}),
    }
    for name, (role, account, skills) in people.items():
        user = acc.create_user(
            op, username=name, password="long enough pw", role=role, client_account_ids=[account]
        )
        # Two chats at a time for everyone, so tests can tell offered from waiting.
        live.set_agent_profile(op, user.id, skills=skills, capacity=TWO_CHATS)
        center.users[name] = Principal.of_user(acc.get_user(op, user.id), "session")
    live.set_not_ready_reasons(op, [("break", "Break"), ("lunch", "Lunch")])
    codes = [("resolved", "Resolved"), ("not_resolved", "Not resolved")]
    esc = live.configure_queue(
        op,
        name="Escalations",
        client_account_id=north.id,
        eligibility="agent.skills.escalations >= 1",
    )
    support = live.configure_queue(
        op,
        name="Support",
        client_account_id=north.id,
        eligibility="agent.skills.support >= 1",
        wrap_up_codes=codes,
        wrap_up_required=True,
        offer_timeout_seconds=20,
        after_contact_work_seconds=30,
        escalation_queue_id=esc.id,
    )
    billing = live.configure_queue(
        op,
        name="Billing",
        client_account_id=north.id,
        eligibility="agent.skills.billing >= 1",
        wrap_up_codes=codes,
        wrap_up_required=True,
    )
    sales = live.configure_queue(
        op, name="Sales", client_account_id=blue.id, eligibility="agent.skills.sales >= 1"
    )
    center.queues = {
        "support": support.id,
        "billing": billing.id,
        "sales": sales.id,
        "escalations": esc.id,
    }
    live.create_channel(op, slug="north", name="Northwind", queue_id=support.id)
    live.create_channel(op, slug="blue", name="Bluebird", queue_id=sales.id)


@pytest.fixture
def center(database_url: str) -> Iterator[Center]:
    upgrade(database_url)
    engine = make_engine(database_url)
    c = build_center(engine, HandClock())
    seed(c)
    yield c
    engine.dispose()
