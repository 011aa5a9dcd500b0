"""Opt-out/opt-in keywords: whole message only, case and space insensitive."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.conversations.consent import (
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    consent_keyword,
)


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop ", "StopAll", "stop all", "UNSUBSCRIBE", "cancel", "End", "quit\n"],
)
def test_opt_out_keywords(text: str) -> None:
    assert consent_keyword(text) is False


@pytest.mark.parametrize("text", ["START", "yes", " unstop ", "Un Stop"])
def test_opt_in_keywords(text: str) -> None:
    assert consent_keyword(text) is True


@pytest.mark.parametrize("text", ["please stop", "stop it", "", "STOP!", "yes please", "stopped"])
def test_other_messages_are_not_keywords(text: str) -> None:
    assert consent_keyword(text) is None


spaces = st.text(alphabet=" \t\n", max_size=3)


@given(
    st.sampled_from(sorted(OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS)),
    spaces,
    spaces,
    st.lists(st.booleans(), min_size=11, max_size=11),
)
def test_keywords_survive_case_and_padding(
    word: str, pre: str, post: str, upper: list[bool]
) -> None:
    mixed = "".join(c.upper() if u else c.lower() for c, u in zip(word, upper, strict=False))
    assert consent_keyword(pre + mixed + post) is (word in OPT_IN_KEYWORDS)


@given(st.text(max_size=30))
def test_never_raises_and_keywords_are_rare(text: str) -> None:
    result = consent_keyword(text)
    if result is not None:
        assert "".join(text.split()).upper() in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS
