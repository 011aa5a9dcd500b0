"""Opt-out and opt-in keywords (the carriers' and Twilio's standard set)."""

from __future__ import annotations

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})


def normalise_keyword(text: str) -> str:
    """The message as a keyword candidate: upper case, whitespace removed."""
    return "".join(text.split()).upper()


def consent_keyword(text: str) -> bool | None:
    """``False`` when the whole message is an opt-out keyword (``" stop "``, ``"Stop All"``),
    ``True`` for an opt-in keyword, ``None`` otherwise (``"please stop"`` is not one)."""
    word = normalise_keyword(text)
    if word in OPT_OUT_KEYWORDS:
        return False
    if word in OPT_IN_KEYWORDS:
        return True
    return None
