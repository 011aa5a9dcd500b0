"""The delivery queue: the in-memory fake and SQL (SQLite, PostgreSQL) keep the same
contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.memory.deliveries import MemoryDeliveryStore
from switchdesk.domain.conversations.channels import DeliveryStatus, OutboundMessage, Template
from switchdesk.domain.conversations.model import Identity, IdentityKind
from switchdesk.usecases.deliveries import Delivery, DeliveryStore
from tests.conftest import BACKENDS, empty_database

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", *BACKENDS])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[DeliveryStore]:
    if request.param == "memory":
        yield MemoryDeliveryStore()
        return
    with empty_database(request.param, tmp_path, postgres_admin_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield SqlDeliveryStore(engine)
        engine.dispose()


def delivery(n: int, *, at: datetime = T0, template: bool = False) -> Delivery:
    message = OutboundMessage(
        f"d{n}",
        f"m{n}",
        "conv",
        "inbox",
        Identity(IdentityKind.EMAIL, "ann@example.org"),
        "Ann Ö",
        "Grüße\nline two",
        subject="Re: invoice",
        in_reply_to="<a@x>",
        references=("<z@x>", "<a@x>"),
        template=Template("order_update", "en_US", ("42",)) if template else None,
    )
    return Delivery(message, at, at)


def test_a_delivery_comes_back_exactly_as_it_was_queued(store: DeliveryStore) -> None:
    original = delivery(1, template=True)
    store.add(original)
    assert store.get("d1") == original
    assert store.get("nope") is None


def test_only_queued_deliveries_that_are_due_come_out_oldest_first(store: DeliveryStore) -> None:
    store.add(delivery(1, at=T0 + timedelta(seconds=2)))
    store.add(delivery(2, at=T0))
    store.add(delivery(3, at=T0 + timedelta(minutes=5)))  # not due yet
    sent = delivery(4, at=T0)
    store.add(sent)
    store.save(replace(sent, status=DeliveryStatus.SENT, external_id="x", updated_at=T0))
    due = store.due(T0 + timedelta(seconds=10), 10)
    assert [d.id for d in due] == ["d2", "d1"]
    assert [d.id for d in store.due(T0 + timedelta(seconds=10), 1)] == ["d2"]


def test_a_saved_outcome_is_found_by_the_providers_id_on_its_channel(store: DeliveryStore) -> None:
    store.add(delivery(1))
    later = T0 + timedelta(seconds=3)
    store.save(
        replace(
            delivery(1),
            status=DeliveryStatus.DELIVERED,
            attempts=2,
            external_id="<conv.m1@switchdesk.test>",
            error="",
            updated_at=later,
        )
    )
    found = store.by_external_id("inbox", "<conv.m1@switchdesk.test>")
    assert found is not None
    assert (found.status, found.attempts, found.updated_at) == (DeliveryStatus.DELIVERED, 2, later)
    assert store.by_external_id("other-channel", "<conv.m1@switchdesk.test>") is None
