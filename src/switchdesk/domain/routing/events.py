"""Events of the routing engine: one frozen dataclass per kind of change.

Every change the engine makes is one of these events, and the engine changes its state
*only* by applying events (``RoutingEngine.apply``), so a snapshot plus the events after
it rebuilds the same engine. Event names are past tense; the wire name of an event is the
snake_case of its class name (``OfferAccepted`` -> ``offer_accepted``), see
:func:`wire_name`. ``at`` is the engine time (float seconds) of the change. Field values
are JSON-able (str, int, float, bool, None, lists and dicts of those).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "EVENT_TYPES",
    "AfterContactWorkEnded",
    "AfterContactWorkStarted",
    "AgentActivityChanged",
    "AgentAttributesChanged",
    "AgentBackOffEnded",
    "AgentCapacityChanged",
    "AgentConnectionLost",
    "AgentDisconnected",
    "AgentPresenceChanged",
    "AgentReconnected",
    "AgentRegistered",
    "CallbackRequested",
    "ContactDeparted",
    "ContactDisconnected",
    "ContactReconnected",
    "DailyCountersReset",
    "InteractionAbandoned",
    "InteractionCancelled",
    "InteractionCompleted",
    "InteractionEnqueued",
    "InteractionMovedToTarget",
    "InteractionOverflowed",
    "InteractionTransferred",
    "InteractionTransferredOut",
    "OfferAccepted",
    "OfferCancelled",
    "OfferDeclined",
    "OfferExpired",
    "OfferMade",
    "OfferRescinded",
    "QueueConfigured",
    "QueueRemoved",
    "RingProgressStopped",
    "RoutingEvent",
    "WorkflowConfigured",
    "event_from_dict",
    "event_to_dict",
    "wire_name",
]


class RoutingEvent:
    """Base of all routing events."""

    __slots__ = ()
    at: float

    @classmethod
    def wire_name(cls) -> str:
        return wire_name(cls)


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def wire_name(event_type: type[RoutingEvent]) -> str:
    """The one rule: snake_case of the class name."""
    return _CAMEL.sub("_", event_type.__name__).lower()


# --- configuration ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueConfigured(RoutingEvent):
    queue: Mapping[str, Any]  # QueueConfig.to_dict()
    at: float


@dataclass(frozen=True, slots=True)
class QueueRemoved(RoutingEvent):
    """A queue taken out of routing (nothing waited in it, nothing pointed at it)."""

    queue_id: str
    at: float


@dataclass(frozen=True, slots=True)
class WorkflowConfigured(RoutingEvent):
    workflow: Mapping[str, Any]  # WorkflowConfig.to_dict()
    at: float


# --- agents ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentRegistered(RoutingEvent):
    agent_id: str
    attributes: Mapping[str, Any]
    capacity: Mapping[str, Any]  # CapacityProfile.to_dict()
    at: float


@dataclass(frozen=True, slots=True)
class AgentAttributesChanged(RoutingEvent):
    agent_id: str
    attributes: Mapping[str, Any]
    at: float


@dataclass(frozen=True, slots=True)
class AgentCapacityChanged(RoutingEvent):
    """A new capacity profile; work in progress keeps going and now counts at the new
    costs (an agent left above its total takes nothing new until below it)."""

    agent_id: str
    capacity: Mapping[str, Any]  # CapacityProfile.to_dict()
    at: float


@dataclass(frozen=True, slots=True)
class AgentPresenceChanged(RoutingEvent):
    agent_id: str
    presence: str  # Presence value
    reason: str | None
    by_system: bool
    at: float


@dataclass(frozen=True, slots=True)
class AgentActivityChanged(RoutingEvent):
    """Derived routing activity changed (informational: applying it changes nothing)."""

    agent_id: str
    activity: str  # Activity value
    at: float


@dataclass(frozen=True, slots=True)
class AgentBackOffEnded(RoutingEvent):
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AfterContactWorkStarted(RoutingEvent):
    agent_id: str
    interaction_id: str
    until: float
    at: float


@dataclass(frozen=True, slots=True)
class AfterContactWorkEnded(RoutingEvent):
    agent_id: str
    interaction_id: str
    early: bool
    at: float


@dataclass(frozen=True, slots=True)
class DailyCountersReset(RoutingEvent):
    at: float


# --- interactions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InteractionEnqueued(RoutingEvent):
    """Entered routing. ``entered_at`` and ``seq`` are its place in line (its age);
    ``resumed`` is true when it took back the place of an abandoned interaction."""

    interaction_id: str
    channel_kind: str
    attributes: Mapping[str, Any]
    priority: int
    contact_id: str | None
    preferred_agent_id: str | None
    workflow_id: str | None
    filter_index: int  # -1: default targets or a direct queue
    target_index: int
    queue_id: str
    target_agent_id: str | None  # the one agent a preferred/last-agent target waits for
    entered_at: float
    seq: int
    resumed: bool
    at: float


@dataclass(frozen=True, slots=True)
class InteractionMovedToTarget(RoutingEvent):
    interaction_id: str
    target_index: int
    queue_id: str
    target_agent_id: str | None
    priority: int
    reason: str  # "timeout" or "skipped"
    at: float


@dataclass(frozen=True, slots=True)
class InteractionOverflowed(RoutingEvent):
    """Waited the queue's max wait; moved to the overflow queue keeping its age."""

    interaction_id: str
    from_queue_id: str
    to_queue_id: str
    at: float


