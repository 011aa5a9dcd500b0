"""Outbound deliveries: sent after the commit, retried with backoff on temporary failures,
given up on permanent ones, moved forward only by status reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from switchdesk.adapters.memory.deliveries import MemoryDeliveryStore
from switchdesk.domain.conversations.channels import (
    DeliveryFailed,
    DeliveryStatus,
    OutboundMessage,
    SendResult,
    StatusReport,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint
from switchdesk.usecases.deliveries import (
    BACKOFF_SECONDS,
    Delivery,
    Dispatcher,
    backoff,
)

S = DeliveryStatus
CHANNEL = Channel("wa", "wa", "WhatsApp", ChannelKind.WHATSAPP, "north", "q", address="123")


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@dataclass
class ScriptedSender:
    """Fails as told, then succeeds; records every attempt."""

    failures: list[DeliveryFailed] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    kind: ChannelKind = ChannelKind.WHATSAPP

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        self.sent.append(message.delivery_id)
        if self.failures:
            raise self.failures.pop(0)
        return SendResult(f"wamid.{message.delivery_id}")


def setup(sender: ScriptedSender) -> tuple[Dispatcher, MemoryDeliveryStore, Clock]:
    store, clock = MemoryDeliveryStore(), Clock()
    dispatcher = Dispatcher(
        store,
        {ChannelKind.WHATSAPP: sender},
        lambda cid: ChannelEndpoint(CHANNEL) if cid == "wa" else None,
        clock,
        max_attempts=4,
    )
    return dispatcher, store, clock


def queue(
    store: MemoryDeliveryStore, clock: Clock, delivery_id: str = "d1", channel: str = "wa"
) -> None:
    message = OutboundMessage(
        delivery_id, "m1", "c1", channel, Identity(IdentityKind.WHATSAPP, "447700"), "Ann", "hi"
    )
    store.add(Delivery(message, clock.at, clock.at))


def test_a_due_delivery_is_sent_and_keeps_the_providers_id() -> None:
    sender = ScriptedSender()
    dispatcher, store, clock = setup(sender)
    queue(store, clock)
    [done] = dispatcher.run_due()
    assert (done.status, done.external_id, done.attempts) == (S.SENT, "wamid.d1", 1)
    assert dispatcher.run_due() == []  # sent once, not again
    assert sender.sent == ["d1"]


def test_a_temporary_failure_waits_the_backoff_then_succeeds() -> None:
    sender = ScriptedSender([DeliveryFailed("provider 503", permanent=False)])
    dispatcher, store, clock = setup(sender)
    queue(store, clock)
    [first] = dispatcher.run_due()
    assert (first.status, first.attempts, first.error) == (S.QUEUED, 1, "provider 503")
    assert first.next_attempt_at == clock.at + timedelta(seconds=BACKOFF_SECONDS[0])
    clock.at += timedelta(seconds=BACKOFF_SECONDS[0] - 1)
    assert dispatcher.run_due() == []  # not yet
    clock.at += timedelta(seconds=1)
    [second] = dispatcher.run_due()
    assert (second.status, second.attempts, second.error) == (S.SENT, 2, "")


def test_a_permanent_failure_ends_at_once_with_its_reason() -> None:
    refusal = DeliveryFailed("outside the 24-hour window", permanent=True, code="window_closed")
    dispatcher, store, clock = setup(ScriptedSender([refusal]))
    queue(store, clock)
    [done] = dispatcher.run_due()
    assert (done.status, done.error_code) == (S.FAILED, "window_closed")
    clock.at += timedelta(days=1)
    assert dispatcher.run_due() == []


def test_retries_are_given_up_after_the_last_attempt() -> None:
    sender = ScriptedSender([DeliveryFailed("timeout", permanent=False) for _ in range(10)])
    dispatcher, store, clock = setup(sender)
    queue(store, clock)
    for _ in range(10):
        clock.at += timedelta(hours=2)
        dispatcher.run_due()
    assert len(sender.sent) == 4
    assert (got := store.get("d1")) is not None and got.status is S.FAILED


def test_a_delivery_to_a_removed_channel_fails_clearly_instead_of_waiting_forever() -> None:
    dispatcher, store, clock = setup(ScriptedSender())
    queue(store, clock, channel="gone")
    [done] = dispatcher.run_due()
    assert (done.status, done.error_code) == (S.FAILED, "channel_unavailable")


def test_status_reports_move_forward_only_and_unknown_ids_are_ignored() -> None:
    dispatcher, store, clock = setup(ScriptedSender())
    queue(store, clock)
    dispatcher.run_due()
    at = clock.at
    read = dispatcher.apply_status(StatusReport("wa", "wamid.d1", S.READ, at))
    late = dispatcher.apply_status(StatusReport("wa", "wamid.d1", S.DELIVERED, at))
    assert read is not None and late is not None and late.status is S.READ
    assert dispatcher.apply_status(StatusReport("wa", "wamid.other", S.READ, at)) is None


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 10), (2, 60), (5, 3600), (9, 3600)])
def test_backoff_grows_then_stays_at_its_last_step(attempts: int, seconds: float) -> None:
    assert backoff(attempts) == timedelta(seconds=seconds)


def test_a_delivery_refused_at_send_time_fails_for_good_without_reaching_the_sender() -> None:
    sender = ScriptedSender()
    store, clock = MemoryDeliveryStore(), Clock()
    asked: list[str] = []

    def refuse(message: OutboundMessage) -> tuple[str, str] | None:
        asked.append(message.delivery_id)
        return ("contact_opted_out", "opted out") if message.delivery_id == "d1" else None

    dispatcher = Dispatcher(
        store,
        {ChannelKind.WHATSAPP: sender},
        lambda cid: ChannelEndpoint(CHANNEL),
        clock,
        refuse=refuse,
    )
    queue(store, clock, "d1")
    queue(store, clock, "d2")
    done = {d.id: d for d in dispatcher.run_due()}
    assert (done["d1"].status, done["d1"].error_code, done["d1"].attempts) == (
        S.FAILED,
        "contact_opted_out",
        0,
    )
    assert done["d2"].status is S.SENT
    assert sender.sent == ["d2"] and asked == ["d1", "d2"]
    assert dispatcher.run_due() == []
