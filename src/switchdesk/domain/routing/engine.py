"""The routing engine (ACD): one in-memory, indexed state machine per workspace.

See the package docstring (``switchdesk.domain.routing``) and ``docs/routing.md`` for the
public API. Internals in short:

- Commands (public methods) decide and change state *only* by emitting events (``_emit``
  appends the event to the output and applies it). They do not fire due timers: the
  caller calls ``advance(now)`` first. A command that raises has emitted nothing.
  ``apply`` is the same code path without decisions, used to rebuild an engine from a
  snapshot plus the events after it.
- Decisions use indexes (see ``queues.py``): an arriving interaction looks at the top of
  its queue's heap of routable agents; an agent who frees up looks at the head of each lane
  it may serve in its queues. Both are O(log n) per decision, plus a walk of the agent heap
  only for lanes with a level limit or an extra target expression.
- Timers are deadlines in a :class:`DeadlineQueue` (FIFO runs for "now plus a configured
  duration", a heap for the rest); ``next_deadline()`` tells the caller when to call
  ``advance(now)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from heapq import heappop, heappush, heapreplace
from typing import Any

from switchdesk.domain.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from switchdesk.domain.routing.agents import Agent
from switchdesk.domain.routing.events import (
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
)
from switchdesk.domain.routing.explain import Explanation, explain_interaction
from switchdesk.domain.routing.expressions import CompiledExpression, compile_expression
from switchdesk.domain.routing.interactions import Interaction, InteractionState, Offer
from switchdesk.domain.routing.model import (
    DEFAULT_CAPACITY,
    Activity,
    AgentPreference,
    CapacityProfile,
    Presence,
    QueueConfig,
    RoutingSettings,
    SkipIf,
    Strategy,
    Target,
    WorkflowConfig,
    validate_capacity,
    validate_queue,
    validate_workflow,
)
from switchdesk.domain.routing.queues import AgentEntry, Lane, QueueRuntime
from switchdesk.domain.routing.timers import DeadlineQueue

__all__ = ["DISCONNECTED_REASON", "RoutingEngine"]

_WAITING = InteractionState.WAITING
_OFFERED = InteractionState.OFFERED
_ASSIGNED = InteractionState.ASSIGNED
_AVAILABLE = Presence.AVAILABLE
# Enum members as module constants: ``Enum.MEMBER`` goes through the enum metaclass's
# ``__getattr__`` hook, ten times slower than a global on paths every interaction takes.
_RING_ALL = Strategy.RING_ALL
_STICKY = Strategy.STICKY
_RING_PROGRESSIVE = Strategy.RING_PROGRESSIVE

# Deadline kinds, also their rank when two deadlines fall on the same instant.
_OFFER_EXPIRY = 0
_ACW_END = 1
_BACKOFF_END = 2
_TARGET_TIMEOUT = 3
_MAX_WAIT = 4
_RING_STEP = 5
_CONNECTION_LOST = 6
_CONTACT_DEPARTURE = 7

DISCONNECTED_REASON = "disconnected"
"""The not-ready reason of an agent whose desks stayed away past the grace period."""

Deadline = tuple[float, int, int, Any, int, Any]
_ACTIVITIES = {activity.value: activity for activity in Activity}
_NO_LIMIT = 1 << 30


def _presence(value: Presence | str) -> Presence:
    try:
        return Presence(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Presence)
        raise ValidationFailed(
            f"unknown presence {value!r}; use one of {allowed}", presence=str(value)
        ) from None


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    return value


def _resolve(view: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = view
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


class RoutingEngine:
    """Automatic contact distribution for one workspace. Pure: no IO, no clock.

    ``now`` is always a float of seconds since an epoch the caller chooses (e.g. the
    workspace start, or the Unix epoch); it must not go backwards. Every command returns
    the list of events it produced. Commands do not fire due timers: call
    ``advance(now)`` before a command at ``now`` (``next_deadline()`` says when).
    """

    def __init__(self, settings: RoutingSettings | None = None) -> None:
        self.settings = settings or RoutingSettings()
        self._activity_events = self.settings.activity_events
        self._queues: dict[str, QueueRuntime] = {}
        self._workflows: dict[str, WorkflowConfig] = {}
        self._filters: dict[str, tuple[CompiledExpression, ...]] = {}
        self._expressions: dict[str, CompiledExpression] = {}
        self._direct: dict[str, tuple[Target, ...]] = {}
        self._agents: dict[str, Agent] = {}
        self._profiles: dict[str, CapacityProfile] = {}
        self._by_seq: list[Agent] = []  # agents by registration seq (index entries use it)
        self._interactions: dict[str, Interaction] = {}
        self._offers: dict[str, Offer] = {}
        self._personal: dict[str, dict[tuple[Any, ...], Lane]] = {}
        self._last_served: dict[str, tuple[str, float]] = {}
        self._abandoned: dict[str, dict[str, Any]] = {}
        # Connections: agent id -> when they leave routing unless a desk is back;
        # interaction id -> when its contact has left; interactions whose contact left.
        self._agents_away: dict[str, float] = {}
        self._contacts_away: dict[str, float] = {}
        self._departed: set[str] = set()
        self._next_seq = 0
        self._next_agent_seq = 0
        self._offer_counter = 0
        self._deadlines = DeadlineQueue()
        self._deadline_counter = 0
        self._token = 0
        self._waiting = 0  # interactions filed in lanes, all queues (0: nothing to pick)
        self._now = 0.0
        self._out: list[RoutingEvent] = []
        self._touched: dict[str, Agent] = {}
        self._appliers: dict[type[RoutingEvent], Callable[[Any], None]] = {
            QueueConfigured: self._apply_queue_configured,
            QueueRemoved: self._apply_queue_removed,
            WorkflowConfigured: self._apply_workflow_configured,
            AgentRegistered: self._apply_agent_registered,
            AgentAttributesChanged: self._apply_agent_attributes_changed,
            AgentCapacityChanged: self._apply_agent_capacity_changed,
            AgentPresenceChanged: self._apply_agent_presence_changed,
            AgentActivityChanged: self._apply_agent_activity_changed,
            AgentBackOffEnded: self._apply_agent_back_off_ended,
            AfterContactWorkStarted: self._apply_after_contact_work_started,
            AfterContactWorkEnded: self._apply_after_contact_work_ended,
            DailyCountersReset: self._apply_daily_counters_reset,
            InteractionEnqueued: self._apply_interaction_enqueued,
            InteractionMovedToTarget: self._apply_interaction_moved_to_target,
            InteractionOverflowed: self._apply_interaction_overflowed,
            CallbackRequested: self._apply_callback_requested,
            InteractionTransferred: self._apply_interaction_transferred,
            InteractionCompleted: self._apply_interaction_completed,
            InteractionAbandoned: self._apply_interaction_ended,
            InteractionCancelled: self._apply_interaction_ended,
            InteractionTransferredOut: self._apply_interaction_ended,
            OfferMade: self._apply_offer_made,
            OfferAccepted: self._apply_offer_accepted,
            OfferDeclined: self._apply_offer_ended,
            OfferExpired: self._apply_offer_ended,
            OfferCancelled: self._apply_offer_ended,
            OfferRescinded: self._apply_offer_ended,
            RingProgressStopped: self._apply_ring_progress_stopped,
            AgentDisconnected: self._apply_agent_disconnected,
            AgentReconnected: self._apply_agent_reconnected,
            AgentConnectionLost: self._apply_agent_reconnected,
            ContactDisconnected: self._apply_contact_disconnected,
            ContactReconnected: self._apply_contact_reconnected,
            ContactDeparted: self._apply_contact_departed,
        }

    # ------------------------------------------------------------------ configuration

    def configure_queue(self, config: QueueConfig, now: float) -> list[RoutingEvent]:
        """Add or replace a queue. Raises ConfigurationError (nothing changes) if invalid."""
        self._begin(now)
        validate_queue(config)
        QueueRuntime(config, [])  # compiles the expressions: raises with positions
        if config.overflow_queue_id is not None and config.overflow_queue_id not in self._queues:
            raise ConfigurationError(
                f"queue {config.id!r}: unknown overflow queue {config.overflow_queue_id!r}",
                where=f"queue {config.id!r}",
                field="overflow_queue_id",
            )
        self._emit(QueueConfigured(config.to_dict(), now))
        for agent in sorted(self._agents.values(), key=lambda a: a.seq):
            self._dispatch_agent(agent, now)
        return self._finish()

    def queue_dependents(self, queue_id: str) -> dict[str, list[str]]:
        """What still needs the queue: ``interactions`` (ids of the waiting, offered and
        assigned ones in it or with a target in it), ``workflows`` (ids of those with a
        target in it) and ``queues`` (ids of those that overflow to it)."""
        return {
            "interactions": [
                ix.id
                for ix in self._interactions.values()
                if ix.queue_id == queue_id or any(t.queue_id == queue_id for t in ix.targets)
            ],
            "workflows": [
                w.id
                for w in self._workflows.values()
                if any(
                    t.queue_id == queue_id
                    for targets in (w.default_targets, *(f.targets for f in w.filters))
                    for t in targets
                )
            ],
            "queues": [
                q.config.id
                for q in self._queues.values()
                if q.config.overflow_queue_id == queue_id and q.config.id != queue_id
            ],
        }

    def remove_queue(self, queue_id: str, now: float) -> list[RoutingEvent]:
        """Take a queue out of routing. Refused (Conflict, nothing changes) while an
        interaction, a workflow or another queue's overflow still needs it."""
        self._begin(now)
        if queue_id not in self._queues:
            raise NotFound(f"queue {queue_id!r} does not exist", queue_id=queue_id)
        dependents = self.queue_dependents(queue_id)
        if any(dependents.values()):
            named = "; ".join(f"{kind}: {len(ids)}" for kind, ids in dependents.items() if ids)
            raise Conflict(
                f"queue {queue_id!r} is still in use ({named})",
                code="queue_in_use",
                queue_id=queue_id,
            )
        self._emit(QueueRemoved(queue_id, now))
        return self._finish()

    def configure_workflow(self, config: WorkflowConfig, now: float) -> list[RoutingEvent]:
        """Add or replace a workflow. Raises ConfigurationError (nothing changes) if invalid."""
        self._begin(now)
        self._compile_workflow(config)
        self._emit(WorkflowConfigured(config.to_dict(), now))
        return self._finish()

    def _compile_workflow(
        self, config: WorkflowConfig
    ) -> tuple[tuple[CompiledExpression, ...], dict[str, CompiledExpression]]:
        validate_workflow(config, set(self._queues))
        where = f"workflow {config.id!r}"
        filters = tuple(
            compile_expression(f.expression, where=f"{where}, filter {f.name!r}", allow_agent=False)
            for f in config.filters
        )
        expressions: dict[str, CompiledExpression] = {}
        groups = [(f"filter {f.name!r}", f.targets) for f in config.filters]
        groups.append(("default targets", config.default_targets))
        for label, targets in groups:
            for index, target in enumerate(targets):
                if target.expression is not None and target.expression not in expressions:
                    expressions[target.expression] = compile_expression(
                        target.expression, where=f"{where}, {label}, target {index}"
                    )
        return filters, expressions

    # ------------------------------------------------------------------ agents

    def register_agent(
        self,
        agent_id: str,
        now: float,
        *,
        attributes: Mapping[str, Any] | None = None,
        capacity: CapacityProfile | None = None,
        presence: Presence | str = Presence.OFFLINE,
    ) -> list[RoutingEvent]:
        """Add an agent (offline unless ``presence`` says otherwise)."""
        self._begin(now)
        if agent_id in self._agents:
            raise Conflict(f"agent {agent_id!r} is already registered", agent_id=agent_id)
        profile = capacity or DEFAULT_CAPACITY
        validate_capacity(profile, where=f"agent {agent_id!r}")
        initial = _presence(presence)
        self._emit(AgentRegistered(agent_id, dict(attributes or {}), profile.to_dict(), now))
        if initial is not Presence.OFFLINE:
            self._set_presence(self._agents[agent_id], initial, None, False, now)
        return self._finish()

    def update_agent_attributes(
        self, agent_id: str, attributes: Mapping[str, Any], now: float
    ) -> list[RoutingEvent]:
        """Replace the agent's attributes; queue membership is re-evaluated now."""
        self._begin(now)
        agent = self._agent(agent_id)
        self._emit(AgentAttributesChanged(agent_id, dict(attributes), now))
        self._dispatch_agent(agent, now)
        return self._finish()

    def set_capacity(
        self, agent_id: str, capacity: CapacityProfile, now: float
    ) -> list[RoutingEvent]:
        """Replace the agent's capacity profile. Offers and contacts in progress stay and
        count at the new costs; freed capacity is offered work at once."""
        self._begin(now)
        agent = self._agent(agent_id)
        validate_capacity(capacity, where=f"agent {agent_id!r}")
        self._emit(AgentCapacityChanged(agent_id, capacity.to_dict(), now))
        self._dispatch_agent(agent, now)
        return self._finish()

    def set_presence(
        self, agent_id: str, presence: Presence | str, now: float, reason: str | None = None
    ) -> list[RoutingEvent]:
        """available / offline / not_ready (with a reason code). Leaving ``available``
        rescinds pending offers (their interactions go back to their place); contacts in
        progress continue."""
        self._begin(now)
        agent = self._agent(agent_id)
        self._set_presence(agent, _presence(presence), reason, False, now)
        return self._finish()

    def agent_disconnected(
        self, agent_id: str, now: float, grace_seconds: float
    ) -> list[RoutingEvent]:
        """The agent's last desk went away: unless ``agent_connected`` comes first, the
        agent goes not-ready (reason :data:`DISCONNECTED_REASON`) ``grace_seconds`` from
        now. Nothing happens for an agent who is offline, out for being disconnected
        already, or has a timer running."""
        self._begin(now)
        agent = self._agent(agent_id)
        gone = agent.presence is Presence.OFFLINE or agent.reason == DISCONNECTED_REASON
        if not gone and agent_id not in self._agents_away:
            self._emit(AgentDisconnected(agent_id, now + max(grace_seconds, 0.0), now))
        return self._finish()

    def agent_connected(self, agent_id: str, now: float) -> list[RoutingEvent]:
        """A desk of the agent is open: a pending disconnection timer is dropped."""
        self._begin(now)
        self._agent(agent_id)
        if agent_id in self._agents_away:
            self._emit(AgentReconnected(agent_id, now))
        return self._finish()

    def disconnected_agents(self) -> dict[str, float]:
        """Agents with a disconnection timer running, and when it falls due."""
        return dict(self._agents_away)

    def contact_disconnected(
        self, interaction_id: str, now: float, grace_seconds: float
    ) -> list[RoutingEvent]:
        """The contact's page went away: ``grace_seconds`` from now, a waiting or ringing
        interaction is abandoned, an assigned one records that its contact left."""
        self._begin(now)
        self._interaction(interaction_id)
        if interaction_id not in self._contacts_away and interaction_id not in self._departed:
            self._emit(ContactDisconnected(interaction_id, now + max(grace_seconds, 0.0), now))
        return self._finish()

    def contact_connected(self, interaction_id: str, now: float) -> list[RoutingEvent]:
        """The contact is back (``departed`` in the event: after the grace period)."""
        self._begin(now)
        self._interaction(interaction_id)
        if interaction_id in self._contacts_away or interaction_id in self._departed:
            departed = interaction_id in self._departed
            self._emit(ContactReconnected(interaction_id, departed, now))
        return self._finish()

    def contact_departed(self, interaction_id: str) -> bool:
        """True while the contact of an assigned interaction is away past the grace."""
        return interaction_id in self._departed

    def end_after_contact_work(
        self, agent_id: str, now: float, interaction_id: str | None = None
    ) -> list[RoutingEvent]:
        """End after-contact work early (one interaction's, or all of the agent's)."""
        self._begin(now)
        agent = self._agent(agent_id)
        if interaction_id is not None and interaction_id not in agent.acw:
            raise Conflict(
                f"agent {agent_id!r} has no after-contact work for {interaction_id!r}",
                agent_id=agent_id,
                interaction_id=interaction_id,
            )
        ids = [interaction_id] if interaction_id is not None else list(agent.acw)
        for iid in ids:
            self._emit(AfterContactWorkEnded(agent_id, iid, True, now))
        self._dispatch_agent(agent, now)
        return self._finish()

    def reset_daily_counters(self, now: float) -> list[RoutingEvent]:
        """Start a new day for fewest-contacts and least-occupied."""
        self._begin(now)
        self._emit(DailyCountersReset(now))
        return self._finish()

    # ------------------------------------------------------------------ interactions

    def enqueue(
        self,
        interaction_id: str,
        now: float,
        *,
        channel_kind: str,
        queue_id: str | None = None,
        workflow_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        priority: int = 0,
        contact_id: str | None = None,
        preferred_agent_id: str | None = None,
    ) -> list[RoutingEvent]:
        """Route a new interaction through a workflow or straight into a queue."""
        self._begin(now)
        if interaction_id in self._interactions:
            raise Conflict(
                f"interaction {interaction_id!r} is already routed", interaction_id=interaction_id
            )
        if (queue_id is None) == (workflow_id is None):
            raise ValidationFailed("give exactly one of queue_id and workflow_id")
        attrs = dict(attributes) if attributes else {}
        entered_at = now
        seq = self._next_seq
        resumed = False
        window = self.settings.resume_window_seconds
        if window > 0 and contact_id is not None:
            record = self._abandoned.get(contact_id)
            if (
                record is not None
                and record["abandoned_at"] + window >= now
                and record["workflow_id"] == workflow_id
                and (workflow_id is not None or record["queue_id"] == queue_id)
            ):
                entered_at = float(record["entered_at"])
                seq = int(record["seq"])
                resumed = True
        if workflow_id is not None:
            workflow = self._workflows.get(workflow_id)
            if workflow is None:
                raise NotFound(f"workflow {workflow_id!r} does not exist", workflow_id=workflow_id)
            view = {
                **attrs,
                "id": interaction_id,
                "channel_kind": channel_kind,
                "priority": priority,
                "contact_id": contact_id,
            }
            filter_index = -1
            targets = workflow.default_targets
            for index, compiled in enumerate(self._filters[workflow_id]):
                if compiled.evaluate({}, view):
                    filter_index = index
                    targets = workflow.filters[index].targets
                    break
            target_index, target_agent = self._choose_target(
                targets, 0, view, channel_kind, entered_at, contact_id, preferred_agent_id, now
            )
            chosen = targets[target_index]
            if chosen.priority is not None:
                priority = chosen.priority
            target_queue = chosen.queue_id
        else:
            assert queue_id is not None
            if queue_id not in self._queues:
                raise NotFound(f"queue {queue_id!r} does not exist", queue_id=queue_id)
            filter_index, target_index, target_agent, target_queue = -1, 0, None, queue_id
        self._emit(
            InteractionEnqueued(
                interaction_id,
                channel_kind,
                attrs,
                priority,
                contact_id,
                preferred_agent_id,
                workflow_id,
                filter_index,
                target_index,
                target_queue,
                target_agent,
                entered_at,
                seq,
                resumed,
                now,
            )
        )
        self._route_waiting(self._interactions[interaction_id], now)
        return self._finish()

    def accept(self, offer_id: str, now: float) -> list[RoutingEvent]:
        """The agent accepts: the interaction is assigned; other offers are rescinded."""
        self._begin(now)
        offer = self._pending_offer(offer_id)
        ix = offer.interaction
        self._emit(OfferAccepted(offer_id, ix.id, offer.agent.id, now))
        if ix.offers:  # ring-all: the other agents' offers are rescinded
            others = list(ix.offers.values())
            for other in others:
                self._emit(OfferRescinded(other.id, ix.id, other.agent.id, now))
            for other in others:
                self._dispatch_agent(other.agent, now)
        return self._finish()

    def decline(self, offer_id: str, now: float) -> list[RoutingEvent]:
        """The agent declines: the interaction goes back to its place; the agent backs off
        for the queue's ``decline_backoff_seconds``."""
        self._begin(now)
        offer = self._pending_offer(offer_id)
        ix, agent = offer.interaction, offer.agent
        backoff = self._queues[offer.queue_id].config.decline_backoff_seconds
        until = now + backoff if backoff > 0 else None
        self._emit(OfferDeclined(offer_id, ix.id, agent.id, until, now))
        self._route_waiting(ix, now)
        self._dispatch_agent(agent, now)
        return self._finish()

    def complete(
        self, interaction_id: str, now: float, *, after_contact_work_seconds: float | None = None
    ) -> list[RoutingEvent]:
        """The contact is over; after-contact work starts (queue's time unless given)."""
        self._begin(now)
        ix = self._interaction(interaction_id)
        if ix.state is not _ASSIGNED or ix.agent_id is None:
            raise Conflict(
                f"interaction {interaction_id!r} is not assigned", interaction_id=interaction_id
            )
        agent = self._agents[ix.agent_id]
        queue = self._queues[ix.queue_id]
        acw = (
            queue.config.after_contact_work_seconds
            if after_contact_work_seconds is None
            else after_contact_work_seconds
        )
        handle = now - (ix.assigned_at if ix.assigned_at is not None else now)
        self._emit(InteractionCompleted(ix.id, agent.id, queue.id, handle, now))
        if acw > 0:
            self._emit(AfterContactWorkStarted(agent.id, ix.id, now + acw, now))
        self._dispatch_agent(agent, now)
        return self._finish()

    def abandon(self, interaction_id: str, now: float) -> list[RoutingEvent]:
        """The contact left while waiting or ringing."""
        return self._end_unassigned(interaction_id, now, abandoned=True)

    def cancel(self, interaction_id: str, now: float) -> list[RoutingEvent]:
        """The system withdraws a waiting or ringing interaction."""
        return self._end_unassigned(interaction_id, now, abandoned=False)

    def _end_unassigned(
        self, interaction_id: str, now: float, abandoned: bool
    ) -> list[RoutingEvent]:
        self._begin(now)
        ix = self._interaction(interaction_id)
        if ix.state is _ASSIGNED:
            raise Conflict(
                f"interaction {interaction_id!r} is assigned; complete or transfer it",
                interaction_id=interaction_id,
            )
        agents = self._cancel_offers(ix, now)
        if abandoned:
            self._emit(InteractionAbandoned(ix.id, ix.queue_id, now))
        else:
            self._emit(InteractionCancelled(ix.id, ix.queue_id, now))
        for agent in agents:
            self._dispatch_agent(agent, now)
        return self._finish()

    def transfer_to_queue(
        self, interaction_id: str, queue_id: str, now: float, *, priority: int | None = None
    ) -> list[RoutingEvent]:
        """Send the interaction (assigned, or still waiting) to another queue. It waits
        there from now on; the transferring agent is freed (no after-contact work)."""
        self._begin(now)
        ix = self._interaction(interaction_id)
        if queue_id not in self._queues:
            raise NotFound(f"queue {queue_id!r} does not exist", queue_id=queue_id)
        return self._transfer(ix, queue_id, None, priority, now)

    def transfer_to_agent(
        self,
        interaction_id: str,
        agent_id: str,
        now: float,
        *,
        queue_id: str | None = None,
        priority: int | None = None,
    ) -> list[RoutingEvent]:
        """Send the interaction to one agent; it waits for that agent only (under
        ``queue_id``'s settings, default its current queue) until transferred again."""
        self._begin(now)
        ix = self._interaction(interaction_id)
        self._agent(agent_id)
        target_queue = queue_id or ix.queue_id
        if target_queue not in self._queues:
            raise NotFound(f"queue {target_queue!r} does not exist", queue_id=target_queue)
        return self._transfer(ix, target_queue, agent_id, priority, now)

    def _transfer(
        self,
        ix: Interaction,
        queue_id: str,
        agent_id: str | None,
        priority: int | None,
        now: float,
    ) -> list[RoutingEvent]:
        agents = self._cancel_offers(ix, now)
        from_agent = ix.agent_id if ix.state is _ASSIGNED else None
        self._emit(
            InteractionTransferred(
                ix.id,
                from_agent,
                queue_id,
                agent_id,
                ix.priority if priority is None else priority,
                now,
                self._next_seq,
                now,
            )
        )
        if from_agent is not None:
            agents.append(self._agents[from_agent])
        for agent in agents:  # freed agents pick the best waiting work first
            self._dispatch_agent(agent, now)
        self._route_waiting(ix, now)
        return self._finish()

    def transfer_out(self, interaction_id: str, destination: str, now: float) -> list[RoutingEvent]:
        """The interaction leaves the engine (external number, voicemail...)."""
        self._begin(now)
        ix = self._interaction(interaction_id)
        agents = self._cancel_offers(ix, now)
        from_agent = ix.agent_id if ix.state is _ASSIGNED else None
        self._emit(InteractionTransferredOut(ix.id, from_agent, ix.queue_id, destination, now))
        if from_agent is not None:
            agents.append(self._agents[from_agent])
        for agent in agents:
            self._dispatch_agent(agent, now)
        return self._finish()

    def request_callback(
        self, interaction_id: str, now: float, *, channel_kind: str = "callback"
    ) -> list[RoutingEvent]:
        """The waiting contact asks to be called back: the interaction becomes a callback
        (``channel_kind``) and keeps its place in line."""
        self._begin(now)
        ix = self._interaction(interaction_id)
        if ix.state is _ASSIGNED:
            raise Conflict(
                f"interaction {interaction_id!r} is already assigned",
                interaction_id=interaction_id,
            )
        agents = self._cancel_offers(ix, now)
        self._emit(CallbackRequested(ix.id, channel_kind, now))
        for agent in agents:
            self._dispatch_agent(agent, now)
        self._route_waiting(ix, now)
        return self._finish()

    # ------------------------------------------------------------------ time

    def next_deadline(self) -> float | None:
        """When the caller must call ``advance`` next (None: no timer pending)."""
        deadlines = self._deadlines
        while True:
            entry = deadlines.peek()
            if entry is None:
                return None
            if self._deadline_valid(entry):
                return float(entry[0])
            deadlines.pop_due(entry[0])  # moot: drop it

    def advance(self, now: float) -> list[RoutingEvent]:
        """Run every timer due at or before ``now`` (each at its own deadline time)."""
        self._advance_to(now)
        return self._finish()

    def _begin(self, now: float) -> None:
        if now > self._now:
            self._now = now

    # ------------------------------------------------------------------ queries

    @property
    def now(self) -> float:
        """Time of the last command or timer."""
        return self._now

    def agent_ids(self) -> list[str]:
        return list(self._agents)

    def interaction_ids(self) -> list[str]:
        return list(self._interactions)

    def queue_ids(self) -> list[str]:
        return list(self._queues)

    def agent_status(self, agent_id: str) -> dict[str, Any]:
        """Presence, activity, capacity in use, offers, assignments, timers."""
        agent = self._agent(agent_id)
        return {
            "agent_id": agent.id,
            "presence": agent.presence.value,
            "reason": agent.reason,
            "activity": agent.derive_activity().value,
            "capacity_used": agent.used,
            "capacity_total": agent.total,
            "offers": list(agent.offers),
            "assignments": list(agent.assignments),
            "after_contact_work_until": dict(agent.acw),
            "backoff_until": agent.backoff_until,
            "missed_in_row": agent.missed_in_row,
            "queues": dict(sorted(agent.memberships.items())),
            "attributes": dict(agent.attributes),
        }

    def interaction_status(self, interaction_id: str) -> dict[str, Any]:
        ix = self._interaction(interaction_id)
        return {
            "interaction_id": ix.id,
            "state": ix.state.value,
            "queue_id": ix.queue_id,
            "channel_kind": ix.channel_kind,
            "priority": ix.priority,
            "entered_at": ix.entered_at,
            "seq": ix.seq,
            "target_index": ix.target_index,
            "agent_id": ix.agent_id,
            "offers": {o.id: o.agent.id for o in ix.offers.values()},
        }

    def offers_for_agent(self, agent_id: str) -> list[str]:
        return list(self._agent(agent_id).offers)

    def offer_ids(self, interaction_id: str) -> list[str]:
        return list(self._interaction(interaction_id).offers)

    def waiting(self, queue_id: str) -> list[str]:
        """Ids of the interactions waiting in a queue, in the order they will be served
        (personal waits for one agent included). O(n log n): not for hot paths."""
        queue = self._queues.get(queue_id)
        if queue is None:
            raise NotFound(f"queue {queue_id!r} does not exist", queue_id=queue_id)
        items = [
            ix
            for ix in self._interactions.values()
            if ix.state is _WAITING and ix.queue_id == queue_id
        ]
        items.sort(key=lambda ix: (-queue.score(ix.priority, ix.entered_at), ix.entered_at, ix.seq))
        return [ix.id for ix in items]

    def position(self, interaction_id: str) -> int:
        """1-based place in line of a waiting interaction within its queue."""
        ix = self._interaction(interaction_id)
        if ix.state is not _WAITING:
            raise Conflict(f"interaction {interaction_id!r} is not waiting", interaction_id=ix.id)
        return self.waiting(ix.queue_id).index(ix.id) + 1

    # ------------------------------------------------------------------ internals: lookups

    def _agent(self, agent_id: str) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist", agent_id=agent_id)
        return agent

    def _interaction(self, interaction_id: str) -> Interaction:
        ix = self._interactions.get(interaction_id)
        if ix is None:
            raise NotFound(
                f"interaction {interaction_id!r} is not in routing", interaction_id=interaction_id
            )
        return ix

    def _pending_offer(self, offer_id: str) -> Offer:
        offer = self._offers.get(offer_id)
        if offer is None:
            raise Conflict(
                f"offer {offer_id!r} is no longer pending (accepted, expired, rescinded or "
                "cancelled) or never existed",
                offer_id=offer_id,
            )
        return offer

    # ------------------------------------------------------------------ internals: events

    def _emit(self, event: RoutingEvent) -> None:
        self._out.append(event)
        self._appliers[event.__class__](event)

    def apply(self, event: RoutingEvent) -> None:
        """Apply one event without making decisions (used to rebuild from a snapshot)."""
        self._appliers[event.__class__](event)
        self._touched.clear()
        self._now = event.at

    def _finish(self) -> list[RoutingEvent]:
        if self._touched:
            self._flush_activity(self._now)
        out = self._out
        self._out = []
        return out

    def _flush_activity(self, at: float) -> None:
        touched = self._touched
        if self._activity_events:
            agents = self._agents
            for agent in touched.values():
                if agent.id in agents:
                    activity = agent.derive_activity()
                    if activity is not agent.activity:
                        # a StrEnum member is a str: no need for .value (slow) here
                        self._out.append(AgentActivityChanged(agent.id, activity, at))
                        agent.activity = activity  # all that applying the event does
        touched.clear()

    # ------------------------------------------------------------------ internals: timers

    def _push_deadline(
        self,
        at: float,
        kind: int,
        order: int,
        detail: Any,
        payload: Any,
        run: tuple[int, float] | None = None,
    ) -> None:
        """``run``: (kind, duration) for deadlines that are "now plus a configured
        duration", which arrive in order and need no heap."""
        self._deadline_counter += 1
        self._deadlines.push((at, kind, order, detail, self._deadline_counter, payload), run)

    def _deadline_valid(self, entry: Deadline) -> bool:
        """Deadlines name what they are for by id (so they keep no objects alive)."""
        at, kind, order, detail, _, ref = entry
        if kind == _OFFER_EXPIRY:
            offer = self._offers.get(ref)
            return offer is not None and offer.expires_at == at
        if kind == _CONNECTION_LOST:
            return self._agents_away.get(ref) == at
        if kind == _CONTACT_DEPARTURE:
            return self._contacts_away.get(ref) == at
        if kind in (_ACW_END, _BACKOFF_END):
            agent = self._agents.get(ref)
            if agent is None:
                return False
            if kind == _ACW_END:
                return agent.acw.get(detail) == at
            return agent.backoff_until == at
        ix = self._interactions.get(ref)
        if ix is None or ix.seq != order:
            return False
        if kind == _TARGET_TIMEOUT:
            return (
                ix.target_index == detail[0]
                and ix.entered_at == detail[1]
                and (ix.state is not _ASSIGNED)
            )
        if kind == _MAX_WAIT:
            return ix.queue_entered_at == detail and ix.state is _WAITING
        return ix.state is _OFFERED and ix.ring_next_at == at

    def _advance_to(self, now: float) -> None:
        """Fire due timers. Timers due at the same instant all change state first; then
        the agents they freed pick work, then the interactions they moved are routed, and
        only then do ring-progressive steps add an agent to the rings they extend (a step
        taken earlier would hand a free agent to a younger ring while an older
        interaction waits)."""
        pop_due = self._deadlines.pop_due
        valid = self._deadline_valid
        while True:
            entry = pop_due(now)
            if entry is None:
                break
            if not valid(entry):
                continue  # most deadlines are moot by the time they fall due
            at = entry[0]
            self._now = at
            agents: dict[str, Agent] = {}
            moved: dict[str, Interaction] = {}
            rings: dict[str, Interaction] = {}
            self._fire(entry, at, agents, moved, rings)
            # the rest due at the same instant (none is earlier: ``at`` was the earliest)
            while (entry := pop_due(at)) is not None:
                if valid(entry):
                    self._fire(entry, at, agents, moved, rings)
            for agent in agents.values():
                if self._agents.get(agent.id) is agent:
                    self._dispatch_agent(agent, at)
            self._route_in_order(moved.values(), at)
            for ix in rings.values():
                # still ringing and not re-offered meanwhile (which restarts its steps)
                if (
                    self._interactions.get(ix.id) is ix
                    and ix.state is _OFFERED
                    and ix.ring_next_at == at
                ):
                    self._ring_step(ix, at)
            if self._touched:
                self._flush_activity(at)
        if now > self._now:
            self._now = now

    def _fire(
        self,
        entry: Deadline,
        at: float,
        agents: dict[str, Agent],
        moved: dict[str, Interaction],
        rings: dict[str, Interaction],
    ) -> None:
        kind, detail, ref = entry[1], entry[3], entry[5]
        if kind == _OFFER_EXPIRY:
            offer = self._offers[ref]
            for ix in self._expire(offer, at):
                moved[ix.id] = ix
            agents[offer.agent.id] = offer.agent
        elif kind == _ACW_END:
            self._emit(AfterContactWorkEnded(ref, detail, False, at))
            agents[ref] = self._agents[ref]
        elif kind == _BACKOFF_END:
            self._emit(AgentBackOffEnded(ref, at))
            agents[ref] = self._agents[ref]
        elif kind == _TARGET_TIMEOUT:
            self._next_target(self._interactions[ref], at)
            moved[ref] = self._interactions[ref]
        elif kind == _MAX_WAIT:
            moved[ref] = self._interactions[ref]  # _route_waiting overflows it
        elif kind == _CONNECTION_LOST:
            agent = self._agents[ref]
            self._emit(AgentConnectionLost(ref, at))
            if agent.presence is not Presence.OFFLINE:
                moved.update(
                    (ix.id, ix)
                    for ix in self._set_presence(
                        agent, Presence.NOT_READY, DISCONNECTED_REASON, True, at, route=False
                    )
                )
            agents[ref] = agent
        elif kind == _CONTACT_DEPARTURE:
            self._depart(self._interactions[ref], at, agents)
        else:
            rings[ref] = self._interactions[ref]  # stepped after the routing at ``at``

    def _depart(self, ix: Interaction, at: float, agents: dict[str, Agent]) -> None:
        """The contact stayed away past the grace period."""
        if ix.state is _ASSIGNED:
            self._emit(ContactDeparted(ix.id, ix.agent_id, at))
            return
        for agent in self._cancel_offers(ix, at):
            agents[agent.id] = agent
        self._emit(InteractionAbandoned(ix.id, ix.queue_id, at))
        self._emit(ContactDeparted(ix.id, None, at))

    def _expire(self, offer: Offer, at: float) -> list[Interaction]:
        """Expire an offer; return the interactions to route again."""
        ix, agent = offer.interaction, offer.agent
        backoff = self._queues[offer.queue_id].config.no_answer_backoff_seconds
        until = at + backoff if backoff > 0 else None
        self._emit(OfferExpired(offer.id, ix.id, agent.id, until, at))
        moved = [ix]
        limit = self.settings.max_missed_offers
        if limit and agent.missed_in_row >= limit and agent.presence is _AVAILABLE:
            moved += self._set_presence(
                agent, Presence.NOT_READY, self.settings.missed_reason, True, at, route=False
            )
        return moved

    def _route_in_order(self, interactions: Iterable[Interaction], now: float) -> None:
        """Route several interactions best first (weight, priority, age), as agents would
        pick them."""
        ordered = []
        for ix in interactions:
            if self._interactions.get(ix.id) is ix and ix.state is _WAITING:
                queue = self._queues[ix.queue_id]
                key = (-queue.weight, -queue.effective_priority(ix, now), ix.entered_at, ix.seq)
                ordered.append((key, ix.id, ix))
        ordered.sort(key=lambda item: (item[0], item[1]))
        for _, _, ix in ordered:
            self._route_waiting(ix, now)

    def _next_target(self, ix: Interaction, at: float) -> None:
        index, agent_id = self._choose_target(
            ix.targets,
            ix.target_index + 1,
            ix.view,
            ix.channel_kind,
            ix.entered_at,
            ix.contact_id,
            ix.preferred_agent_id,
            at,
        )
        target = ix.targets[index]
        priority = ix.priority if target.priority is None else target.priority
        self._emit(
            InteractionMovedToTarget(
                ix.id, index, target.queue_id, agent_id, priority, "timeout", at
            )
        )

    def _overflow(self, ix: Interaction, at: float) -> None:
        config = self._queues[ix.queue_id].config
        if config.overflow_queue_id is not None and config.overflow_queue_id in self._queues:
            self._emit(InteractionOverflowed(ix.id, ix.queue_id, config.overflow_queue_id, at))
        else:
            destination = config.overflow_destination or "max_wait"
            self._emit(InteractionTransferredOut(ix.id, None, ix.queue_id, destination, at))

    def _ring_step(self, ix: Interaction, at: float) -> None:
        lane = self._lane_for(ix, register=False)
        exclude = {offer.agent.id for offer in ix.offers.values()}
        agent = self._best_agent(lane, exclude)
        if agent is not None:
            self._make_offer(ix, agent, lane.queue, at)
        else:
            self._emit(RingProgressStopped(ix.id, at))

    def _schedule_interaction(self, ix: Interaction) -> None:
        target = ix.targets[ix.target_index]
        if target.timeout_seconds is not None and ix.target_index < len(ix.targets) - 1:
            self._push_deadline(
                ix.entered_at + target.timeout_seconds,
                _TARGET_TIMEOUT,
                ix.seq,
                (ix.target_index, ix.entered_at),
                ix.id,
            )
        max_wait = self._queues[ix.queue_id].config.max_wait_seconds
        if max_wait is not None:
            self._push_deadline(
                ix.queue_entered_at + max_wait, _MAX_WAIT, ix.seq, ix.queue_entered_at, ix.id
            )

    # ------------------------------------------------------------------ internals: decisions

    def _choose_target(
        self,
        targets: tuple[Target, ...],
        start: int,
        view: Mapping[str, Any],
        kind: str,
        entered_at: float,
        contact_id: str | None,
        preferred_agent_id: str | None,
        now: float,
    ) -> tuple[int, str | None]:
        """First target from ``start`` not to skip, and the one agent it waits for."""
        last = len(targets) - 1
        index = min(start, last)
        while index < last:
            target = targets[index]
            if target.timeout_seconds is not None and entered_at + target.timeout_seconds <= now:
                index += 1
                continue
            agent_id = self._target_agent(target, contact_id, preferred_agent_id, now)
            if target.agent is not None and agent_id is None:
                index += 1
                continue
            if target.skip_if is not None and self._should_skip(target, view, kind, agent_id):
                index += 1
                continue
            return index, agent_id
        return last, self._target_agent(targets[last], contact_id, preferred_agent_id, now)

    def _target_agent(
        self, target: Target, contact_id: str | None, preferred_agent_id: str | None, now: float
    ) -> str | None:
        if target.agent is AgentPreference.PREFERRED:
            return preferred_agent_id if preferred_agent_id in self._agents else None
        if target.agent is AgentPreference.LAST and contact_id is not None:
            served = self._last_served.get(contact_id)
            window = self._queues[target.queue_id].config.sticky_seconds
            if served is not None and served[0] in self._agents and served[1] + window >= now:
                return served[0]
        return None

    def _should_skip(
        self, target: Target, view: Mapping[str, Any], kind: str, agent_id: str | None
    ) -> bool:
        if agent_id is not None:
            agent = self._agents[agent_id]
            if target.skip_if is SkipIf.NO_AVAILABLE_AGENTS:
                return not agent.can_take(kind)
            return agent.presence is Presence.OFFLINE
        lane = self._lane(self._queues[target.queue_id], target, kind, view, None, register=False)
        if target.skip_if is SkipIf.NO_AVAILABLE_AGENTS:
            return self._best_agent(lane, None) is None
        return not any(
            agent.presence is not Presence.OFFLINE and lane.accepts(agent)
            for agent in lane.queue.members.values()
        )

    def _route_waiting(self, ix: Interaction, now: float) -> None:
        """A waiting interaction: overflow if overdue, else try to offer it."""
        if ix.state is not _WAITING or self._interactions.get(ix.id) is not ix:
            return
        max_wait = self._queues[ix.queue_id].config.max_wait_seconds
        if max_wait is not None and ix.queue_entered_at + max_wait <= now:
            self._overflow(ix, now)
            if ix.state is not _WAITING or self._interactions.get(ix.id) is not ix:
                return
        self._dispatch_interaction(ix, now)

    def _dispatch_interaction(self, ix: Interaction, now: float) -> bool:
        lane = ix.lane
        assert lane is not None
        queue = lane.queue
        kind = ix.channel_kind
        if lane.agent_id is not None:
            agent = self._agents.get(lane.agent_id)
            if agent is not None and agent.can_take(kind):
                self._make_offer(ix, agent, queue, now)
                return True
            return False
        strategy = queue.config.strategy
        if strategy is _RING_ALL:
            agents = self._eligible_agents(lane)
            for agent in agents:
                self._make_offer(ix, agent, queue, now)
            return bool(agents)
        if strategy is _STICKY and ix.contact_id is not None:
            served = self._last_served.get(ix.contact_id)
            if served is not None and served[1] + queue.config.sticky_seconds >= now:
                agent = self._agents.get(served[0])
                if agent is not None and agent.can_take(kind) and lane.accepts(agent):
                    self._make_offer(ix, agent, queue, now)
                    return True
        agent = self._best_agent(lane, None)
        if agent is None:
            return False
        self._make_offer(ix, agent, queue, now)
        return True

    def _best_agent(self, lane: Lane, exclude: set[str] | None) -> Agent | None:
        """Best agent for the lane by the queue's order.

        Index entries may be optimistic: a change that only makes an agent worse (an offer
        uses capacity, round robin moves on) does not re-index. So an entry is used only if
        it is the agent's current entry in this heap (``agent.entries``), the agent can
        still take the lane's kind, and its key is the agent's key now; otherwise it is
        dropped or replaced by the fresh key. Since every current entry is at most the
        agent's true key, the first fresh entry is the best."""
        heap = lane.agents
        token = lane.token
        kind = lane.kind
        key = lane.queue.key
        by_seq = self._by_seq
        while heap:
            entry = heap[0]
            agent = by_seq[entry[-2]]
            entries = agent.entries
            if entries.get(token) is not entry:
                heappop(heap)  # stale: superseded, or the agent was re-indexed anew
                continue
            if not agent.can_take(kind):
                del entries[token]
                heappop(heap)
                continue
            fresh = key(agent, entry[0])
            if fresh != entry:
                entries[token] = fresh
                heapreplace(heap, fresh)
                continue
            if lane.plain and not exclude:
                return agent
            break
        if not heap:
            return None
        popped: list[AgentEntry] = []
        found: Agent | None = None
        max_level = lane.max_level
        while heap:
            entry = heappop(heap)
            agent = by_seq[entry[-2]]
            entries = agent.entries
            if entries.get(token) is not entry:
                continue
            if not agent.can_take(kind):
                del entries[token]
                continue
            fresh = key(agent, entry[0])
            if fresh != entry:
                entries[token] = fresh
                heappush(heap, fresh)  # comes back in its true place
                continue
            popped.append(entry)
            if max_level is not None and entry[0] > max_level:
                break
            if exclude and agent.id in exclude:
                continue
            if lane.accepts(agent):
                found = agent
                break
        for entry in popped:
            heappush(heap, entry)
        return found

    def _eligible_agents(self, lane: Lane) -> list[Agent]:
        """Every agent who may take the lane's interaction now, best first (ring-all)."""
        heap = lane.agents
        token = lane.token
        kind = lane.kind
        key = lane.queue.key
        by_seq = self._by_seq
        valid = []
        for entry in heap:
            agent = by_seq[entry[-2]]
            entries = agent.entries
            if entries.get(token) is entry:
                if agent.can_take(kind):
                    fresh = entries[token] = key(agent, entry[0])
                    valid.append(fresh)
                else:
                    del entries[token]
        valid.sort()
        heap[:] = valid
        agents = [by_seq[entry[-2]] for entry in valid]
        return [agent for agent in agents if lane.accepts(agent)]

    def _dispatch_agent(self, agent: Agent, now: float) -> None:
        """Offer the agent the best waiting interaction it may serve, while it can."""
        if not self._waiting:
            return  # nothing waits anywhere: the common case below saturation
        while agent.routable:
            best: Interaction | None = None
            best_key: tuple[float, float, float, int] | None = None
            for queue in agent.member_queues:
                if not queue.waiting:
                    continue
                for lane in queue.lanes.values():
                    if not lane.live or not agent.can_take(lane.kind) or not lane.accepts(agent):
                        continue
                    head = lane.head()
                    if head is None:
                        continue
                    key = (
                        -queue.weight,
                        -queue.effective_priority(head, now),
                        head.entered_at,
                        head.seq,
                    )
                    if best_key is None or key < best_key:
                        best, best_key = head, key
            personal = self._personal.get(agent.id)
            if personal:
                for lane in personal.values():
                    if not lane.live or not agent.can_take(lane.kind):
                        continue
                    head = lane.head()
                    if head is None:
                        continue
                    queue = lane.queue
                    key = (
                        -queue.weight,
                        -queue.effective_priority(head, now),
                        head.entered_at,
                        head.seq,
                    )
                    if best_key is None or key < best_key:
                        best, best_key = head, key
            if best is None or not self._dispatch_interaction(best, now):
                return

    def _make_offer(self, ix: Interaction, agent: Agent, queue: QueueRuntime, now: float) -> None:
        number = self._offer_counter + 1
        self._emit(
            OfferMade(
                f"o{number}",
                ix.id,
                agent.id,
                queue.id,
                now + queue.config.offer_timeout_seconds,
                now,
            )
        )

    def _cancel_offers(self, ix: Interaction, now: float) -> list[Agent]:
        agents = []
        for offer in list(ix.offers.values()):
            self._emit(OfferCancelled(offer.id, ix.id, offer.agent.id, now))
            agents.append(offer.agent)
        return agents

    def _set_presence(
        self,
        agent: Agent,
        presence: Presence,
        reason: str | None,
        by_system: bool,
        now: float,
        route: bool = True,
    ) -> list[Interaction]:
        """Change presence; return the interactions whose offers were rescinded (routed
        here unless ``route`` is false)."""
        if presence is not Presence.NOT_READY:
            reason = None
        if presence is agent.presence and reason == agent.reason and not agent.missed:
            return []
        rescinded: list[Interaction] = []
        if presence is not _AVAILABLE:
            for offer in list(agent.offers.values()):
                self._emit(OfferRescinded(offer.id, offer.interaction.id, agent.id, now))
                rescinded.append(offer.interaction)
        self._emit(AgentPresenceChanged(agent.id, presence.value, reason, by_system, now))
        if route:
            self._route_in_order(rescinded, now)
            self._dispatch_agent(agent, now)
        return rescinded

    # ------------------------------------------------------------------ internals: indexes

    def _reindex(self, agent: Agent, invalidate: bool = True) -> None:
        """Make the agent's index entries right after a change that may make it better.

        ``invalidate``: the change may break the order of the entries the agent has
        (attributes, levels, presence, capacity profile, counters reset): a new stamp
        makes them all stale and fresh ones are pushed. Without it (capacity freed, after-
        contact work or back-off over), every key field but the capacity in use only grew
        since the entries were made, so an entry whose key is still at most the agent's
        key stays, and only the others are pushed again: most entries of an agent who
        ends a contact stay where they are."""
        if invalidate:
            agent.stamp += 1
            agent.entries = {}  # every entry in the heaps is stale now
        entries = agent.entries
        agent.refresh_routable()
        used = agent.used
        total = agent.total
        if not agent.routable or used + agent.min_cost > total:
            return
        if not used:  # holds nothing (costs are at least 1)
            takes: tuple[str, ...] | set[str] = agent.free_kinds
        else:
            counts = agent.counts
            maximum = agent.maximum
            takes = {
                kind
                for kind, cost in agent.costs.items()
                if used + cost <= total and counts.get(kind, 0) < maximum.get(kind, _NO_LIMIT)
            }
        shared: dict[str, AgentEntry] = {}  # level-0 entries of queue-independent keys
        for queue, level in zip(agent.member_queues, agent.member_levels):  # noqa: B905
            entry: AgentEntry | None = None
            one = queue.one_heap
            if one is not None:
                # The common case, one channel kind per queue, without a loop: a loop
                # allocates an iterator, and allocations are what trigger collections.
                kind, heap, token = one
                if kind not in takes:
                    continue
                group = queue.shared_key
                if level == 0 and group is not None:
                    entry = shared.get(group)
                    if entry is None:
                        entry = shared[group] = queue.key(agent, 0)
                else:
                    entry = queue.key(agent, level)
                old = entries.get(token)
                if old is not None and old <= entry:
                    continue  # still at most the agent's key: it stays
                entries[token] = entry
                heappush(heap, entry)
                if len(heap) > queue.compact_at:
                    queue.compact(heap, token)
                continue
            for kind, heap in queue.kind_heaps.items():
                if kind not in takes:
                    continue
                if entry is None:
                    group = queue.shared_key
                    if level == 0 and group is not None:
                        entry = shared.get(group)
                        if entry is None:
                            entry = shared[group] = queue.key(agent, 0)
                    else:
                        entry = queue.key(agent, level)
                token = queue.kind_tokens[kind]
                old = entries.get(token)
                if old is not None and old <= entry:
                    continue
                entries[token] = entry
                heappush(heap, entry)
                if len(heap) > queue.compact_at:
                    queue.compact(heap, token)

    def _set_memberships(self, agent: Agent) -> None:
        for qid in list(agent.memberships):
            self._queues[qid].remove_member(agent.id)
        agent.memberships = {}
        for qid, queue in self._queues.items():
            level = queue.level_of(agent)
            if level is not None:
                agent.memberships[qid] = level
                queue.add_member(agent)
        self._sync_member_queues(agent)

    def _sync_member_queues(self, agent: Agent) -> None:
        queues = self._queues
        agent.member_queues = [queues[qid] for qid in agent.memberships]
        agent.member_levels = tuple(agent.memberships.values())

    def _lane_for(self, ix: Interaction, register: bool = True) -> Lane:
        target = ix.targets[ix.target_index]
        queue = self._queues[target.queue_id]
        agent_id = ix.fixed_agent_id or ix.target_agent_id
        if agent_id is None and target.expression is None and target.max_level is None:
            lane = queue.lanes.get(ix.channel_kind)  # the common case: a plain lane
            if lane is not None:
                return lane
        return self._lane(queue, target, ix.channel_kind, ix.view, agent_id, register)

    def _lane(
        self,
        queue: QueueRuntime,
        target: Target,
        kind: str,
        view: Mapping[str, Any],
        agent_id: str | None,
        register: bool,
    ) -> Lane:
        if agent_id is not None:
            key: tuple[Any, ...] = (agent_id, queue.id, kind)
            lanes = self._personal.get(agent_id)
            lane = lanes.get(key) if lanes else None
            if lane is None:
                lane = Lane(key, queue, kind, None, None, dict(view), agent_id)
                if register:
                    self._personal.setdefault(agent_id, {})[key] = lane
            return lane
        source = target.expression
        compiled: CompiledExpression | None = None
        if source is None:
            if target.max_level is None:
                plain = queue.lanes.get(kind)
                if plain is not None:
                    return plain
                key = (kind,)
            else:
                key = (kind, target.max_level)
        else:
            compiled = self._expressions.get(source)
            if compiled is None:
                compiled = compile_expression(source)
                self._expressions[source] = compiled
            values = tuple(_freeze(_resolve(view, path)) for path in compiled.interaction_paths)
            key = (kind, target.max_level, source, values)
        lookup: Any = kind if key == (kind,) else key
        lane = queue.lanes.get(lookup)
        if lane is None:
            sample = dict(view) if compiled is not None else {}
            lane = Lane(lookup, queue, kind, target.max_level, compiled, sample, None)
            if register:
                queue.lanes[lookup] = lane
        return lane

    def _file(self, ix: Interaction) -> None:
        lane = self._lane_for(ix)
        queue = lane.queue
        ix.lane = lane
        ix.state = _WAITING
        self._token += 1  # unique across interactions: heap entries never tie on it
        ix.token = self._token
        heap = lane.heap
        heappush(
            heap, (-queue.score(ix.priority, ix.entered_at), ix.entered_at, ix.seq, ix.token, ix)
        )
        lane.live += 1
        if len(heap) > 2 * lane.live + 64:
            lane.compact()
        queue.waiting += 1
        self._waiting += 1

    def _unfile(self, ix: Interaction) -> None:
        lane = ix.lane
        assert lane is not None
        ix.lane = None
        ix.token += 1
        lane.live -= 1
        queue = lane.queue
        queue.waiting -= 1
        self._waiting -= 1
        if lane.live == 0:
            lane.heap.clear()  # every entry left is stale
            if lane.agent_id is not None:
                lanes = self._personal.get(lane.agent_id)
                if lanes is not None and lanes.get(lane.key) is lane:
                    del lanes[lane.key]
                    if not lanes:
                        del self._personal[lane.agent_id]
            elif not lane.plain and queue.lanes.get(lane.key) is lane:
                del queue.lanes[lane.key]  # plain lanes (one per kind) stay for reuse

    # ------------------------------------------------------------------ appliers

    def _apply_queue_configured(self, event: QueueConfigured) -> None:
        config = QueueConfig.from_dict(event.queue)
        runtime = QueueRuntime(config, self._by_seq)
        moved = [
            ix
            for ix in self._interactions.values()
            if ix.state is _WAITING and ix.queue_id == config.id
        ]
        for ix in moved:
            self._unfile(ix)
        self._queues[config.id] = runtime
        self._direct[config.id] = (Target(config.id),)
        for agent in self._agents.values():
            agent.memberships.pop(config.id, None)
            level = runtime.level_of(agent)
            if level is not None:
                agent.memberships[config.id] = level
                runtime.add_member(agent)
            self._sync_member_queues(agent)
        for ix in moved:
            self._file(ix)

    def _apply_queue_removed(self, event: QueueRemoved) -> None:
        self._queues.pop(event.queue_id, None)
        self._direct.pop(event.queue_id, None)
        for agent in self._agents.values():
            if agent.memberships.pop(event.queue_id, None) is not None:
                self._sync_member_queues(agent)

    def _apply_workflow_configured(self, event: WorkflowConfigured) -> None:
        config = WorkflowConfig.from_dict(event.workflow)
        filters, expressions = self._compile_workflow(config)
        self._workflows[config.id] = config
        self._filters[config.id] = filters
        self._expressions.update(expressions)

    def _profile(self, data: Mapping[str, Any]) -> CapacityProfile:
        """One shared profile object per distinct capacity profile (agents share it)."""
        profile = CapacityProfile.from_dict(data)
        key = repr(profile.to_dict())
        return self._profiles.setdefault(key, profile)

    def _apply_agent_registered(self, event: AgentRegistered) -> None:
        agent = Agent(
            event.agent_id,
            self._next_agent_seq,
            dict(event.attributes),
            self._profile(event.capacity),
            event.at,
        )
        self._next_agent_seq += 1
        self._agents[agent.id] = agent
        self._by_seq.append(agent)
        self._set_memberships(agent)
        self._touched[agent.id] = agent

    def _apply_agent_capacity_changed(self, event: AgentCapacityChanged) -> None:
        agent = self._agents[event.agent_id]
        agent.set_capacity(self._profile(event.capacity))
        self._reindex(agent)
        self._touched[agent.id] = agent

    def _apply_agent_attributes_changed(self, event: AgentAttributesChanged) -> None:
        agent = self._agents[event.agent_id]
        agent.set_attributes(dict(event.attributes))
        self._set_memberships(agent)
        self._reindex(agent)

    def _apply_agent_presence_changed(self, event: AgentPresenceChanged) -> None:
        agent = self._agents[event.agent_id]
        presence = Presence(event.presence)
        if presence is _AVAILABLE and agent.presence is not _AVAILABLE:
            agent.idle_since = event.at
        agent.presence = presence
        agent.reason = event.reason
        if not event.by_system:
            agent.missed = False
            agent.missed_in_row = 0
        self._reindex(agent)
        self._touched[agent.id] = agent

    def _apply_agent_activity_changed(self, event: AgentActivityChanged) -> None:
        self._agents[event.agent_id].activity = _ACTIVITIES[event.activity]

    def _apply_agent_back_off_ended(self, event: AgentBackOffEnded) -> None:
        agent = self._agents[event.agent_id]
        agent.backoff_until = None
        self._reindex(agent, invalidate=False)

    def _apply_after_contact_work_started(self, event: AfterContactWorkStarted) -> None:
        agent = self._agents[event.agent_id]
        agent.acw[event.interaction_id] = event.until
        self._push_deadline(
            event.until,
            _ACW_END,
            agent.seq,
            event.interaction_id,
            agent.id,
            (_ACW_END, round(event.until - event.at, 3)),  # a run per wrap-up time
        )
        self._reindex(agent, invalidate=False)
        self._touched[agent.id] = agent

    def _apply_after_contact_work_ended(self, event: AfterContactWorkEnded) -> None:
        agent = self._agents[event.agent_id]
        agent.acw.pop(event.interaction_id, None)
        agent.idle_since = event.at
        self._reindex(agent, invalidate=False)
        self._touched[agent.id] = agent

    def _apply_daily_counters_reset(self, event: DailyCountersReset) -> None:
        for agent in self._agents.values():
            agent.contacts = {}
            agent.handle_seconds = 0.0
            self._reindex(agent)

    def _apply_interaction_enqueued(self, event: InteractionEnqueued) -> None:
        if event.workflow_id is None:
            targets = self._direct[event.queue_id]
        else:
            workflow = self._workflows[event.workflow_id]
            targets = (
                workflow.default_targets
                if event.filter_index < 0
                else workflow.filters[event.filter_index].targets
            )
        ix = Interaction(  # positional: this is on every interaction's path
            event.interaction_id,
            event.channel_kind,
            # shared with the event: neither the engine nor events mutate attributes
            event.attributes,
            event.priority,
            event.contact_id,
            event.preferred_agent_id,
            event.workflow_id,
            event.filter_index,
            targets,
            event.target_index,
            event.target_agent_id,
            event.entered_at,
            event.seq,
            event.at,
        )
        self._interactions[ix.id] = ix
        if event.seq >= self._next_seq:
            self._next_seq = event.seq + 1
        if event.resumed and event.contact_id is not None:
            self._abandoned.pop(event.contact_id, None)
        self._file(ix)
        self._schedule_interaction(ix)

    def _apply_interaction_moved_to_target(self, event: InteractionMovedToTarget) -> None:
        ix = self._interactions[event.interaction_id]
        waiting = ix.state is _WAITING
        if waiting:
            self._unfile(ix)
        if ix.queue_id != event.queue_id:
            ix.queue_entered_at = event.at
        ix.target_index = event.target_index
        ix.queue_id = event.queue_id
        ix.target_agent_id = event.target_agent_id
        ix.priority = event.priority
        ix.refresh_view()
        if waiting:
            self._file(ix)
        self._schedule_interaction(ix)

    def _apply_interaction_overflowed(self, event: InteractionOverflowed) -> None:
        ix = self._interactions[event.interaction_id]
        waiting = ix.state is _WAITING
        if waiting:
            self._unfile(ix)
        ix.targets = self._direct[event.to_queue_id]
        ix.target_index = 0
        ix.target_agent_id = None
        ix.fixed_agent_id = None
        ix.queue_id = event.to_queue_id
        ix.queue_entered_at = event.at
        if waiting:
            self._file(ix)
        self._schedule_interaction(ix)

    def _apply_callback_requested(self, event: CallbackRequested) -> None:
        ix = self._interactions[event.interaction_id]
        waiting = ix.state is _WAITING
        if waiting:
            self._unfile(ix)
        ix.channel_kind = event.channel_kind
        ix.refresh_view()
        if waiting:
            self._file(ix)

    def _release_assignment(self, ix: Interaction, at: float) -> Agent:
        assert ix.agent_id is not None
        agent = self._agents[ix.agent_id]
        del agent.assignments[ix.id]
        agent.release(ix.channel_kind)
        agent.idle_since = at
        ix.agent_id = None
        ix.assigned_at = None
        self._touched[agent.id] = agent
        return agent

    def _apply_interaction_transferred(self, event: InteractionTransferred) -> None:
        ix = self._interactions[event.interaction_id]
        if ix.state is _ASSIGNED:
            agent = self._release_assignment(ix, event.at)
            agent.contacts[ix.queue_id] = agent.contacts.get(ix.queue_id, 0) + 1
            self._reindex(agent, invalidate=False)
        elif ix.state is _WAITING:
            self._unfile(ix)
        ix.targets = self._direct[event.to_queue_id]
        ix.target_index = 0
        ix.target_agent_id = None
        ix.fixed_agent_id = event.to_agent_id
        ix.queue_id = event.to_queue_id
        ix.priority = event.priority
        ix.entered_at = event.entered_at
        ix.queue_entered_at = event.at
        ix.seq = event.seq
        if event.seq >= self._next_seq:
            self._next_seq = event.seq + 1
        ix.refresh_view()
        self._file(ix)
        self._schedule_interaction(ix)

    def _apply_interaction_completed(self, event: InteractionCompleted) -> None:
        ix = self._interactions.pop(event.interaction_id)
        self._forget_contact(ix.id)
        agent = self._release_assignment(ix, event.at)
        agent.contacts[event.queue_id] = agent.contacts.get(event.queue_id, 0) + 1
        agent.handle_seconds += event.handle_seconds
        if ix.contact_id is not None:
            self._last_served[ix.contact_id] = (agent.id, event.at)
        self._reindex(agent, invalidate=False)

    def _apply_interaction_ended(
        self, event: InteractionAbandoned | InteractionCancelled | InteractionTransferredOut
    ) -> None:
        ix = self._interactions.pop(event.interaction_id)
        self._forget_contact(ix.id)
        if ix.state is _WAITING:
            self._unfile(ix)
        elif ix.state is _ASSIGNED:
            agent = self._release_assignment(ix, event.at)
            agent.contacts[ix.queue_id] = agent.contacts.get(ix.queue_id, 0) + 1
            self._reindex(agent, invalidate=False)
        window = self.settings.resume_window_seconds
        if isinstance(event, InteractionAbandoned) and window > 0:
            records = self._abandoned
            while records:
                oldest = next(iter(records))
                if records[oldest]["abandoned_at"] + window >= event.at:
                    break
                del records[oldest]
            if ix.contact_id is not None:
                records.pop(ix.contact_id, None)
                records[ix.contact_id] = {
                    "abandoned_at": event.at,
                    "entered_at": ix.entered_at,
                    "seq": ix.seq,
                    "workflow_id": ix.workflow_id,
                    "queue_id": ix.targets[0].queue_id if ix.workflow_id is None else None,
                }

    def _apply_agent_disconnected(self, event: AgentDisconnected) -> None:
        agent = self._agents[event.agent_id]
        self._agents_away[agent.id] = event.due_at
        self._push_deadline(event.due_at, _CONNECTION_LOST, agent.seq, None, agent.id)

    def _apply_agent_reconnected(self, event: AgentReconnected | AgentConnectionLost) -> None:
        self._agents_away.pop(event.agent_id, None)

    def _apply_contact_disconnected(self, event: ContactDisconnected) -> None:
        ix = self._interactions[event.interaction_id]
        self._contacts_away[ix.id] = event.due_at
        self._push_deadline(event.due_at, _CONTACT_DEPARTURE, ix.seq, None, ix.id)

    def _apply_contact_reconnected(self, event: ContactReconnected) -> None:
        self._contacts_away.pop(event.interaction_id, None)
        self._departed.discard(event.interaction_id)

    def _apply_contact_departed(self, event: ContactDeparted) -> None:
        self._contacts_away.pop(event.interaction_id, None)
        if event.agent_id is not None:
            self._departed.add(event.interaction_id)

    def _forget_contact(self, interaction_id: str) -> None:
        if self._contacts_away or self._departed:
            self._contacts_away.pop(interaction_id, None)
            self._departed.discard(interaction_id)

    def _apply_offer_made(self, event: OfferMade) -> None:
        ix = self._interactions[event.interaction_id]
        agent = self._agents[event.agent_id]
        self._offer_counter += 1
        kind = ix.channel_kind
        offer = Offer(
            event.offer_id,
            self._offer_counter,
            ix,
            agent,
            event.queue_id,
            kind,
            event.at,
            event.expires_at,
        )
        self._offers[offer.id] = offer
        agent.offers[offer.id] = offer
        ix.offers[offer.id] = offer
        if ix.state is _WAITING:
            self._unfile(ix)
            ix.state = _OFFERED
        agent.hold(kind)
        agent.last_offer_seq[event.queue_id] = self._offer_counter
        queue = self._queues[event.queue_id]
        if queue.config.strategy is _RING_PROGRESSIVE and ix.fixed_agent_id is None:
            step = queue.config.ring_step_seconds
            ix.ring_next_at = event.at + step
            run = (_RING_STEP, step)
            self._push_deadline(ix.ring_next_at, _RING_STEP, ix.seq, None, ix.id, run)
        self._push_deadline(
            event.expires_at,
            _OFFER_EXPIRY,
            offer.number,
            None,
            offer.id,
            queue.offer_expiry_run,
        )
        # No re-index: the agent only got worse (more capacity in use, round robin moved
        # on); its index entries are optimistic and get fixed or dropped when read
        # (_best_agent), and stay for when the agent is free again (_reindex).
        self._touched[agent.id] = agent

    def _apply_ring_progress_stopped(self, event: RingProgressStopped) -> None:
        self._interactions[event.interaction_id].ring_next_at = None

    def _apply_offer_accepted(self, event: OfferAccepted) -> None:
        offer = self._offers.pop(event.offer_id)
        ix, agent = offer.interaction, offer.agent
        del agent.offers[offer.id]
        if not agent.offers:
            agent.offers = {}  # a fresh empty dict is not tracked by the garbage collector
        del ix.offers[offer.id]
        if not ix.offers:
            ix.offers = {}
        ix.state = _ASSIGNED
        ix.agent_id = agent.id
        ix.assigned_at = event.at
        ix.ring_next_at = None
        agent.assignments[ix.id] = ix
        agent.missed_in_row = 0
        agent.missed = False
        self._touched[agent.id] = agent

    def _apply_offer_ended(
        self, event: OfferDeclined | OfferExpired | OfferCancelled | OfferRescinded
    ) -> None:
        offer = self._offers.pop(event.offer_id)
        ix, agent = offer.interaction, offer.agent
        del agent.offers[offer.id]
        del ix.offers[offer.id]
        agent.release(offer.kind)
        if isinstance(event, OfferDeclined | OfferExpired) and event.backoff_until is not None:
            agent.backoff_until = event.backoff_until
            self._push_deadline(event.backoff_until, _BACKOFF_END, agent.seq, None, agent.id)
        if isinstance(event, OfferExpired):
            agent.missed_in_row += 1
            agent.missed = True
        self._reindex(agent, invalidate=False)
        self._touched[agent.id] = agent
        if ix.state is _OFFERED and not ix.offers:
            ix.ring_next_at = None
            self._file(ix)

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> dict[str, Any]:
        """The whole logical state as plain JSON-able data (indexes are rebuilt)."""
        agents = []
        for agent in sorted(self._agents.values(), key=lambda a: a.seq):
            agents.append(
                {
                    "id": agent.id,
                    "seq": agent.seq,
                    "attributes": dict(agent.attributes),
                    "attr_version": agent.attr_version,
                    "capacity": agent.capacity.to_dict(),
                    "presence": agent.presence.value,
                    "reason": agent.reason,
                    "acw": dict(sorted(agent.acw.items())),
                    "backoff_until": agent.backoff_until,
                    "missed_in_row": agent.missed_in_row,
                    "missed": agent.missed,
                    "idle_since": agent.idle_since,
                    "last_offer_seq": dict(sorted(agent.last_offer_seq.items())),
                    "contacts": dict(sorted(agent.contacts.items())),
                    "handle_seconds": agent.handle_seconds,
                    "stamp": agent.stamp,
                    "activity": agent.activity.value,
                    "used": agent.used,
                    "counts": dict(sorted(agent.counts.items())),
                    "memberships": dict(sorted(agent.memberships.items())),
                }
            )
        interactions = []
        for ix in sorted(self._interactions.values(), key=lambda i: (i.seq, i.id)):
            interactions.append(
                {
                    "id": ix.id,
                    "channel_kind": ix.channel_kind,
                    "attributes": dict(ix.attributes),
                    "priority": ix.priority,
                    "contact_id": ix.contact_id,
                    "preferred_agent_id": ix.preferred_agent_id,
                    "workflow_id": ix.workflow_id,
                    "filter_index": ix.filter_index,
                    "targets": [t.to_dict() for t in ix.targets],
                    "target_index": ix.target_index,
                    "target_agent_id": ix.target_agent_id,
                    "fixed_agent_id": ix.fixed_agent_id,
                    "queue_id": ix.queue_id,
                    "entered_at": ix.entered_at,
                    "queue_entered_at": ix.queue_entered_at,
                    "seq": ix.seq,
                    "state": ix.state.value,
                    "agent_id": ix.agent_id,
                    "assigned_at": ix.assigned_at,
                    "ring_next_at": ix.ring_next_at,
                }
            )
        offers = [
            {
                "id": offer.id,
                "number": offer.number,
                "interaction_id": offer.interaction.id,
                "agent_id": offer.agent.id,
                "queue_id": offer.queue_id,
                "kind": offer.kind,
                "made_at": offer.made_at,
                "expires_at": offer.expires_at,
            }
            for offer in sorted(self._offers.values(), key=lambda o: o.number)
        ]
        return {
            "version": 1,
            "settings": self.settings.to_dict(),
            "queues": [q.config.to_dict() for q in self._queues.values()],
            "workflows": [w.to_dict() for w in self._workflows.values()],
            "agents": agents,
            "interactions": interactions,
            "offers": offers,
            "last_served": {k: list(v) for k, v in sorted(self._last_served.items())},
            "abandoned": [[k, dict(v)] for k, v in self._abandoned.items()],
            "next_seq": self._next_seq,
            "next_agent_seq": self._next_agent_seq,
            "offer_counter": self._offer_counter,
            "agents_away": dict(sorted(self._agents_away.items())),
            "contacts_away": dict(sorted(self._contacts_away.items())),
            "departed": sorted(self._departed),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> RoutingEngine:
        """Rebuild an engine from :meth:`snapshot`; then ``apply`` the later events."""
        engine = cls(RoutingSettings.from_dict(data["settings"]))
        for queue in data["queues"]:
            engine._apply_queue_configured(QueueConfigured(queue, engine._now))
        for workflow in data["workflows"]:
            engine._apply_workflow_configured(WorkflowConfigured(workflow, engine._now))
        for item in data["agents"]:
            agent = Agent(
                item["id"],
                int(item["seq"]),
                dict(item["attributes"]),
                engine._profile(item["capacity"]),
                float(item["idle_since"]),
            )
            agent.attr_version = int(item["attr_version"])
            agent.presence = Presence(item["presence"])
            agent.reason = item["reason"]
            agent.acw = {k: float(v) for k, v in item["acw"].items()}
            agent.backoff_until = item["backoff_until"]
            agent.missed_in_row = int(item["missed_in_row"])
            agent.missed = bool(item["missed"])
            agent.last_offer_seq = dict(item["last_offer_seq"])
            agent.contacts = dict(item["contacts"])
            agent.handle_seconds = float(item["handle_seconds"])
            agent.stamp = int(item["stamp"])
            agent.activity = Activity(item["activity"])
            if agent.seq != len(engine._by_seq):
                raise ValidationFailed("snapshot agents must be listed by seq, from 0")
            engine._agents[agent.id] = agent
            engine._by_seq.append(agent)
            engine._set_memberships(agent)
        for item in data["interactions"]:
            ix = Interaction(
                item["id"],
                channel_kind=item["channel_kind"],
                attributes=dict(item["attributes"]),
                priority=int(item["priority"]),
                contact_id=item["contact_id"],
                preferred_agent_id=item["preferred_agent_id"],
                workflow_id=item["workflow_id"],
                filter_index=int(item["filter_index"]),
                targets=tuple(Target.from_dict(t) for t in item["targets"]),
                target_index=int(item["target_index"]),
                target_agent_id=item["target_agent_id"],
                entered_at=float(item["entered_at"]),
                seq=int(item["seq"]),
                at=float(item["queue_entered_at"]),
            )
            ix.fixed_agent_id = item["fixed_agent_id"]
            ix.queue_id = item["queue_id"]
            ix.ring_next_at = item["ring_next_at"]
            state = InteractionState(item["state"])
            engine._interactions[ix.id] = ix
            if state is _ASSIGNED:
                agent = engine._agents[item["agent_id"]]
                ix.state = _ASSIGNED
                ix.agent_id = agent.id
                ix.assigned_at = item["assigned_at"]
                agent.assignments[ix.id] = ix
                agent.hold(ix.channel_kind)
            elif state is _OFFERED:
                ix.state = _OFFERED
            else:
                engine._file(ix)
            engine._schedule_interaction(ix)
            if ix.ring_next_at is not None and state is _OFFERED:
                engine._push_deadline(ix.ring_next_at, _RING_STEP, ix.seq, None, ix.id)
        for item in data["offers"]:
            ix = engine._interactions[item["interaction_id"]]
            agent = engine._agents[item["agent_id"]]
            offer = Offer(
                item["id"],
                int(item["number"]),
                ix,
                agent,
                item["queue_id"],
                item["kind"],
                float(item["made_at"]),
                float(item["expires_at"]),
            )
            engine._offers[offer.id] = offer
            agent.offers[offer.id] = offer
            ix.offers[offer.id] = offer
            agent.hold(offer.kind)
            engine._push_deadline(offer.expires_at, _OFFER_EXPIRY, offer.number, None, offer.id)
        for agent in engine._agents.values():
            for iid, until in agent.acw.items():
                engine._push_deadline(until, _ACW_END, agent.seq, iid, agent.id)
            if agent.backoff_until is not None:
                engine._push_deadline(agent.backoff_until, _BACKOFF_END, agent.seq, None, agent.id)
            agent.refresh_routable()
        engine._last_served = {k: (str(v[0]), float(v[1])) for k, v in data["last_served"].items()}
        engine._abandoned = {k: dict(v) for k, v in data["abandoned"]}
        engine._next_seq = int(data["next_seq"])
        engine._next_agent_seq = int(data["next_agent_seq"])
        engine._offer_counter = int(data["offer_counter"])
        for agent_id, due in data.get("agents_away", {}).items():
            engine._apply_agent_disconnected(AgentDisconnected(agent_id, float(due), engine._now))
        for iid, due in data.get("contacts_away", {}).items():
            engine._apply_contact_disconnected(ContactDisconnected(iid, float(due), engine._now))
        engine._departed = set(data.get("departed", []))
        for queue in engine._queues.values():
            for kind in list(queue.kind_heaps):
                queue.build_kind_heap(kind)
        return engine

    # ------------------------------------------------------------------ explain

    def explain(self, interaction_id: str, now: float | None = None) -> Explanation:
        """Where would this interaction go, and why? See ``explain.py``."""
        return explain_interaction(
            self, self._interaction(interaction_id), self._now if now is None else now
        )
