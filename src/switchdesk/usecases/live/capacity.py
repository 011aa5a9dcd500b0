"""An agent's weighted capacity as the API gives it, checked number by number."""

from __future__ import annotations

from typing import Any

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.routing import CapacityProfile

DEFAULT_CAPACITY_PROFILE: dict[str, Any] = {
    "total": 100,
    "costs": {"voice": 100, "chat": 33, "email": 20, "messaging": 25, "task": 20},
    "maximum": {"chat": 3},
}


def parse_capacity(data: dict[str, Any] | None) -> CapacityProfile:
    """A weighted capacity from the API's shape, every number checked (none left to chance)."""
    if data is None:
        data = DEFAULT_CAPACITY_PROFILE
    if not isinstance(data, dict) or not set(data) <= {"total", "costs", "maximum"}:
        raise ValidationFailed(
            "capacity has a total and optional costs and maximum per channel kind",
            code="capacity_invalid",
        )
    total = data.get("total")
    if isinstance(total, bool) or not isinstance(total, int) or not 1 <= total <= 10_000:
        raise ValidationFailed("capacity total is an integer 1 to 10000", code="capacity_invalid")
    checked: dict[str, dict[str, int]] = {}
    for part, word, top in (("costs", "cost", total), ("maximum", "maximum", 1000)):
        values = data.get(part)
        values = {} if values is None else values
        if not isinstance(values, dict):
            raise ValidationFailed(
                f"capacity {part} maps channel kinds to numbers", code="capacity_invalid"
            )
        for kind, value in values.items():
            if not kind or len(kind) > 32:
                raise ValidationFailed(
                    "a channel kind has 1 to 32 characters", code="capacity_invalid"
                )
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise ValidationFailed(
                    f"{word} of {kind!r} is an integer 1 to {top}", code="capacity_invalid"
                )
        checked[part] = dict(values)
    return CapacityProfile(total, checked["costs"], checked["maximum"])
