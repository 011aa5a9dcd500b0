"""IMAP polling into routed conversations against a real Dovecot, with the cursors in the
database (SQLite and PostgreSQL): the cursor moves only after the core committed the mail,
so a crash on either side of the commit loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import pytest

from switchdesk.adapters.channels.email.imap_poll import ImapPoller, ImapPollError
from switchdesk.adapters.channels.email.intake import MailIntake
from switchdesk.adapters.channels.email.service import EmailIntakeService
from switchdesk.adapters.db.mailboxes import SqlMailboxCursors, SqlUnparsedMailStore
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint
from tests.adapters.email.conftest import Dovecot, Mailbox
from tests.conftest import free_port
from tests.live.conftest import Center
from tests.web.conftest import run_async

ADDRESS = "support@help.example.org"


def raw_mail(n: int) -> bytes:
    return (
        f"From: customer{n}@example.com\r\nTo: {ADDRESS}\r\n"
        f"Subject: mail {n}\r\nMessage-ID: <imap{n}@example.com>\r\n\r\nbody {n}\r\n"
    ).encode()


class FlakyCursors(SqlMailboxCursors):
    """Dies (like a killed process) on the ``fail_on``-th move past UID 0."""

    def __init__(self, engine: Any, fail_on: int) -> None:
        super().__init__(engine)
        self.moves, self.fail_on = 0, fail_on

    def put(self, channel_id: str, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        if last_uid:
            self.moves += 1
            if self.moves == self.fail_on:
                raise RuntimeError("killed after the commit, before the cursor moved")
        super().put(channel_id, mailbox, uidvalidity, last_uid)


def setup(center: Center, server: Dovecot, box: Mailbox) -> tuple[str, ChannelEndpoint]:
    channel = center.live.create_channel(
        center.op,
        slug="imap-mail",
        name="Support by IMAP",
        queue_id=center.queues["support"],
        kind=ChannelKind.EMAIL,
        address=ADDRESS,
        settings={
            "imap_host": server.host,
            "imap_port": server.port,
            "imap_ssl": False,
            "imap_username": server.user,
            "imap_mailbox": box.name,
        },
    )
    endpoint = ChannelEndpoint(channel, {"imap_password": server.password})
    return channel.id, endpoint


def intake(center: Center, receive: Callable[[Any], Future[None]] | None = None) -> MailIntake:
    return MailIntake(
        center.live.endpoint,
        receive or center.live.receive,
        SqlUnparsedMailStore(center.engine),
        center.live.new_id,
    )


def texts_waiting(center: Center) -> list[str]:
    out = []
    for conv_id in center.live.waiting(center.queues["support"]):
        detail = center.live.conversation_detail(center.op, conv_id)
        out.extend(m["text"] for m in detail["messages"])
    return sorted(out)


def test_a_crash_before_or_after_the_commit_neither_loses_nor_duplicates_mail(
    center: Center, dovecot: Dovecot, mailbox: Mailbox
) -> None:
    channel_id, endpoint = setup(center, dovecot, mailbox)
    mailbox.append(*(raw_mail(n) for n in range(1, 6)))

    # Killed after mail 2 was committed, before its cursor moved.
    flaky = FlakyCursors(center.engine, fail_on=2)
    p = ImapPoller.from_endpoint(
        endpoint, accept=intake(center).accept_imap(endpoint), cursors=flaky
    )
    with pytest.raises(RuntimeError):
        p.poll()
    cursors = SqlMailboxCursors(center.engine)
    assert cursors.get(channel_id, mailbox.name)[1] == 1  # type: ignore[index]
    assert texts_waiting(center) == ["body 1", "body 2"]

    # Killed while storing mail 3 (before the commit): the core never saw it.
    calls = []

    def dying_receive(items: Any) -> Future[None]:
        calls.append(items)
        if len(calls) == 2:
            raise RuntimeError("killed before the commit")
        return center.live.receive(items)

    p = ImapPoller.from_endpoint(
        endpoint, accept=intake(center, dying_receive).accept_imap(endpoint), cursors=cursors
    )
    with pytest.raises(ImapPollError):
        p.poll()
    assert cursors.get(channel_id, mailbox.name)[1] == 2  # type: ignore[index]

    # A new process on the same database picks up where the last commit was.
    restarted = center.restart()
    p = ImapPoller.from_endpoint(
        endpoint, accept=intake(restarted).accept_imap(endpoint), cursors=cursors
    )
    assert p.poll().accepted == 3
    assert texts_waiting(restarted) == [f"body {n}" for n in range(1, 6)]
    assert cursors.get(channel_id, mailbox.name)[1] == 5  # type: ignore[index]


def test_the_service_polls_each_imap_channel_in_a_loop(
    center: Center, dovecot: Dovecot, mailbox: Mailbox
) -> None:
    channel_id, endpoint = setup(center, dovecot, mailbox)
    mailbox.append(raw_mail(1), raw_mail(2))
    service = EmailIntakeService(
        intake(center),
        SqlMailboxCursors(center.engine),
        lambda: center.live.channels(center.op),
        lambda cid: endpoint if cid == channel_id else None,
        poll_seconds=0.05,
    )
    assert [p.__name__ for p in service.parts()] == ["run_imap"]  # no SMTP port: no inbox

    async def run() -> None:
        task = asyncio.create_task(service.run_imap())
        appended = False
        for _ in range(200):
            await asyncio.sleep(0.05)
            waiting = len(center.live.waiting(center.queues["support"]))
            if waiting == 3:
                break
            if waiting == 2 and not appended:
                mailbox.append(raw_mail(3))  # new mail while the loop runs
                appended = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run_async(run())
    assert texts_waiting(center) == ["body 1", "body 2", "body 3"]


def test_a_failing_poll_backs_off_and_its_log_names_the_server_but_never_the_password(
    center: Center, dovecot: Dovecot, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    channel_id, endpoint = setup(center, dovecot, mailbox)
    closed = free_port()  # nobody listens: every poll fails at once
    settings = {**endpoint.channel.settings, "imap_port": closed}
    wrong = ChannelEndpoint(
        replace(endpoint.channel, settings=settings), {"imap_password": "hunter2-secret"}
    )
    service = EmailIntakeService(
        intake(center),
        SqlMailboxCursors(center.engine),
        lambda: center.live.channels(center.op),
        lambda cid: wrong if cid == channel_id else None,
        poll_seconds=0.05,
        backoff_max_seconds=0.2,
    )

    async def run() -> None:
        task = asyncio.create_task(service.run_imap())
        await asyncio.sleep(1.0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with caplog.at_level("WARNING", logger="switchdesk.email"):
        run_async(run())
    failures = [r.getMessage() for r in caplog.records if "IMAP poll" in r.getMessage()]
    assert 2 <= len(failures) <= 12  # backed off: 0.1, 0.2, 0.2 ... s, not a tight loop
    assert f"cannot connect to IMAP server {dovecot.host}:{closed}" in failures[0]
    assert "hunter2" not in caplog.text
    assert SqlMailboxCursors(center.engine).get(channel_id, mailbox.name) is None
