"""Which conversation an inbound message joins: by reference for email, by the open
conversation for messaging, always within one contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import (
    ChannelKind,
    ConversationState,
    Identity,
    IdentityKind,
)
from switchdesk.domain.conversations.threading import Candidate, choose_thread

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
S = ConversationState


def mail(
    *refs: str, hint: str | None = None, automatic: bool = False, at: datetime = NOW
) -> InboundMessage:
    return InboundMessage(
        channel_id="inbox",
        sender=Identity(IdentityKind.EMAIL, "ann@example.org"),
        sender_name="Ann",
        text="hello",
        external_id="<new@example.org>",
        received_at=at,
        replies_to=refs,
        conversation_hint=hint,
        automatic=automatic,
    )


def conv(cid: str, state: S, *ids: str, hours_ago: float = 1) -> Candidate:
    at = NOW - timedelta(hours=hours_ago)
    return Candidate(cid, state, at, frozenset(ids), at if state is S.RESOLVED else None)


def test_a_reply_joins_the_conversation_its_in_reply_to_names_before_any_reference() -> None:
    candidates = [conv("a", S.ASSIGNED, "<a1@x>"), conv("b", S.WAITING, "<b1@x>")]
    choice = choose_thread(ChannelKind.EMAIL, mail("<b1@x>", "<a1@x>"), candidates)
    assert (choice.conversation_id, choice.matched_by, choice.reopen) == ("b", "reference", False)


def test_an_outlook_reply_with_a_changed_in_reply_to_still_threads_by_an_older_reference() -> None:
    candidates = [conv("a", S.ASSIGNED, "<a1@x>", "<a2@x>")]
    choice = choose_thread(ChannelKind.EMAIL, mail("<outlook-rewrote@x>", "<a2@x>"), candidates)
    assert choice.conversation_id == "a"


def test_a_reply_to_a_resolved_mail_reopens_it_but_an_auto_reply_does_not() -> None:
    candidates = [conv("a", S.RESOLVED, "<a1@x>")]
    assert choose_thread(ChannelKind.EMAIL, mail("<a1@x>"), candidates).reopen is True
    auto = choose_thread(ChannelKind.EMAIL, mail("<a1@x>", automatic=True), candidates)
    assert (auto.conversation_id, auto.reopen) == ("a", False)


def test_our_own_id_pattern_is_used_when_no_reference_matches() -> None:
    candidates = [conv("a", S.ASSIGNED, "<a1@x>")]
    choice = choose_thread(ChannelKind.EMAIL, mail("<unknown@x>", hint="a"), candidates)
    assert (choice.conversation_id, choice.matched_by) == ("a", "hint")


def test_an_unrelated_mail_or_a_hint_to_another_contacts_conversation_starts_a_new_one() -> None:
    candidates = [conv("a", S.ASSIGNED, "<a1@x>")]
    assert choose_thread(ChannelKind.EMAIL, mail(), candidates).conversation_id is None
    # "b" belongs to someone else: the caller never lists it, so the hint finds nothing.
    assert choose_thread(ChannelKind.EMAIL, mail(hint="b"), candidates).conversation_id is None


def test_an_open_email_conversation_is_not_joined_without_a_reference() -> None:
    candidates = [conv("a", S.WAITING, "<a1@x>", hours_ago=0.1)]
    assert choose_thread(ChannelKind.EMAIL, mail(), candidates).conversation_id is None


def test_a_whatsapp_message_joins_the_open_conversation_else_a_recent_one_else_a_new_one() -> None:
    message = mail()
    open_and_old = [conv("old", S.RESOLVED, hours_ago=2), conv("open", S.ASSIGNED, hours_ago=5)]
    assert choose_thread(ChannelKind.WHATSAPP, message, open_and_old).conversation_id == "open"
    recent = choose_thread(ChannelKind.WHATSAPP, message, [conv("old", S.RESOLVED, hours_ago=2)])
    assert (recent.conversation_id, recent.reopen) == ("old", True)
    stale = [conv("old", S.RESOLVED, hours_ago=30)]
    assert choose_thread(ChannelKind.SMS, message, stale).conversation_id is None
