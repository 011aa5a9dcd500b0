"""Reply windows per channel kind: WhatsApp 24 h then templates, Messenger 24 h then
HUMAN_AGENT for humans up to 7 days, no window elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.conversations.windows import ReplyMode, reply_allowance

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
H24 = timedelta(hours=24)
D7 = timedelta(days=7)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


def test_whatsapp_inside_the_window_allows_free_text_with_a_countdown() -> None:
    a = reply_allowance(ChannelKind.WHATSAPP, T0, T0 + timedelta(hours=23), human=True)
    assert a.mode is ReplyMode.FREE_TEXT and a.free_text and a.allowed
    assert a.closes_at == T0 + H24 and a.reason == ""


def test_whatsapp_exactly_24_hours_later_needs_a_template() -> None:
    a = reply_allowance(ChannelKind.WHATSAPP, T0, T0 + H24, human=True)
    assert a.mode is ReplyMode.TEMPLATE_ONLY and a.reason == "template_required"
    assert a.allowed and not a.free_text
    just_before = reply_allowance(
        ChannelKind.WHATSAPP, T0, T0 + H24 - timedelta(microseconds=1), human=True
    )
    assert just_before.free_text


def test_whatsapp_without_any_inbound_message_needs_a_template() -> None:
    a = reply_allowance(ChannelKind.WHATSAPP, None, T0, human=False)
    assert a.mode is ReplyMode.TEMPLATE_ONLY and a.closes_at is None


def test_messenger_after_24_hours_a_human_gets_the_tag_until_7_days() -> None:
    human = reply_allowance(ChannelKind.MESSENGER, T0, T0 + H24, human=True)
    assert human.mode is ReplyMode.HUMAN_AGENT_TAG and human.closes_at == T0 + D7
    bot = reply_allowance(ChannelKind.MESSENGER, T0, T0 + H24, human=False)
    assert bot.mode is ReplyMode.REFUSED and bot.reason == "window_closed"
    late = reply_allowance(ChannelKind.MESSENGER, T0, T0 + D7, human=True)
    assert late.mode is ReplyMode.REFUSED and late.reason == "window_closed"
    assert not late.allowed


def test_messenger_without_an_inbound_message_is_refused() -> None:
    assert reply_allowance(ChannelKind.MESSENGER, None, T0, human=True).mode is ReplyMode.REFUSED


@given(
    gaps, st.booleans(), st.sampled_from([ChannelKind.SMS, ChannelKind.EMAIL, ChannelKind.WEB_CHAT])
)
def test_sms_email_and_web_chat_have_no_window(
    gap: timedelta, human: bool, kind: ChannelKind
) -> None:
    for last in (T0, None):
        a = reply_allowance(kind, last, T0 + gap, human=human)
        assert a.mode is ReplyMode.FREE_TEXT and a.closes_at is None


@given(gaps, st.booleans())
def test_whatsapp_free_text_exactly_while_under_24_hours(gap: timedelta, human: bool) -> None:
    a = reply_allowance(ChannelKind.WHATSAPP, T0, T0 + gap, human=human)
    assert a.free_text == (gap < H24)
    assert a.allowed


@given(gaps, st.booleans())
def test_messenger_modes_by_gap(gap: timedelta, human: bool) -> None:
    a = reply_allowance(ChannelKind.MESSENGER, T0, T0 + gap, human=human)
    if gap < H24:
        expected = ReplyMode.FREE_TEXT
    elif human and gap < D7:
        expected = ReplyMode.HUMAN_AGENT_TAG
    else:
        expected = ReplyMode.REFUSED
    assert a.mode is expected
    if a.closes_at is not None:
        assert a.closes_at > T0 + gap
