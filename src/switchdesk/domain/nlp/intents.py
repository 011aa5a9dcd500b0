"""An intent guess and the "unsure" rule: below the threshold, a bot hands off to a
person and routing treats the intent as unknown."""

from __future__ import annotations

from dataclasses import dataclass

UNSURE_DEFAULT = 0.5
"""Measured on a held-out fifth of Banking77 (docs/nlp.md): at 0.5, 89 % of messages get
an intent and 95 % of those are right."""


@dataclass(frozen=True, slots=True)
class IntentGuess:
    intent: str
    confidence: float
    """The calibrated probability of ``intent`` (0..1)."""
    unsure: bool

    @classmethod
    def of(cls, intent: str, confidence: float, threshold: float) -> IntentGuess:
        return cls(intent, confidence, confidence < threshold)

    def as_dict(self) -> dict[str, object]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "unsure": self.unsure,
        }