@dataclass(frozen=True, slots=True)
class CallbackRequested(RoutingEvent):
    """The contact asked to be called back; the interaction keeps its place."""

    interaction_id: str
    channel_kind: str
    at: float


@dataclass(frozen=True, slots=True)
class InteractionTransferred(RoutingEvent):
    """Moved to a queue (``to_queue_id``) or to one agent (``to_agent_id``)."""

    interaction_id: str
    from_agent_id: str | None
    to_queue_id: str
    to_agent_id: str | None
    priority: int
    entered_at: float
    seq: int
    at: float


@dataclass(frozen=True, slots=True)
class InteractionCompleted(RoutingEvent):
    interaction_id: str
    agent_id: str
    queue_id: str
    handle_seconds: float
    at: float


@dataclass(frozen=True, slots=True)
class InteractionAbandoned(RoutingEvent):
    interaction_id: str
    queue_id: str
    at: float


@dataclass(frozen=True, slots=True)
class InteractionCancelled(RoutingEvent):
    interaction_id: str
    queue_id: str
    at: float


@dataclass(frozen=True, slots=True)
class InteractionTransferredOut(RoutingEvent):
    """Left the engine (external transfer, voicemail, overflow destination)."""

    interaction_id: str
    from_agent_id: str | None
    queue_id: str
    destination: str
    at: float


# --- offers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferMade(RoutingEvent):
    offer_id: str
    interaction_id: str
    agent_id: str
    queue_id: str
    expires_at: float
    at: float


@dataclass(frozen=True, slots=True)
class OfferAccepted(RoutingEvent):
    """The agent accepted: the interaction is assigned to the agent."""

    offer_id: str
    interaction_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class OfferDeclined(RoutingEvent):
    offer_id: str
    interaction_id: str
    agent_id: str
    backoff_until: float | None
    at: float


@dataclass(frozen=True, slots=True)
class OfferExpired(RoutingEvent):
    offer_id: str
    interaction_id: str
    agent_id: str
    backoff_until: float | None
    at: float


@dataclass(frozen=True, slots=True)
class OfferCancelled(RoutingEvent):
    """The interaction went away (abandoned, cancelled, moved) while offered."""

    offer_id: str
    interaction_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class OfferRescinded(RoutingEvent):
    """Taken back from the agent: another agent accepted first, or the agent left."""

    offer_id: str
    interaction_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class RingProgressStopped(RoutingEvent):
    """Ring progressively found no further agent at a step: the agents already ringing
    keep ringing; no more are added (every timer that fires leaves an event)."""

    interaction_id: str
    at: float


# --- connections: presence and departure follow the sockets, after a grace period -----


@dataclass(frozen=True, slots=True)
class AgentDisconnected(RoutingEvent):
    """The agent's last desk went away (or its heartbeat stopped): unless the agent is
    back by ``due_at``, they leave routing then (:class:`AgentConnectionLost`)."""

    agent_id: str
    due_at: float
    at: float


@dataclass(frozen=True, slots=True)
class AgentReconnected(RoutingEvent):
    """A desk of the agent is back before the grace period ended: nothing changes."""

    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentConnectionLost(RoutingEvent):
    """The grace period ended with no desk open; the presence change follows."""

    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class ContactDisconnected(RoutingEvent):
    """The contact's page went away: unless they are back by ``due_at``, they have left
    (:class:`ContactDeparted`)."""

    interaction_id: str
    due_at: float
    at: float


@dataclass(frozen=True, slots=True)
class ContactReconnected(RoutingEvent):
    """The contact is back; ``departed``: after the grace period (the agent was told)."""

    interaction_id: str
    departed: bool
    at: float


@dataclass(frozen=True, slots=True)
class ContactDeparted(RoutingEvent):
    """The grace period ended with the contact away. ``agent_id``: the agent of an
    assigned interaction (it goes on: the contact may come back); None: it was waiting or
    ringing, and :class:`InteractionAbandoned` follows."""

    interaction_id: str
    agent_id: str | None
    at: float


# --- faster constructors for the events of every interaction's lifecycle ---------------
#
# A frozen dataclass builds through ``object.__setattr__`` once per field. These hand-
# written ``__init__`` methods set the slots through their descriptors instead: twice as
# fast, same fields in the same order (checked below and by the tests), still frozen.


def _setters(cls: type[RoutingEvent]) -> tuple[Any, ...]:
    return tuple(getattr(cls, item.name).__set__ for item in fields(cls))  # type: ignore[arg-type]


