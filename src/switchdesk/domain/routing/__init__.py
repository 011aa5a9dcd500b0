"""The routing engine (ACD): who gets which interaction, when, and why.

Pure domain code: no IO, no clock, no asyncio. Time comes in as ``now``, a float of
seconds since an epoch chosen by the caller (it must not go backwards); timers go out as
deadlines: ``next_deadline()`` says when to call ``advance(now)``. The same engine runs
live in the server and inside the discrete-event simulator.

Commands do not fire due timers themselves: call ``advance(now)`` before a command at
``now``, as the server and the simulator do. A command that raises changes nothing.

Public API (all commands return ``list[RoutingEvent]``, the events they produced, in
order)::

    engine = RoutingEngine(RoutingSettings(max_missed_offers=3, resume_window_seconds=60))
    engine.configure_queue(QueueConfig(...), now)
    engine.configure_workflow(WorkflowConfig(...), now)
    engine.register_agent(agent_id, now, attributes={...}, capacity=CapacityProfile(...),
                          presence=Presence.OFFLINE)
    engine.update_agent_attributes(agent_id, attributes, now)
    engine.set_capacity(agent_id, CapacityProfile(...), now)
    engine.set_presence(agent_id, Presence.AVAILABLE | "not_ready" | ..., now, reason=None)
    engine.end_after_contact_work(agent_id, now, interaction_id=None)
    engine.reset_daily_counters(now)
    engine.enqueue(interaction_id, now, channel_kind="voice", queue_id=... | workflow_id=...,
                   attributes={...}, priority=0, contact_id=None, preferred_agent_id=None)
    engine.accept(offer_id, now) / engine.decline(offer_id, now)
    engine.complete(interaction_id, now, after_contact_work_seconds=None)
    engine.abandon(interaction_id, now) / engine.cancel(interaction_id, now)
    engine.transfer_to_queue(interaction_id, queue_id, now, priority=None)
    engine.transfer_to_agent(interaction_id, agent_id, now, queue_id=None, priority=None)
    engine.transfer_out(interaction_id, destination, now)
    engine.request_callback(interaction_id, now, channel_kind="callback")
    engine.next_deadline() -> float | None
    engine.advance(now)
    engine.explain(interaction_id, now=None) -> Explanation
    engine.agent_status(agent_id) / engine.interaction_status(interaction_id) -> dict
    engine.waiting(queue_id) -> list[str]; engine.position(interaction_id) -> int
    engine.snapshot() -> dict; RoutingEngine.from_snapshot(data); engine.apply(event)

Offers come out as ``OfferMade`` events (``offer_id``, ``agent_id``, ``expires_at``).
Errors: ConfigurationError (bad config or expression, with the position), NotFound,
Conflict (e.g. accepting an offer that is gone), ValidationFailed.
"""

from switchdesk.domain.routing.engine import RoutingEngine
from switchdesk.domain.routing.events import (
    EVENT_TYPES,
    AfterContactWorkEnded,
    AfterContactWorkStarted,
    AgentActivityChanged,
    AgentAttributesChanged,
    AgentBackOffEnded,
    AgentCapacityChanged,
    AgentConnectionLost,
    AgentDisconnected,
    AgentPresenceChanged,
    AgentReconnected,
    AgentRegistered,
    CallbackRequested,
    ContactDeparted,
    ContactDisconnected,
    ContactReconnected,
    DailyCountersReset,
    InteractionAbandoned,
    InteractionCancelled,
    InteractionCompleted,
    InteractionEnqueued,
    InteractionMovedToTarget,
    InteractionOverflowed,
    InteractionTransferred,
    InteractionTransferredOut,
    OfferAccepted,
    OfferCancelled,
    OfferDeclined,
    OfferExpired,
    OfferMade,
    OfferRescinded,
    QueueConfigured,
    QueueRemoved,
    RingProgressStopped,
    RoutingEvent,
    WorkflowConfigured,
    event_from_dict,
    event_to_dict,
    wire_name,
)
from switchdesk.domain.routing.explain import CandidateExplanation, Explanation
from switchdesk.domain.routing.expressions import (
    AttributeSchema,
    CompiledExpression,
    check_attributes,
    compile_expression,
)
from switchdesk.domain.routing.model import (
    DEFAULT_CAPACITY,
    Activity,
    AgentPreference,
    CapacityProfile,
    Filter,
    Level,
    Presence,
    QueueConfig,
    RoutingSettings,
    SkipIf,
    Strategy,
    Target,
    WorkflowConfig,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "EVENT_TYPES",
    "Activity",
    "AfterContactWorkEnded",
    "AfterContactWorkStarted",
    "AgentActivityChanged",
    "AgentAttributesChanged",
    "AgentBackOffEnded",
    "AgentCapacityChanged",
    "AgentConnectionLost",
    "AgentDisconnected",
    "AgentPreference",
    "AgentPresenceChanged",
    "AgentReconnected",
    "AgentRegistered",
    "AttributeSchema",
    "CallbackRequested",
    "CandidateExplanation",
    "CapacityProfile",
    "CompiledExpression",
    "ContactDeparted",
    "ContactDisconnected",
    "ContactReconnected",
    "DailyCountersReset",
    "Explanation",
    "Filter",
    "InteractionAbandoned",
    "InteractionCancelled",
    "InteractionCompleted",
    "InteractionEnqueued",
    "InteractionMovedToTarget",
    "InteractionOverflowed",
    "InteractionTransferred",
    "InteractionTransferredOut",
    "Level",
    "OfferAccepted",
    "OfferCancelled",
    "OfferDeclined",
    "OfferExpired",
    "OfferMade",
    "OfferRescinded",
    "Presence",
    "QueueConfig",
    "QueueConfigured",
    "QueueRemoved",
    "RingProgressStopped",
    "RoutingEngine",
    "RoutingEvent",
    "RoutingSettings",
    "SkipIf",
    "Strategy",
    "Target",
    "WorkflowConfig",
    "WorkflowConfigured",
    "check_attributes",
    "compile_expression",
    "event_from_dict",
    "event_to_dict",
    "wire_name",
]
