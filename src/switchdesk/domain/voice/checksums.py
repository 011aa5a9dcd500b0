"""Check digits for numbers callers key in (account numbers, card numbers)."""

from __future__ import annotations

from collections.abc import Callable


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of card and many account numbers."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def mod97_valid(digits: str) -> bool:
    """ISO 7064 MOD 97-10 (as in IBAN): the number, check digits last, is 1 modulo 97."""
    return digits.isdigit() and len(digits) >= 3 and int(digits) % 97 == 1


def no_check(digits: str) -> bool:
    return digits.isdigit()


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn_valid,
    "mod97": mod97_valid,
    "none": no_check,
}
