"""Outbound delivery: the queue of messages the core has committed to send, sent by each
channel's sender after the commit, retried with backoff, and moved by status reports.

A reply is written to the queue in the same transaction as the message itself, so a crash
between the commit and the send loses nothing: the dispatcher finds the delivery due and
sends it (a sender that can pass an idempotency key passes ``delivery_id``). Temporary
failures wait ``BACKOFF_SECONDS`` (then the last step, repeatedly) up to ``MAX_ATTEMPTS``;
permanent failures and exhausted retries end as ``failed`` with the reason, shown in the
desk. Status reports only move a delivery forward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from switchdesk.domain.conversations.channels import (
    DeliveryFailed,
    DeliveryStatus,
    OutboundMessage,
    StatusReport,
    advance,
)
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint, ChannelSender
from switchdesk.usecases.ports import Clock

BACKOFF_SECONDS = (10.0, 60.0, 300.0, 1800.0, 3600.0)
MAX_ATTEMPTS = 12
"""About seven and a half hours of retries before a delivery is given up."""
BATCH = 50


@dataclass(frozen=True, slots=True)
class Delivery:
    message: OutboundMessage
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    external_id: str | None = None
    error: str = ""
    error_code: str = ""
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.message.delivery_id

    @property
    def pending(self) -> bool:
        return self.status is DeliveryStatus.QUEUED


class DeliveryStore(Protocol):
    """Where deliveries wait and what became of them (one short transaction per call)."""

    def add(self, delivery: Delivery) -> None: ...
    def get(self, delivery_id: str) -> Delivery | None: ...
    def due(self, now: datetime, limit: int) -> Sequence[Delivery]:
        """Queued deliveries whose next attempt is due, oldest first."""
        ...

    def save(self, delivery: Delivery) -> None: ...
    def by_external_id(self, channel_id: str, external_id: str) -> Delivery | None: ...


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1-based)."""
    step = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=step)


class Dispatcher:
    def __init__(
        self,
        store: DeliveryStore,
        senders: Mapping[ChannelKind, ChannelSender],
        endpoint: Callable[[str], ChannelEndpoint | None],
        clock: Clock,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        refuse: Callable[[OutboundMessage], tuple[str, str] | None] | None = None,
        changed: Callable[[Delivery], None] | None = None,
    ) -> None:
        """``refuse`` is asked just before each send (the contact may have opted out or
        the address bounced since the message was queued): ``(code, text)`` fails the
        delivery permanently with that code, unsent. ``changed`` hears every delivery
        an attempt or a status report moved, after it is saved (the desk shows it)."""
        self._store = store
        self._senders = senders
        self._endpoint = endpoint
        self._clock = clock
        self._max_attempts = max_attempts
        self._refuse = refuse
        self._changed = changed

    def run_due(self, limit: int = BATCH) -> list[Delivery]:
        """Attempt every due delivery once; returns them as they ended up."""
        now = self._clock.now()
        return [self.attempt(d) for d in self._store.due(now, limit)]

    def attempt(self, delivery: Delivery) -> Delivery:
        now = self._clock.now()
        endpoint = self._endpoint(delivery.message.channel_id)
        sender = self._senders.get(endpoint.channel.kind) if endpoint else None
        refused = self._refuse(delivery.message) if self._refuse is not None else None
        if endpoint is None or sender is None:
            outcome = self._failed(
                delivery, now, "the channel is gone or disabled", "channel_unavailable"
            )
        elif refused is not None:
            code, detail = refused
            outcome = self._failed(delivery, now, detail, code)
        else:
            try:
                result = sender.send(delivery.message, endpoint)
            except DeliveryFailed as exc:
                attempts = delivery.attempts + 1
                if exc.permanent or attempts >= self._max_attempts:
                    outcome = self._failed(
                        replace(delivery, attempts=attempts), now, exc.detail, exc.code
                    )
                else:
                    outcome = replace(
                        delivery,
                        attempts=attempts,
                        next_attempt_at=now + backoff(attempts),
                        error=exc.detail,
                        error_code=exc.code,
                        updated_at=now,
                    )
            else:
                outcome = replace(
                    delivery,
                    attempts=delivery.attempts + 1,
                    status=advance(delivery.status, result.status),
                    external_id=result.external_id,
                    error="",
                    error_code="",
                    updated_at=now,
                )
        self._store.save(outcome)
        self._tell(outcome)
        return outcome

    def _tell(self, delivery: Delivery) -> None:
        if self._changed is not None:
            self._changed(delivery)

    @staticmethod
    def _failed(delivery: Delivery, now: datetime, detail: str, code: str) -> Delivery:
        return replace(
            delivery, status=DeliveryStatus.FAILED, error=detail, error_code=code, updated_at=now
        )

    def apply_status(self, report: StatusReport) -> Delivery | None:
        """Move the delivery a provider reports on, forward only; None if unknown."""
        delivery = self._store.by_external_id(report.channel_id, report.external_id)
        if delivery is None:
            return None
        status = advance(delivery.status, report.status)
        if status is delivery.status:
            return delivery
        moved = replace(
            delivery,
            status=status,
            error=report.error if status is DeliveryStatus.FAILED else delivery.error,
            updated_at=report.at,
        )
        self._store.save(moved)
        self._tell(moved)
        return moved
