"""The sentiment trend of a conversation and the rule that escalates on it."""

from __future__ import annotations

import pytest

from switchdesk.domain.nlp.sentiment import Sentiment, Tone, falls_below, trend


def test_tones_follow_the_published_cut_offs() -> None:
    assert Sentiment.of(0.05).tone is Tone.POSITIVE
    assert Sentiment.of(0.0499).tone is Tone.NEUTRAL
    assert Sentiment.of(-0.05).tone is Tone.NEGATIVE
    with pytest.raises(ValueError, match="between -1 and 1"):
        Sentiment.of(1.5)


def test_the_trend_weighs_the_newest_message_by_half() -> None:
    assert trend([]) is None
    assert trend([0.8]) == 0.8
    # 0.5 * -0.4 + 0.5 * 0.8 = 0.2; then 0.5 * -0.6 + 0.5 * 0.2 = -0.2
    assert trend([0.8, -0.4, -0.6]) == pytest.approx(-0.2)


def test_one_bad_line_is_not_a_trend_but_two_falling_ones_are() -> None:
    assert not falls_below([-0.9], -0.3)
    assert falls_below([-0.5, -0.6], -0.3)
    assert not falls_below([0.9, -0.6], -0.3)  # 0.5 * -0.6 + 0.5 * 0.9 = 0.15
