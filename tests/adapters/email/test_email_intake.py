"""The mail intake's outcomes without a server: stored, kept raw, or refused for a retry."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from switchdesk.adapters.channels.email.intake import MailIntake
from switchdesk.adapters.memory.mailboxes import MemoryUnparsedMailStore
from switchdesk.domain.conversations.channels import InboundItem, InboundMessage
from switchdesk.domain.conversations.model import Channel, ChannelKind
from switchdesk.domain.errors import RateLimited, SwitchdeskError, ValidationFailed
from switchdesk.usecases.channel_ports import ChannelEndpoint
from tests.web.conftest import run_async

ADDRESS = "help@northwind.example"
CHANNEL = Channel(
    id="ch-1",
    slug="mail",
    name="Mail",
    kind=ChannelKind.EMAIL,
    client_account_id="north",
    queue_id="q",
    address=ADDRESS,
)
MAIL = (
    b"From: ann@example.org\r\nTo: help@northwind.example\r\nSubject: Hi\r\n"
    b"Message-ID: <i1@example.org>\r\n\r\nHello\r\n"
)


class Core:
    def __init__(self, error: SwitchdeskError | None = None) -> None:
        self.items: list[InboundItem] = []
        self.error = error

    def endpoint(self, kind: ChannelKind, key: str) -> ChannelEndpoint | None:
        return ChannelEndpoint(CHANNEL) if key.lower() == ADDRESS else None

    def receive(self, items: Sequence[InboundItem]) -> Future[None]:
        if isinstance(self.error, RateLimited):
            raise self.error
        done: Future[None] = Future()
        if self.error is not None:
            done.set_exception(self.error)
        else:
            self.items.extend(items)
            done.set_result(None)
        return done


def intake(core: Core) -> tuple[MailIntake, MemoryUnparsedMailStore]:
    kept = MemoryUnparsedMailStore()
    ids = iter(f"u{n}" for n in range(100))
    return MailIntake(core.endpoint, core.receive, kept, lambda: next(ids)), kept


def test_a_good_mail_goes_to_the_core_and_nothing_is_kept() -> None:
    core = Core()
    mail, kept = intake(core)
    run_async(mail.accept_smtp(MAIL, [ADDRESS]))
    [item] = core.items
    assert isinstance(item, InboundMessage) and item.text.strip() == "Hello"
    assert kept.mails == {}
    assert mail.knows_recipient("HELP@northwind.example")
    assert not mail.knows_recipient("other@northwind.example")


def test_a_mail_the_channel_refuses_is_kept_raw_with_the_reason() -> None:
    mail, kept = intake(Core(ValidationFailed("not handled", code="inbound_item_unsupported")))
    run_async(mail.accept_smtp(MAIL, [ADDRESS]))
    [(meta, raw)] = kept.mails.values()
    assert raw == MAIL
    assert "inbound_item_unsupported" in meta.reason
    assert (meta.channel_id, meta.client_account_id, meta.sender) == (
        "ch-1",
        "north",
        "ann@example.org",
    )


def test_a_busy_core_is_not_a_refusal_the_mail_is_retried_not_kept() -> None:
    mail, kept = intake(Core(RateLimited("busy", code="busy")))
    with pytest.raises(RateLimited):
        run_async(mail.accept_smtp(MAIL, [ADDRESS]))
    assert kept.mails == {}


def test_mail_whose_channel_went_away_before_data_is_kept() -> None:
    mail, kept = intake(Core())
    run_async(mail.accept_smtp(MAIL, ["gone@northwind.example"]))
    [(meta, _)] = kept.mails.values()
    assert meta.channel_id is None and meta.recipients == ("gone@northwind.example",)
