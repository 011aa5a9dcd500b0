"""Runs of digits in free text, typed or spoken, with where each group came from.

A payment card number arrives as ``4111111111111111``, ``4111 1111 1111 1111``,
``4111-1111-1111-1111``, ``3782 822463 10005`` or, in a voice transcript, as
``four one one one one one ...`` with ``oh`` for zero and ``double five`` for ``55``. A
*run* is a sequence of digit *groups* separated only by spaces, hyphens, dots or commas;
a spoken digit is a group of its own. Detectors look for windows of whole groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPOKEN: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_REPEAT: dict[str, int] = {"double": 2, "triple": 3}

_TOKEN = re.compile(r"\d+|[^\W\d_]+|\s+|.", re.DOTALL)
_SEPARATOR = re.compile(r"[ \t\u00a0]*[-.,]?[ \t\u00a0]*")


@dataclass(frozen=True, slots=True)
class Group:
    """Digits and the span of the original text they were read from."""

    digits: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Run:
    groups: tuple[Group, ...]

    @property
    def digits(self) -> str:
        return "".join(g.digits for g in self.groups)

    @property
    def start(self) -> int:
        return self.groups[0].start

    @property
    def end(self) -> int:
        return self.groups[-1].end


def _groups(text: str) -> list[tuple[Group, str]]:
    """Every digit group in order, with the text between it and the next token kind."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[tuple[Group, str]] = []
    i = 0
    while i < len(tokens):
        value, start, end = tokens[i]
        lower = value.lower()
        if value.isdigit() and value.isascii():
            found.append((Group(value, start, end), "digit"))
        elif lower in _SPOKEN:
            found.append((Group(_SPOKEN[lower], start, end), "word"))
        elif lower in _REPEAT:
            # "double five": look past the whitespace for the digit word it repeats.
            j = i + 1
            while j < len(tokens) and tokens[j][0].isspace():
                j += 1
            if j < len(tokens) and tokens[j][0].lower() in _SPOKEN:
                digit = _SPOKEN[tokens[j][0].lower()]
                found.append((Group(digit * _REPEAT[lower], start, tokens[j][2]), "word"))
                i = j
        else:
            found.append((Group("", start, end), "other"))
        i += 1
    return found


def runs(text: str) -> list[Run]:
    """The runs of ``text`` in order. Groups join a run when only a separator (spaces, or
    one hyphen, dot or comma with optional spaces) lies between them; anything else, a
    line break included, ends the run."""
    result: list[Run] = []
    current: list[Group] = []
    last_end = -1
    for group, kind in _groups(text):
        if kind == "other":
            continue
        if current and _SEPARATOR.fullmatch(text[last_end : group.start]) is None:
            result.append(Run(tuple(current)))
            current = []
        current.append(group)
        last_end = group.end
    if current:
        result.append(Run(tuple(current)))
    return result