def _init_offer_made(
    self: OfferMade,
    offer_id: str,
    interaction_id: str,
    agent_id: str,
    queue_id: str,
    expires_at: float,
    at: float,
    _s: tuple[Any, ...] = _setters(OfferMade),
) -> None:
    _s[0](self, offer_id)
    _s[1](self, interaction_id)
    _s[2](self, agent_id)
    _s[3](self, queue_id)
    _s[4](self, expires_at)
    _s[5](self, at)


def _init_offer_accepted(
    self: OfferAccepted,
    offer_id: str,
    interaction_id: str,
    agent_id: str,
    at: float,
    _s: tuple[Any, ...] = _setters(OfferAccepted),
) -> None:
    _s[0](self, offer_id)
    _s[1](self, interaction_id)
    _s[2](self, agent_id)
    _s[3](self, at)


def _init_agent_activity_changed(
    self: AgentActivityChanged,
    agent_id: str,
    activity: str,
    at: float,
    _s: tuple[Any, ...] = _setters(AgentActivityChanged),
) -> None:
    _s[0](self, agent_id)
    _s[1](self, activity)
    _s[2](self, at)


def _init_interaction_completed(
    self: InteractionCompleted,
    interaction_id: str,
    agent_id: str,
    queue_id: str,
    handle_seconds: float,
    at: float,
    _s: tuple[Any, ...] = _setters(InteractionCompleted),
) -> None:
    _s[0](self, interaction_id)
    _s[1](self, agent_id)
    _s[2](self, queue_id)
    _s[3](self, handle_seconds)
    _s[4](self, at)


def _init_interaction_enqueued(
    self: InteractionEnqueued,
    interaction_id: str,
    channel_kind: str,
    attributes: Mapping[str, Any],
    priority: int,
    contact_id: str | None,
    preferred_agent_id: str | None,
    workflow_id: str | None,
    filter_index: int,
    target_index: int,
    queue_id: str,
    target_agent_id: str | None,
    entered_at: float,
    seq: int,
    resumed: bool,
    at: float,
    _s: tuple[Any, ...] = _setters(InteractionEnqueued),
) -> None:
    _s[0](self, interaction_id)
    _s[1](self, channel_kind)
    _s[2](self, attributes)
    _s[3](self, priority)
    _s[4](self, contact_id)
    _s[5](self, preferred_agent_id)
    _s[6](self, workflow_id)
    _s[7](self, filter_index)
    _s[8](self, target_index)
    _s[9](self, queue_id)
    _s[10](self, target_agent_id)
    _s[11](self, entered_at)
    _s[12](self, seq)
    _s[13](self, resumed)
    _s[14](self, at)


FAST_INIT: dict[type[RoutingEvent], Any] = {
    OfferMade: _init_offer_made,
    OfferAccepted: _init_offer_accepted,
    AgentActivityChanged: _init_agent_activity_changed,
    InteractionCompleted: _init_interaction_completed,
    InteractionEnqueued: _init_interaction_enqueued,
}
for _cls, _init in FAST_INIT.items():
    _names = list(_init.__code__.co_varnames[1 : _init.__code__.co_argcount - 1])
    if _names != [item.name for item in fields(_cls)]:  # type: ignore[arg-type]
        raise TypeError(f"{_cls.__name__}: fast __init__ does not match the fields")
    _cls.__init__ = _init  # type: ignore[method-assign]


EVENT_TYPES: dict[str, type[RoutingEvent]] = {
    wire_name(cls): cls
    for cls in (
        QueueConfigured,
        QueueRemoved,
        WorkflowConfigured,
        AgentRegistered,
        AgentAttributesChanged,
        AgentCapacityChanged,
        AgentPresenceChanged,
        AgentActivityChanged,
        AgentBackOffEnded,
        AfterContactWorkStarted,
        AfterContactWorkEnded,
        DailyCountersReset,
        InteractionEnqueued,
        InteractionMovedToTarget,
        InteractionOverflowed,
        CallbackRequested,
        InteractionTransferred,
        InteractionCompleted,
        InteractionAbandoned,
        InteractionCancelled,
        InteractionTransferredOut,
        OfferMade,
        OfferAccepted,
        OfferDeclined,
        OfferExpired,
        OfferCancelled,
        OfferRescinded,
        RingProgressStopped,
        AgentDisconnected,
        AgentReconnected,
        AgentConnectionLost,
        ContactDisconnected,
        ContactReconnected,
        ContactDeparted,
    )
}


def event_to_dict(event: RoutingEvent) -> dict[str, Any]:
    """``{"type": wire name, **fields}``."""
    data: dict[str, Any] = {"type": wire_name(type(event))}
    for item in fields(event):  # type: ignore[arg-type]
        data[item.name] = getattr(event, item.name)
    return data


def event_from_dict(data: Mapping[str, Any]) -> RoutingEvent:
    values = dict(data)
    event_type = EVENT_TYPES[values.pop("type")]
    return event_type(**values)
