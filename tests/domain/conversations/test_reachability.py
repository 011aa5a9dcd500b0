"""Whether a send may go: consent's latest state wins, an opt-out outranks a bounce, and
our automatic mail is limited per address and window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from switchdesk.domain.conversations.model import IdentityKind
from switchdesk.domain.conversations.reachability import (
    AUTO_REPLY_LIMIT,
    AUTO_REPLY_WINDOW,
    OPTED_OUT,
    REFUSAL_TEXT,
    UNDELIVERABLE,
    ConsentRecord,
    UndeliverableAddress,
    consent_changes,
    may_auto_reply,
    send_refusal,
)

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def consent(opted_in: bool, at: datetime = AT) -> ConsentRecord:
    return ConsentRecord("contact", "sms", opted_in, "STOP" if not opted_in else "START", at)


BOUNCED = UndeliverableAddress(
    "north", IdentityKind.EMAIL, "ann@example.org", "5.1.1", "no such user", AT
)


def test_no_record_means_a_send_may_go() -> None:
    assert send_refusal(None, None) is None
    assert send_refusal(consent(True), None) is None


def test_an_opt_out_refuses_and_is_named_before_a_bounce() -> None:
    assert send_refusal(consent(False), None) == OPTED_OUT
    assert send_refusal(consent(False), BOUNCED) == OPTED_OUT
    assert send_refusal(consent(True), BOUNCED) == UNDELIVERABLE
    assert set(REFUSAL_TEXT) == {OPTED_OUT, UNDELIVERABLE}


def test_only_a_newer_change_that_says_something_else_replaces_the_consent() -> None:
    assert consent_changes(None, False, AT)
    assert consent_changes(consent(False), True, AT + timedelta(seconds=1))
    assert not consent_changes(consent(False), False, AT + timedelta(seconds=1))
    # A provider's late retry of an old STOP does not undo a newer START.
    assert not consent_changes(consent(True), False, AT - timedelta(seconds=1))


def test_automatic_mail_is_limited_per_window() -> None:
    assert AUTO_REPLY_LIMIT == 1
    assert may_auto_reply([], AT)
    assert not may_auto_reply([AT - timedelta(minutes=59)], AT)
    assert may_auto_reply([AT - AUTO_REPLY_WINDOW], AT)  # the window has passed exactly
    assert may_auto_reply([AT - timedelta(hours=2)], AT)
