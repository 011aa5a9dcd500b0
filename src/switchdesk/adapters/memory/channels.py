"""A channel sender for tests: records what it sends, fails when told to."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

from switchdesk.domain.conversations.channels import (
    DeliveryFailed,
    DeliveryStatus,
    OutboundMessage,
    SendResult,
)
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint


@dataclass(frozen=True, slots=True)
class SentMessage:
    message: OutboundMessage
    endpoint: ChannelEndpoint
    external_id: str


class FakeSender:
    """A ``ChannelSender`` of ``kind`` that keeps every accepted message in ``sent`` and
    answers ``fake-<kind>-<n>`` ids. ``fail_next`` queues failures, consumed one per send
    (a failed attempt is recorded in ``attempts`` only)."""

    def __init__(self, kind: ChannelKind, *, prefix: str | None = None) -> None:
        self.kind = kind
        self.sent: list[SentMessage] = []
        self.attempts: list[OutboundMessage] = []
        self._failures: deque[DeliveryFailed] = deque()
        self._ids = itertools.count(1)
        self._prefix = prefix or f"fake-{kind.value}"

    def fail_next(
        self,
        *,
        permanent: bool,
        detail: str = "refused by the fake provider",
        code: str = "delivery_failed",
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._failures.append(DeliveryFailed(detail, permanent=permanent, code=code))

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        self.attempts.append(message)
        if self._failures:
            raise self._failures.popleft()
        external_id = f"{self._prefix}-{next(self._ids)}"
        self.sent.append(SentMessage(message, endpoint, external_id))
        return SendResult(external_id, DeliveryStatus.SENT)

    def texts(self) -> list[str]:
        return [s.message.text for s in self.sent]
