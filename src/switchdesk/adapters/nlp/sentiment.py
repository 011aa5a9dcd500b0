"""Per-message sentiment from VADER's lexicon (vaderSentiment, bundled in its wheel).

A signal, not a verdict: contact-center verbs carry lexicon polarity ("I want to cancel
my account" scores negative), so agents and supervisors see it as a trend over the
conversation (:mod:`switchdesk.domain.nlp.sentiment`), never as a judgement of one line.
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from switchdesk.domain.nlp.sentiment import Sentiment


class VaderSentiment:
    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> Sentiment:
        compound = float(self._analyzer.polarity_scores(text[:2000])["compound"])
        return Sentiment.of(compound)
