"""Payment card numbers and their security codes in free text.

A card number is a window of whole digit groups of one run (see
:mod:`switchdesk.domain.privacy.digits`) holding 13 to 19 digits that starts with a
major industry identifier used by card schemes (2 to 6) and passes the Luhn check. A
security code is a run of 3 or 4 digits after a prompt for one (in the same message or
the message before), or left over right after a card number in the same run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn

from switchdesk.domain.privacy.digits import Group, Run

MIN_DIGITS = 13
MAX_DIGITS = 19
CARD_FIRST_DIGITS = frozenset("23456")

CVV_PROMPT = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|csc|security\s+(?:code|number)|verification\s+(?:code|number|value)"
    r"|(?:three|four|3|4)[-\s]digit\s+(?:code|number)|code\s+on\s+the\s+back"
    r"|back\s+of\s+(?:the|your)\s+card)\b",
    re.IGNORECASE,
)
PROMPT_REACH = 40
"""How many characters before a code a prompt in the same message may stand."""


def is_card_number(digits: str) -> bool:
    return (
        MIN_DIGITS <= len(digits) <= MAX_DIGITS
        and digits[0] in CARD_FIRST_DIGITS
        and luhn.is_valid(digits)
    )


@dataclass(frozen=True, slots=True)
class CardSpan:
    start: int
    end: int
    last4: str


def find_cards(run: Run) -> tuple[list[CardSpan], list[Group]]:
    """Card numbers in one run (longest windows first, left to right), and the groups
    of the run that are not part of one."""
    groups = run.groups
    cards: list[CardSpan] = []
    leftover: list[Group] = []
    i = 0
    while i < len(groups):
        found = None
        for j in range(len(groups), i, -1):
            digits = "".join(g.digits for g in groups[i:j])
            if len(digits) < MIN_DIGITS:
                break
            if is_card_number(digits):
                found = j
                break
        if found is None:
            leftover.append(groups[i])
            i += 1
            continue
        digits = "".join(g.digits for g in groups[i:found])
        cards.append(CardSpan(groups[i].start, groups[found - 1].end, digits[-4:]))
        i = found
    return cards, leftover


def split_card(previous: Run, current: Run) -> tuple[int, int, str] | None:
    """A card number made of the last groups of ``previous`` and the first of
    ``current`` (a customer who sent it in two messages): how many groups of each, and
    its last four digits; None when there is none."""
    for back in range(len(previous.groups), 0, -1):
        head = "".join(g.digits for g in previous.groups[-back:])
        if len(head) >= MAX_DIGITS:
            continue
        for ahead in range(len(current.groups), 0, -1):
            digits = head + "".join(g.digits for g in current.groups[:ahead])
            if is_card_number(digits):
                return back, ahead, digits[-4:]
    return None


def code_runs(text: str, text_runs: list[Run], prompted: bool) -> list[Run]:
    """Runs of 3-4 digits (of ``text_runs``, the runs of ``text``) that are security
    codes: after a prompt in the same message (within reach), or anywhere in a message
    that answers a prompt (``prompted``)."""
    found: list[Run] = []
    prompts = [m.end() for m in CVV_PROMPT.finditer(text)]
    for run in text_runs:
        if len(run.digits) not in (3, 4):
            continue
        near = any(0 <= run.start - end <= PROMPT_REACH for end in prompts)
        if prompted or near:
            found.append(run)
    return found


def has_prompt(text: str) -> bool:
    return CVV_PROMPT.search(text) is not None
