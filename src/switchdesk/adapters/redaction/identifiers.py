"""IBANs, national identifiers, phone numbers and email addresses in free text, each
confirmed by its own check (python-stdnum, phonenumbers) before it counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import phonenumbers
from stdnum import iban
from stdnum.util import NumberValidationModule, get_cc_module

_IBAN_START = re.compile(r"\b[A-Za-z]{2}\d{2}")
_IBAN_CHUNK = re.compile(r" ?[A-Za-z0-9]{1,4}")
_ID_CANDIDATE = re.compile(r"[A-Za-z0-9]+(?:[-. /][A-Za-z0-9]+){0,4}")
# National identifiers are 8 to 20 characters long written compact; shorter candidates
# would pass the checks of schemes that pad with zeros (a Dutch BSN of "12").
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

FORMAT_ONLY: dict[str, re.Pattern[str]] = {
    # A social security number has no check digit: nine bare digits are far more often
    # something else, so only the written 3-2-4 form counts.
    "us.ssn": re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}"),
}


def ibans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of valid IBANs, written compact or in groups of four."""
    for start in _IBAN_START.finditer(text):
        ends: list[int] = []
        at = start.end()
        while len(ends) < 9:
            chunk = _IBAN_CHUNK.match(text, at)
            if chunk is None:
                break
            at = chunk.end()
            ends.append(at)
        for end in reversed(ends):
            candidate = text[start.start() : end]
            if (end == len(text) or not text[end].isalnum()) and iban.is_valid(candidate):
                yield start.start(), end
                break


@cache
def _scheme(name: str) -> NumberValidationModule:
    country, _, scheme = name.partition(".")
    module = get_cc_module(country, scheme)
    if module is None:
        raise ValueError(f"python-stdnum has no national id scheme {name!r}")
    return module


def check_schemes(names: tuple[str, ...]) -> None:
    """Raise ValueError naming the first scheme python-stdnum does not know."""
    for name in names:
        _scheme(name)


def national_ids(text: str, schemes: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """Spans of identifiers valid in one of ``schemes`` (each a ``country.scheme``)."""
    for match in _ID_CANDIDATE.finditer(text):
        words = [m for m in re.finditer(r"[A-Za-z0-9]+", match.group())]
        base = match.start()
        done_until = -1
        for i in range(len(words)):
            if base + words[i].start() < done_until:
                continue
            for j in range(len(words), i, -1):
                candidate = match.group()[words[i].start() : words[j - 1].end()]
                compact = "".join(c for c in candidate if c.isalnum())
                if not any(c.isdigit() for c in compact) or not 8 <= len(compact) <= 20:
                    continue
                if any(_valid(name, candidate) for name in schemes):
                    yield base + words[i].start(), base + words[j - 1].end()
                    done_until = base + words[j - 1].end()
                    break


def _valid(name: str, candidate: str) -> bool:
    pattern = FORMAT_ONLY.get(name)
    if pattern is not None and pattern.fullmatch(candidate) is None:
        return False
    try:
        return bool(_scheme(name).is_valid(candidate))
    except Exception:  # python-stdnum's validators raise their own errors on odd input
        return False


def phones(text: str, regions: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """Spans of valid phone numbers; national ones are read in each of ``regions``."""
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            yield match.start, match.end


def emails(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end()
