"""What the command modules (``configuration.py``, ``customers.py``, ``desk.py``,
``follow_ups.py``) use of the live center: :class:`CommandCore`, the views' and the
intake's parts plus the writer and the engine runner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from switchdesk.domain.conversations.model import AgentProfile, Channel, QueueSettings
from switchdesk.domain.routing import RoutingEvent
from switchdesk.usecases.live.intake import IntakeCore
from switchdesk.usecases.live.views import ViewCore
from switchdesk.usecases.live.writer import CommandWriter, Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork


def at_time(now: float) -> datetime:
    """The batch's time (seconds) as an aware datetime."""
    return datetime.fromtimestamp(now, UTC)


class CommandCore(ViewCore, IntakeCore, Protocol):
    """The parts of the live center that command handlers use."""

    @property
    def writer(self) -> CommandWriter: ...
    @property
    def queue_map(self) -> dict[str, QueueSettings]: ...
    @property
    def channel_map(self) -> dict[str, Channel]: ...
    @property
    def profiles(self) -> dict[str, AgentProfile]: ...
    @property
    def names(self) -> dict[str, str]: ...
    def route(
        self,
        uow: LiveUnitOfWork,
        now: float,
        out: Outbox,
        action: Callable[[float], list[RoutingEvent]],
    ) -> None: ...
    def forget_interaction(self, interaction_id: str) -> None: ...
