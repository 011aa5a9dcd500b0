"""Exact rational numbers from user input, so that thresholds compare without float error.

A float such as ``0.85`` is not 17/20 in binary. Multiplying or dividing it before a
``ceil`` can add an agent (``ceil(21 / (1 - 0.3))`` is 31 in floats, 30 in truth). Every
quantity that ends in a ``ceil`` goes through :func:`exact_fraction` first: a float is
read back through its shortest decimal representation (what the user typed), a string
is parsed as a decimal or a ratio.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from switchdesk.domain.errors import ValidationFailed

ExactNumber = int | float | str | Decimal | Fraction
"""Anything :func:`exact_fraction` accepts."""


def exact_fraction(value: ExactNumber, *, name: str) -> Fraction:
    """Return ``value`` as an exact :class:`~fractions.Fraction`.

    ``name`` is the argument's name, used in the error message.
    """
    if type(value) is int:  # the common case first
        return Fraction(value)
    if isinstance(value, bool):
        raise ValidationFailed(f"{name} must be a number, not a boolean", field=name)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationFailed(f"{name} must be a finite number, got {value!r}", field=name)
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationFailed(f"{name} must be a finite number, got {value!r}", field=name)
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return Fraction(Decimal(text)) if "/" not in text else Fraction(text)
        except (ValueError, ZeroDivisionError, InvalidOperation, OverflowError):
            raise ValidationFailed(
                f"{name} must be a decimal number such as 0.85, got {value!r}", field=name
            ) from None
    raise ValidationFailed(f"{name} must be a number, got {type(value).__name__}", field=name)
