"""IMAP polling against a real Dovecot: UIDs with UIDVALIDITY, BODY.PEEK, capped batches."""

from __future__ import annotations

import email
from email import policy

import pytest

from switchdesk.adapters.channels.email.imap_poll import (
    ImapPoller,
    ImapPollError,
    InMemoryMailboxCursors,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint
from tests.adapters.email.conftest import Dovecot, Mailbox
from tests.conftest import free_port


def raw_mail(n: int) -> bytes:
    return (
        f"From: customer{n}@example.com\r\nTo: support@help.example.org\r\n"
        f"Subject: mail {n}\r\nMessage-ID: <m{n}@example.com>\r\n\r\nbody {n}\r\n"
    ).encode()


def message_ids(raws: list[bytes]) -> list[str]:
    return [str(email.message_from_bytes(r, policy=policy.default)["Message-ID"]) for r in raws]


class Collector:
    def __init__(self, fail_on: int | None = None) -> None:
        self.raws: list[bytes] = []
        self.calls = 0
        self.fail_on = fail_on

    def __call__(self, raw: bytes) -> None:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("process killed while storing")
        self.raws.append(raw)


def poller(
    server: Dovecot,
    mailbox: Mailbox,
    accept: Collector,
    cursors: InMemoryMailboxCursors,
    batch_size: int = 100,
) -> ImapPoller:
    return ImapPoller(
        channel_id="ch-1",
        host=server.host,
        port=server.port,
        username=server.user,
        password=server.password,
        accept=accept,
        cursors=cursors,
        mailbox=mailbox.name,
        use_ssl=False,
        batch_size=batch_size,
    )


def test_a_poll_gets_all_mail_a_second_gets_none_and_a_third_only_the_new(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    mailbox.append(raw_mail(1), raw_mail(2), raw_mail(3))
    got, cursors = Collector(), InMemoryMailboxCursors()
    p = poller(dovecot, mailbox, got, cursors)
    first = p.poll()
    assert first.accepted == 3 and not first.more
    assert message_ids(got.raws) == ["<m1@example.com>", "<m2@example.com>", "<m3@example.com>"]
    assert p.poll().accepted == 0  # "4:*" still answers UID 3: it must be filtered out
    assert len(got.raws) == 3
    mailbox.append(raw_mail(4))
    assert p.poll().accepted == 1
    assert message_ids(got.raws)[-1] == "<m4@example.com>"
    assert cursors.get("ch-1", mailbox.name) == (first.uidvalidity, 4)


def test_a_restart_in_the_middle_of_a_poll_resumes_and_receives_each_mail_once(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    mailbox.append(*(raw_mail(n) for n in range(1, 6)))
    cursors = InMemoryMailboxCursors()
    crashing = Collector(fail_on=3)
    with pytest.raises(ImapPollError, match="UID 3"):
        poller(dovecot, mailbox, crashing, cursors).poll()
    assert cursors.get("ch-1", mailbox.name)[1] == 2  # type: ignore[index]
    resumed = Collector()
    assert poller(dovecot, mailbox, resumed, cursors).poll().accepted == 3
    all_ids = message_ids(crashing.raws + resumed.raws)
    assert all_ids == [f"<m{n}@example.com>" for n in range(1, 6)]


def test_batches_are_capped_and_report_that_more_is_waiting(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    mailbox.append(*(raw_mail(n) for n in range(1, 6)))
    got, cursors = Collector(), InMemoryMailboxCursors()
    p = poller(dovecot, mailbox, got, cursors, batch_size=2)
    results = [p.poll() for _ in range(3)]
    assert [(r.accepted, r.more) for r in results] == [(2, True), (2, True), (1, False)]
    assert len(got.raws) == 5


def test_a_changed_uidvalidity_restarts_from_the_start_of_the_mailbox(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    mailbox.append(raw_mail(1), raw_mail(2))
    got, cursors = Collector(), InMemoryMailboxCursors()
    p = poller(dovecot, mailbox, got, cursors)
    before = p.poll().uidvalidity
    mailbox.recreate()
    mailbox.append(raw_mail(10))
    after = p.poll()
    assert after.uidvalidity != before
    assert after.restarted and after.accepted == 1
    assert message_ids(got.raws)[-1] == "<m10@example.com>"
    # A stored cursor from another UIDVALIDITY, far ahead, is not trusted either.
    cursors.put("ch-1", mailbox.name, 12345, 999)
    again = p.poll()
    assert again.restarted and again.accepted == 1


def test_polling_leaves_the_seen_flags_untouched(dovecot: Dovecot, mailbox: Mailbox) -> None:
    mailbox.append(raw_mail(1))
    mailbox.append(raw_mail(2), seen=True)
    before = mailbox.flags()
    assert "\\Seen" not in before[1] and "\\Seen" in before[2]
    poller(dovecot, mailbox, Collector(), InMemoryMailboxCursors()).poll()
    assert mailbox.flags() == before


def test_a_wrong_password_is_a_clear_permanent_error(dovecot: Dovecot, mailbox: Mailbox) -> None:
    p = poller(dovecot, mailbox, Collector(), InMemoryMailboxCursors())
    p._password = "wrong"
    with pytest.raises(ImapPollError) as err:
        p.poll()
    assert not err.value.temporary
    assert "login failed" in str(err.value)
    assert "wrong" not in str(err.value)


def test_a_missing_mailbox_and_a_closed_port_are_clear_errors(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    p = poller(dovecot, mailbox, Collector(), InMemoryMailboxCursors())
    p.mailbox = "Does-Not-Exist"
    with pytest.raises(ImapPollError, match="Does-Not-Exist") as err:
        p.poll()
    assert not err.value.temporary

    p = poller(dovecot, mailbox, Collector(), InMemoryMailboxCursors())
    p.port = free_port()
    with pytest.raises(ImapPollError, match="cannot connect") as err:
        p.poll()
    assert err.value.temporary


def test_the_poller_is_built_from_the_channel_settings_and_secret() -> None:
    channel = Channel(
        id="ch-9",
        slug="s",
        name="S",
        kind=ChannelKind.EMAIL,
        client_account_id="a",
        queue_id="q",
        address="support@help.example.org",
        settings={"imap_host": "imap.example.org", "imap_mailbox": "Support"},
    )
    p = ImapPoller.from_endpoint(
        ChannelEndpoint(channel, {"imap_password": "pw"}),
        accept=Collector(),
        cursors=InMemoryMailboxCursors(),
    )
    assert (p.host, p.port, p.use_ssl, p.username, p.mailbox) == (
        "imap.example.org",
        993,
        True,
        "support@help.example.org",
        "Support",
    )
    assert "pw" not in repr(p)
