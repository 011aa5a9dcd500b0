"""What a webhook parser returns: the valid items, and how many it skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from switchdesk.domain.conversations.channels import InboundItem


class ParsedItems(list[InboundItem]):
    """A list of the valid items in a webhook payload. ``skipped`` counts the entries that
    were malformed or for a channel we do not know (they are dropped, never raised on);
    ``reasons`` says why, one short string per skipped entry (never payload content)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0
        self.reasons: list[str] = []

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons.append(reason)


def epoch(value: Any, *, millis: bool = False) -> datetime | None:
    """A provider timestamp (seconds or milliseconds since the epoch, int or string)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    try:
        return datetime.fromtimestamp(number / 1000 if millis else number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
