"""The in-memory fake of the delivery queue (passes the same contract tests as SQL)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from switchdesk.usecases.deliveries import Delivery


class MemoryDeliveryStore:
    def __init__(self) -> None:
        self._rows: dict[str, Delivery] = {}
        self._lock = threading.Lock()

    def add(self, delivery: Delivery) -> None:
        with self._lock:
            if delivery.id in self._rows:
                raise ValueError(f"delivery {delivery.id!r} exists")
            self._rows[delivery.id] = delivery

    def get(self, delivery_id: str) -> Delivery | None:
        return self._rows.get(delivery_id)

    def due(self, now: datetime, limit: int) -> Sequence[Delivery]:
        with self._lock:
            due = [d for d in self._rows.values() if d.pending and d.next_attempt_at <= now]
        return sorted(due, key=lambda d: (d.created_at, d.id))[:limit]

    def save(self, delivery: Delivery) -> None:
        with self._lock:
            self._rows[delivery.id] = delivery

    def by_external_id(self, channel_id: str, external_id: str) -> Delivery | None:
        return next(
            (
                d
                for d in list(self._rows.values())
                if d.message.channel_id == channel_id and d.external_id == external_id
            ),
            None,
        )
