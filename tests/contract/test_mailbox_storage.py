"""Mailbox state: the IMAP cursors and the kept raw mail keep the same contract in memory
and on SQL (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from switchdesk.adapters.channels.email.imap_poll import InMemoryMailboxCursors, MailboxCursors
from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.mailboxes import SqlMailboxCursors, SqlUnparsedMailStore
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.memory.mailboxes import MemoryUnparsedMailStore
from switchdesk.usecases.mail import UnparsedMail, UnparsedMailStore
from tests.conftest import BACKENDS, empty_database

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", *BACKENDS])
def stores(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[tuple[MailboxCursors, UnparsedMailStore]]:
    if request.param == "memory":
        yield InMemoryMailboxCursors(), MemoryUnparsedMailStore()
        return
    with empty_database(request.param, tmp_path, postgres_admin_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield SqlMailboxCursors(engine), SqlUnparsedMailStore(engine)
        engine.dispose()


@pytest.fixture
def cursors(stores: tuple[MailboxCursors, UnparsedMailStore]) -> MailboxCursors:
    return stores[0]


@pytest.fixture
def kept(stores: tuple[MailboxCursors, UnparsedMailStore]) -> UnparsedMailStore:
    return stores[1]


def test_a_mailbox_never_polled_has_no_cursor(cursors: MailboxCursors) -> None:
    assert cursors.get("ch-1", "INBOX") is None


def test_a_cursor_moves_and_is_kept_per_channel_and_mailbox(cursors: MailboxCursors) -> None:
    cursors.put("ch-1", "INBOX", 1700000000, 0)
    cursors.put("ch-1", "INBOX", 1700000000, 41)
    cursors.put("ch-1", "Support/Ärger", 7, 3)
    cursors.put("ch-2", "INBOX", 9, 2**40)
    assert cursors.get("ch-1", "INBOX") == (1700000000, 41)
    assert cursors.get("ch-1", "Support/Ärger") == (7, 3)
    assert cursors.get("ch-2", "INBOX") == (9, 2**40)
    cursors.put("ch-1", "INBOX", 1700000001, 0)  # UIDVALIDITY changed: start again
    assert cursors.get("ch-1", "INBOX") == (1700000001, 0)


def mail(n: int, **kw: Any) -> UnparsedMail:
    values: dict[str, Any] = {
        "id": f"u{n}",
        "received_at": T0 + timedelta(seconds=n),
        "source": "smtp",
        "reason": "no usable From address",
        "size": 12,
        "digest": f"{n:064x}",
        "channel_id": "ch-1",
        "client_account_id": "north",
        "recipients": ("help@northwind.example",),
        "sender": "",
        "subject": "Grüße",
    }
    values.update(kw)
    return UnparsedMail(**values)


def test_a_kept_mail_comes_back_with_its_raw_bytes(kept: UnparsedMailStore) -> None:
    raw = b"\xff\xfe not a mail \r\n\x00"
    first = mail(1, size=len(raw))
    assert kept.add(first, raw) == first
    assert kept.get("u1") == first
    assert kept.raw("u1") == raw
    assert kept.get("nope") is None and kept.raw("nope") is None


def test_the_same_mail_for_the_same_channel_is_kept_once(kept: UnparsedMailStore) -> None:
    kept.add(mail(1), b"x")
    again = kept.add(mail(2, digest=f"{1:064x}"), b"x")
    assert again.id == "u1"
    other_channel = kept.add(mail(3, digest=f"{1:064x}", channel_id=None), b"x")
    assert other_channel.id == "u3"
    assert sorted(m.id for m in kept.newest(10)) == ["u1", "u3"]


def test_kept_mail_is_listed_newest_first(kept: UnparsedMailStore) -> None:
    for n in (2, 1, 3):
        kept.add(mail(n), b"x")
    assert [m.id for m in kept.newest(10)] == ["u3", "u2", "u1"]
    assert [m.id for m in kept.newest(2)] == ["u3", "u2"]
