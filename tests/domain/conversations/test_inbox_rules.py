"""The shared inbox's rules: status over the state machine, and the SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.conversations.inbox import (
    EMAIL_DEFAULT,
    MESSAGING_DEFAULT,
    InboxStatus,
    SlaKind,
    SlaTargets,
    inbox_status,
    sla_clock,
    sla_targets,
)
from switchdesk.domain.conversations.model import (
    TRANSITIONS,
    AuthorKind,
    ChannelKind,
    ConversationState,
    Message,
    check_transition,
)
from switchdesk.domain.errors import Conflict

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TARGETS = SlaTargets(timedelta(hours=8), timedelta(hours=2))


def msg(minutes: int, author: AuthorKind, internal: bool = False, n: int = 0) -> Message:
    return Message(
        f"m{minutes}-{n}",
        "c1",
        author,
        author.value,
        "text",
        T0 + timedelta(minutes=minutes),
        internal=internal,
    )


def test_every_state_has_an_inbox_status_and_a_transition_row() -> None:
    for state in ConversationState:
        assert isinstance(inbox_status(state), InboxStatus)
        assert state in TRANSITIONS
    assert inbox_status(ConversationState.PENDING) is InboxStatus.PENDING
    assert inbox_status(ConversationState.RESOLVED) is InboxStatus.RESOLVED
    assert inbox_status(ConversationState.WAITING) is InboxStatus.OPEN


def test_only_a_conversation_being_handled_becomes_pending() -> None:
    check_transition(ConversationState.ASSIGNED, ConversationState.PENDING)
    for state in ConversationState:
        if state is not ConversationState.ASSIGNED:
            with pytest.raises(Conflict) as err:
                check_transition(state, ConversationState.PENDING)
            assert err.value.code == "conversation_state"


def test_a_pending_conversation_goes_back_to_waiting_or_is_resolved() -> None:
    assert TRANSITIONS[ConversationState.PENDING] == {
        ConversationState.WAITING,
        ConversationState.RESOLVED,
    }


def test_defaults_are_by_channel_kind_and_a_queue_target_wins() -> None:
    assert sla_targets(ChannelKind.EMAIL) == EMAIL_DEFAULT
    assert EMAIL_DEFAULT.first_response == timedelta(hours=8)
    assert sla_targets(ChannelKind.SMS) == MESSAGING_DEFAULT
    assert MESSAGING_DEFAULT.next_response == timedelta(hours=1)
    mixed = sla_targets(ChannelKind.WHATSAPP, 600.0, None)
    assert mixed == SlaTargets(timedelta(minutes=10), timedelta(hours=1))


def test_the_first_unanswered_message_starts_the_first_response_clock() -> None:
    messages = [msg(0, AuthorKind.CONTACT), msg(30, AuthorKind.CONTACT)]
    clock = sla_clock(messages, TARGETS, T0 + timedelta(hours=1))
    assert clock is not None
    assert clock.kind is SlaKind.FIRST_RESPONSE
    assert clock.due_at == T0 + timedelta(hours=8)
    assert not clock.breached


def test_an_answer_stops_the_clock_and_the_next_message_starts_the_next_response_clock() -> None:
    answered = [msg(0, AuthorKind.CONTACT), msg(10, AuthorKind.AGENT)]
    assert sla_clock(answered, TARGETS, T0 + timedelta(days=3)) is None
    again = [*answered, msg(60, AuthorKind.CONTACT)]
    clock = sla_clock(again, TARGETS, T0 + timedelta(hours=4))
    assert clock is not None
    assert clock.kind is SlaKind.NEXT_RESPONSE
    assert clock.due_at == T0 + timedelta(hours=3)
    assert clock.breached


def test_notes_and_the_acknowledgement_are_not_answers() -> None:
    messages = [
        msg(0, AuthorKind.CONTACT),
        msg(1, AuthorKind.SYSTEM),  # the automatic acknowledgement
        msg(5, AuthorKind.AGENT, internal=True),  # a note
    ]
    clock = sla_clock(messages, TARGETS, T0 + timedelta(hours=8))
    assert clock is not None and clock.kind is SlaKind.FIRST_RESPONSE
    assert clock.breached  # due at exactly now


def test_a_pending_or_resolved_conversation_owes_nothing() -> None:
    messages = [msg(0, AuthorKind.CONTACT)]
    later = T0 + timedelta(days=1)
    assert sla_clock(messages, TARGETS, later, InboxStatus.PENDING) is None
    assert sla_clock(messages, TARGETS, later, InboxStatus.RESOLVED) is None


authors = st.sampled_from(list(AuthorKind))
message_lists = st.lists(
    st.tuples(st.integers(0, 10_000), authors, st.booleans()),
    max_size=30,
    unique_by=lambda row: row[0],  # one message a minute: the order is the time's
).map(lambda rows: [msg(m, a, i, n) for n, (m, a, i) in enumerate(rows)])


@given(message_lists, st.integers(0, 20_000))
def test_notes_and_system_messages_never_change_the_clock(
    messages: list[Message], minutes: int
) -> None:
    now = T0 + timedelta(minutes=minutes)
    counted = [m for m in messages if m.author_kind is AuthorKind.CONTACT or not m.internal]
    counted = [m for m in counted if m.author_kind is not AuthorKind.SYSTEM]
    assert sla_clock(messages, TARGETS, now) == sla_clock(counted, TARGETS, now)


@given(message_lists, st.integers(0, 20_000))
def test_the_clock_runs_from_an_unanswered_customer_message(
    messages: list[Message], minutes: int
) -> None:
    now = T0 + timedelta(minutes=minutes)
    clock = sla_clock(messages, TARGETS, now)
    ordered = sorted(messages, key=lambda m: m.at)
    last_answer = max(
        (m.at for m in ordered if m.author_kind is AuthorKind.AGENT and not m.internal),
        default=None,
    )
    owed = [
        m
        for m in ordered
        if m.author_kind is AuthorKind.CONTACT and (last_answer is None or m.at >= last_answer)
    ]
    if clock is None:
        assert not owed
    else:
        assert clock.since in {m.at for m in owed}
        assert clock.due_at - clock.since in {TARGETS.first_response, TARGETS.next_response}
        assert clock.breached is (now >= clock.due_at)
        first = last_answer is None
        assert (clock.kind is SlaKind.FIRST_RESPONSE) is first
