"""Sentiment per message and its trend over a conversation.

Scores are VADER compound values in -1..1; the usual cut-offs are >= 0.05 positive and
<= -0.05 negative (Hutto & Gilbert, ICWSM 2014). The trend is an exponentially weighted
mean of the customer's messages, so one angry line among calm ones moves it but does not
flip it; an escalation rule fires when the trend falls below a threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

POSITIVE_FROM = 0.05
NEGATIVE_FROM = -0.05
TREND_WEIGHT = 0.5
"""The weight of the newest message in the trend (the rest decays by half each message)."""


class Tone(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


def tone_of(score: float) -> Tone:
    if score >= POSITIVE_FROM:
        return Tone.POSITIVE
    if score <= NEGATIVE_FROM:
        return Tone.NEGATIVE
    return Tone.NEUTRAL


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float
    tone: Tone

    @classmethod
    def of(cls, score: float) -> Sentiment:
        if not -1.0 <= score <= 1.0:
            raise ValueError(f"a sentiment score is between -1 and 1, not {score}")
        return cls(score, tone_of(score))


def trend(scores: Iterable[float], weight: float = TREND_WEIGHT) -> float | None:
    """The exponentially weighted mean of ``scores`` in order (None: no scores)."""
    value: float | None = None
    for score in scores:
        value = score if value is None else weight * score + (1 - weight) * value
    return value


def falls_below(scores: Iterable[float], threshold: float, *, at_least: int = 2) -> bool:
    """Whether the trend is below ``threshold`` after at least ``at_least`` messages
    (one bad line is not a trend)."""
    values = list(scores)
    current = trend(values)
    return len(values) >= at_least and current is not None and current < threshold
