"""Presence and departure follow the sockets: who has a desk open, which customer has
their chat page open, and what the engine is told when the last one goes or comes back.

The counts are this process's (each socket adds one while it is open). When an agent's
last desk closes, or a customer's last page of a chat, the engine starts a timer of the
grace period (``RoutingEngine.agent_disconnected`` / ``contact_disconnected``); a socket
back before it falls due drops it. The timers are the engine's, written as events, so a
server killed meanwhile fires them at their due time once it is back. After a restart
no socket is open: every agent who is not offline gets the grace period to come back
(``start_timers``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from switchdesk.domain.conversations.model import Conversation, ConversationState
from switchdesk.domain.errors import NotFound
from switchdesk.domain.routing import (
    ContactDeparted,
    ContactReconnected,
    Presence,
    RoutingEngine,
    RoutingEvent,
)
from switchdesk.usecases.live.conversations import add_timeline, move
from switchdesk.usecases.live.writer import CommandWriter, Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork

WEB_CHAT = "chat"
"""The routing kind of web chat conversations: the only ones with a customer's page."""

__all__ = ["ConnectionSettings", "Connections", "contact_away_changed", "contact_departed"]


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """The grace periods of the center (seconds)."""

    agent_grace_seconds: float = 45.0
    """An agent with no desk open this long goes not ready (reason ``disconnected``)."""
    contact_grace_seconds: float = 60.0
    """A customer away from their chat this long has left: a waiting chat is abandoned,
    the agent of an answered one is told (and told again if they come back)."""


class ConnectionCore(Protocol):
    """The parts of the live center that connections use."""

    @property
    def engine(self) -> RoutingEngine: ...
    @property
    def writer(self) -> CommandWriter: ...
    def route(
        self,
        uow: LiveUnitOfWork,
        now: float,
        out: Outbox,
        action: Callable[[float], list[RoutingEvent]],
    ) -> None: ...


class Connections:
    """Open sockets per agent and per conversation, and the engine commands they cause."""

    def __init__(self, settings: ConnectionSettings | None = None) -> None:
        self.settings = settings or ConnectionSettings()
        self._lock = threading.Lock()
        self._desks: Counter[str] = Counter()
        self._pages: Counter[str] = Counter()

    def desks_open(self, agent_id: str) -> int:
        with self._lock:
            return self._desks[agent_id]

    def pages_open(self, conversation_id: str) -> int:
        with self._lock:
            return self._pages[conversation_id]

    def desk_opened(self, core: ConnectionCore, agent_id: str) -> Future[None]:
        with self._lock:
            self._desks[agent_id] += 1

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            if self.desks_open(agent_id):
                _quietly(core, uow, now, out, lambda t: core.engine.agent_connected(agent_id, t))

        return core.writer.submit(body)

    def desk_closed(self, core: ConnectionCore, agent_id: str) -> Future[None]:
        with self._lock:
            self._desks[agent_id] -= 1
            if self._desks[agent_id] <= 0:
                del self._desks[agent_id]
        grace = self.settings.agent_grace_seconds

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            if not self.desks_open(agent_id):
                _quietly(
                    core,
                    uow,
                    now,
                    out,
                    lambda t: core.engine.agent_disconnected(agent_id, t, grace),
                )

        return core.writer.submit(body)

    def page_opened(self, core: ConnectionCore, conversation_id: str) -> Future[None]:
        with self._lock:
            self._pages[conversation_id] += 1

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            ix = _interaction_of(uow, conversation_id)
            if ix and self.pages_open(conversation_id):
                _quietly(core, uow, now, out, lambda t: core.engine.contact_connected(ix, t))

        return core.writer.submit(body)

    def page_closed(self, core: ConnectionCore, conversation_id: str) -> Future[None]:
        with self._lock:
            self._pages[conversation_id] -= 1
            if self._pages[conversation_id] <= 0:
                del self._pages[conversation_id]
        grace = self.settings.contact_grace_seconds

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            ix = _interaction_of(uow, conversation_id)
            if ix and not self.pages_open(conversation_id):
                _quietly(
                    core, uow, now, out, lambda t: core.engine.contact_disconnected(ix, t, grace)
                )

        return core.writer.submit(body)

    def start_timers(self, core: ConnectionCore) -> Future[None]:
        """After a start no socket is open: agents who are not offline, and web chat
        customers whose chat is in routing, get the grace period to come back (those
        with a timer already keep it)."""
        agent_grace = self.settings.agent_grace_seconds
        contact_grace = self.settings.contact_grace_seconds

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            engine = core.engine
            away = engine.disconnected_agents()
            for agent_id in engine.agent_ids():
                if agent_id in away or self.desks_open(agent_id):
                    continue
                if engine.agent_status(agent_id)["presence"] != Presence.OFFLINE.value:
                    core.route(
                        uow,
                        now,
                        out,
                        partial(engine.agent_disconnected, agent_id, grace_seconds=agent_grace),
                    )
            routed = set(engine.interaction_ids())
            for conv in uow.open_conversations():
                ix = conv.interaction_id
                if not ix or ix not in routed or conv.channel_kind != WEB_CHAT:
                    continue
                if self.pages_open(conv.id):
                    continue
                core.route(
                    uow,
                    now,
                    out,
                    partial(engine.contact_disconnected, ix, grace_seconds=contact_grace),
                )

        return core.writer.submit(body)


def _interaction_of(uow: LiveUnitOfWork, conversation_id: str) -> str | None:
    conv = uow.conversation(conversation_id)
    return conv.interaction_id if conv is not None else None


def _quietly(
    core: ConnectionCore,
    uow: LiveUnitOfWork,
    now: float,
    out: Outbox,
    action: Callable[[float], list[RoutingEvent]],
) -> None:
    """Run the engine command; an agent or interaction no longer in routing (a chat that
    ended, a profile removed) is nothing to follow. The engine refuses before it emits."""
    try:
        core.route(uow, now, out, action)
    except NotFound:
        return


def _at(event: RoutingEvent) -> datetime:
    return datetime.fromtimestamp(event.at, UTC)


class DepartureCore(Protocol):
    """What the reactions to departures use."""

    def forget_interaction(self, interaction_id: str) -> None: ...


def contact_departed(
    c: DepartureCore, uow: LiveUnitOfWork, e: ContactDeparted, conv: Conversation, out: Outbox
) -> None:
    """The customer stayed away past the grace period. Waiting: the interaction was
    abandoned (the event before this one); the chat ends, unanswered. Answered: the agent
    is told; the chat goes on."""
    at = _at(e)
    if e.agent_id is None:
        if conv.state is not ConversationState.RESOLVED:
            uow.save_conversation(move(conv, ConversationState.RESOLVED, at, resolved_at=at))
        add_timeline(uow, conv, at, "contact_departed", "system", answered=False)
        c.forget_interaction(e.interaction_id)
        out.send(f"conversation:{conv.id}", {"type": "ended", "by": "contact", "rateable": False})
        return
    add_timeline(uow, conv, at, "contact_departed", "system", answered=True)
    out.send(
        f"agent:{e.agent_id}",
        {"type": "contact_away", "conversation_id": conv.id, "away": True},
    )


def contact_away_changed(
    c: DepartureCore, uow: LiveUnitOfWork, e: ContactReconnected, conv: Conversation, out: Outbox
) -> None:
    """The customer is back; the agent was told they had left, so they are told again."""
    if not e.departed:
        return
    add_timeline(uow, conv, _at(e), "contact_returned", "contact")
    if conv.agent_id:
        out.send(
            f"agent:{conv.agent_id}",
            {"type": "contact_away", "conversation_id": conv.id, "away": False},
        )
