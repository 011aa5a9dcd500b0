"""Checks on the arguments of the queueing formulas, with messages that name the argument."""

from __future__ import annotations

import math

from switchdesk.domain.errors import ValidationFailed


def check_agents(agents: int, *, minimum: int = 0) -> int:
    """Return ``agents`` if it is a whole number at least ``minimum``."""
    if isinstance(agents, bool) or not isinstance(agents, int):
        raise ValidationFailed(f"agents must be a whole number, got {agents!r}", field="agents")
    if agents < minimum:
        raise ValidationFailed(f"agents must be at least {minimum}, got {agents}", field="agents")
    return agents


def check_finite(value: float, *, name: str, minimum: float = 0.0, inclusive: bool = True) -> float:
    """Return ``value`` as a float if it is finite and above (or at) ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{name} must be a number, got {value!r}", field=name)
    number = float(value)
    if not math.isfinite(number):
        raise ValidationFailed(f"{name} must be a finite number, got {value!r}", field=name)
    if number < minimum or (not inclusive and number == minimum):
        relation = "at least" if inclusive else "greater than"
        raise ValidationFailed(f"{name} must be {relation} {minimum:g}, got {value!r}", field=name)
    return number


def check_probability(value: float, *, name: str) -> float:
    """Return ``value`` if it lies in [0, 1]."""
    number = check_finite(value, name=name)
    if number > 1.0:
        raise ValidationFailed(f"{name} must be between 0 and 1, got {value!r}", field=name)
    return number
