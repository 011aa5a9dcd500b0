"""The discrete-event loop: simulated traffic through the real routing engine.

One replication is one :class:`RoutingEngine` configured from the scenario (queues,
workflows, agents: the live server's configuration) and a virtual clock. The loop keeps a
heap of its own events, as tuples ``(time, seq, kind, payload)``:

- an arrival: ``engine.enqueue`` (the engine decides where it goes);
- the end of a contact: ``engine.complete`` (after-contact work is the engine's timer);
- the end of a contact's patience: ``engine.abandon`` if it still waits or rings;
- a roster change: ``engine.set_presence`` (shift start and end, breaks);
- a ringing offer being answered (``answer_seconds > 0``): ``engine.accept``.

Every ``OfferMade`` the engine emits is answered by the simulated agent (at once, or after
``answer_seconds``). Engine timers (after-contact work, offer expiry, workflow target
timeouts, overflow) are honoured by calling ``engine.advance(t)`` at ``next_deadline()``
before any own event at or after ``t``, as the server does. Ties on the clock keep the
order in which events were scheduled (``seq``), so a run is a pure function of the
scenario and the seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from heapq import heappop, heappush
from typing import Any

from switchdesk.domain.errors import ConfigurationError, Conflict
from switchdesk.domain.routing import (
    AfterContactWorkStarted,
    InteractionTransferredOut,
    OfferMade,
    Presence,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
)
from switchdesk.simulation.distributions import arrival_times, duration_sampler
from switchdesk.simulation.scenario import AgentGroup, Scenario

__all__ = [
    "COUNTER_NAMES",
    "ReplicationResult",
    "RosterChange",
    "expected_calls",
    "roster_changes",
    "run_replication",
]

# Counters of one (stream, interval) row; counts are ints, sums are float seconds.
OFFERED = 0
ANSWERED = 1
ABANDONED = 2
ANSWERED_WITHIN = 3
ABANDONED_WITHIN = 4
SHORT_ABANDONS = 5
FLOW_OUTS = 6
WAITED = 7
WAIT_ANSWERED = 8
WAIT_ALL = 9
HANDLE = 10
HANDLED = 11
LONGEST_WAIT = 12
UNFINISHED = 13
COUNTER_NAMES = (
    "offered",
    "answered",
    "abandoned",
    "answered_within_threshold",
    "abandoned_within_threshold",
    "short_abandons",
    "flow_outs",
    "waited",
    "wait_answered_seconds",
    "wait_all_seconds",
    "handle_seconds",
    "handled",
    "longest_wait_seconds",
    "unfinished",
)
_FLOAT_COUNTERS = {WAIT_ANSWERED, WAIT_ALL, HANDLE, LONGEST_WAIT}

# Own event kinds (their order breaks no ties: seq does).
_ARRIVAL = 0
_END = 1
_PATIENCE = 2
_ROSTER = 3
_ACCEPT = 4

# Call record fields (a small list per contact in the system).
_ARRIVED_AT = 0
_ROW = 1
_STATE = 2
_ANSWERED_AT = 3
_AGENT = 4
_ID = 5
_STREAM = 6

_WAITING = 0
_ASSIGNED = 1
_ENDED = 2


@dataclass(frozen=True, slots=True)
class RosterChange:
    """At ``at``, agent ``agent_id`` of group ``group`` gets ``presence`` (with reason)."""

    at: float
    agent_id: str
    group: int
    presence: Presence
    reason: str | None = None


def _group_windows(group: AgentGroup, start: float) -> list[list[tuple[float, float, str | None]]]:
    """Per agent of the group: (from, to, not-ready reason or None for available) spans,
    in time order; the agent is offline outside them. ``to`` may be infinite."""
    agents: list[list[tuple[float, float, str | None]]] = []
    if group.shifts:
        for shift in group.shifts:
            for _ in range(shift.count):
                spans: list[tuple[float, float, str | None]] = []
                cursor = shift.start_seconds
                for brk in shift.breaks:
                    if brk.start_seconds > cursor:
                        spans.append((cursor, brk.start_seconds, None))
                    spans.append((brk.start_seconds, brk.end_seconds, brk.reason))
                    cursor = brk.end_seconds
                if shift.end_seconds > cursor:
                    spans.append((cursor, shift.end_seconds, None))
                agents.append(spans)
    elif group.staffing:
        width = group.staffing_interval_seconds
        for k in range(max(group.staffing, default=0)):
            spans = []
            for index, count in enumerate(group.staffing):
                if count > k:
                    lo = start + index * width
                    if spans and spans[-1][1] == lo:
                        spans[-1] = (spans[-1][0], lo + width, None)
                    else:
                        spans.append((lo, lo + width, None))
            agents.append(spans)
    else:
        agents.extend([[(start, math.inf, None)] for _ in range(group.count)])
    return agents


def roster_changes(
    scenario: Scenario,
) -> tuple[list[RosterChange], list[list[tuple[float, float]]]]:
    """Presence changes of every agent in time order, and per group the spans during which
    each of its agents is available (for staffed time and occupancy)."""
    start = scenario.settings.start_seconds
    changes: list[RosterChange] = []
    available: list[list[tuple[float, float]]] = []
    for g_index, group in enumerate(scenario.agents):
        spans_of_group: list[tuple[float, float]] = []
        for k, spans in enumerate(_group_windows(group, start)):
            agent_id = f"{group.id}-{k}"
            previous_end: float | None = None
            for lo, hi, reason in spans:
                presence = Presence.AVAILABLE if reason is None else Presence.NOT_READY
                changes.append(RosterChange(lo, agent_id, g_index, presence, reason))
                if reason is None:
                    spans_of_group.append((lo, hi))
                if previous_end is not None and previous_end < lo:
                    changes.append(RosterChange(previous_end, agent_id, g_index, Presence.OFFLINE))
                previous_end = hi
            if previous_end is not None and math.isfinite(previous_end):
                changes.append(RosterChange(previous_end, agent_id, g_index, Presence.OFFLINE))
        available.append(spans_of_group)
    # Same instant: going offline/not-ready first, then coming in, then by agent.
    changes.sort(key=lambda c: (c.at, c.presence is Presence.AVAILABLE, c.agent_id))
    return changes, available


def expected_calls(scenario: Scenario) -> float:
    """Expected arrivals of one replication (for progress bars)."""
    st = scenario.settings
    return sum(
        s.arrivals.expected_calls(st.start_seconds, st.end_seconds) for s in scenario.traffic
    )


@dataclass(slots=True)
class ReplicationResult:
    """Raw counters of one replication.

    ``rows[s][i]``: the counters (``COUNTER_NAMES`` order) of stream ``s`` for contacts
    that arrived in interval ``i``; ``busy[g][i]`` / ``staffed[g][i]``: capacity-weighted
    handle seconds and available seconds of agent group ``g`` in interval ``i`` (a voice
    contact weighs 1, a chat costing 34 of 100 weighs 0.34).
    """

    rows: list[list[list[Any]]]
    busy: list[list[float]]
    staffed: list[list[float]]
    calls: int
    counted_from: int  # first interval after the warm-up


def _new_row() -> list[Any]:
    return [0.0 if i in _FLOAT_COUNTERS else 0 for i in range(len(COUNTER_NAMES))]


def _spread(
    values: list[float],
    lo: float,
    hi: float,
    origin: float,
    width: float,
    weight: float,
    first: float,
) -> None:
    """Add ``weight`` x the overlap of [lo, hi) with each interval to ``values``."""
    if lo < first:
        lo = first
    last = origin + len(values) * width
    if hi > last:
        hi = last
    if hi <= lo:
        return
    index = int((lo - origin) // width)
    while lo < hi and index < len(values):
        edge = origin + (index + 1) * width
        top = hi if hi < edge else edge
        values[index] += (top - lo) * weight
        lo = top
        index += 1


def _ordered_queues(queues: tuple[QueueConfig, ...]) -> list[QueueConfig]:
    """Queues in an order where every overflow target is configured before its source."""
    pending = list(queues)
    done: set[str] = set()
    ordered: list[QueueConfig] = []
    while pending:
        progress = False
        for queue in list(pending):
            if queue.overflow_queue_id is None or queue.overflow_queue_id in done:
                ordered.append(queue)
                done.add(queue.id)
                pending.remove(queue)
                progress = True
        if not progress:
            ordered.extend(pending)  # the engine reports the unknown or cyclic target
            break
    return ordered


def _seeded(seed: int, replication: int, *parts: object) -> random.Random:
    return random.Random(  # noqa: S311 - simulation, not cryptography
        f"switchdesk-sim:{seed}:{replication}:" + ":".join(map(str, parts))
    )


def run_replication(
    scenario: Scenario,
    replication: int,
    *,
    seed: int | None = None,
    on_calls: Callable[[int], None] | None = None,
    on_events: Callable[[list[RoutingEvent]], None] | None = None,
) -> ReplicationResult:
    """Simulate one replication; ``on_calls(n)`` is told every few thousand arrivals;
    ``on_events`` gets every list of routing events the engine emits, in order (the same
    events the live center stores, so reports can be computed from a run)."""
    st = scenario.settings
    seed = st.seed if seed is None else seed
    start = st.start_seconds
    width = st.interval_seconds
    n_intervals = st.intervals
    counted_at = start + st.warmup_seconds
    counted_from = int(st.warmup_seconds // width)
    threshold = st.threshold_seconds
    short = st.short_abandon_seconds
    answer_delay = st.answer_seconds

    # Agent activity is not reported from a simulation: the engine need not announce it.
    engine = RoutingEngine(replace(scenario.routing, activity_events=False))
    if on_events is not None:
        _tap(engine, on_events)
    for queue in _ordered_queues(scenario.queues):
        engine.configure_queue(queue, start)
    for workflow in scenario.workflows:
        engine.configure_workflow(workflow, start)
    changes, available = roster_changes(scenario)
    agent_group: dict[str, int] = {}
    weights: list[dict[str, float]] = []
    for g_index, group in enumerate(scenario.agents):
        total = group.capacity.total
        weights.append({k: c / total for k, c in group.capacity.costs.items()} if total else {})
        for k in range(group.size):
            agent_id = f"{group.id}-{k}"
            agent_group[agent_id] = g_index
            engine.register_agent(
                agent_id, start, attributes=group.attributes, capacity=group.capacity
            )

    streams = scenario.traffic
    rows = [[_new_row() for _ in range(n_intervals)] for _ in streams]
    busy = [[0.0] * n_intervals for _ in scenario.agents]
    staffed = [[0.0] * n_intervals for _ in scenario.agents]
    for g_index, spans in enumerate(available):
        for lo, hi in spans:
            _spread(staffed[g_index], lo, hi, start, width, 1.0, counted_at)

    handle_samplers = [
        duration_sampler(s.handle_time, _seeded(seed, replication, i, "handle"))
        for i, s in enumerate(streams)
    ]
    patience_samplers = [
        duration_sampler(s.patience, _seeded(seed, replication, i, "patience"))
        for i, s in enumerate(streams)
    ]
    acw_samplers = [
        None
        if s.after_contact_work is None
        else duration_sampler(s.after_contact_work, _seeded(seed, replication, i, "acw"))
        for i, s in enumerate(streams)
    ]
    queue_acw = any(q.after_contact_work_seconds > 0 for q in scenario.queues)
    arrival_iters: list[Iterator[float]] = [
        arrival_times(s.arrivals, _seeded(seed, replication, i, "arrivals"), start, st.end_seconds)
        for i, s in enumerate(streams)
    ]
    kinds = [s.channel_kind for s in streams]
    enqueue_kwargs: list[dict[str, Any]] = []
    for s in streams:
        kwargs: dict[str, Any] = {"channel_kind": s.channel_kind, "priority": s.priority}
        if s.queue_id is not None:
            kwargs["queue_id"] = s.queue_id
        else:
            kwargs["workflow_id"] = s.workflow_id
        if s.attributes:
            kwargs["attributes"] = dict(s.attributes)
        enqueue_kwargs.append(kwargs)

    heap: list[tuple[float, int, int, Any]] = []
    seq = 0
    for change in changes:  # a shift begun before the start takes effect at the start
        seq += 1
        heap.append((max(change.at, start), seq, _ROSTER, change))
    for index, times in enumerate(arrival_iters):
        first = next(times, None)
        if first is not None:
            seq += 1
            heap.append((first, seq, _ARRIVAL, index))
    heap.sort()

    calls: dict[str, list[Any]] = {}
    enqueue = engine.enqueue
    accept = engine.accept
    complete = engine.complete
    abandon = engine.abandon
    advance = engine.advance
    next_deadline = engine.next_deadline
    push = heappush
    pop = heappop
    arrived = 0

    def answer(call: list[Any], offer_id: str, agent_id: str, now: float) -> None:
        nonlocal seq
        try:
            events = accept(offer_id, now)
        except Conflict:  # rescinded or taken by another agent meanwhile
            return
        call[_STATE] = _ASSIGNED
        call[_ANSWERED_AT] = now
        call[_AGENT] = agent_id
        row = call[_ROW]
        if row is not None:
            wait = now - call[_ARRIVED_AT]
            row[ANSWERED] += 1
            row[WAIT_ANSWERED] += wait
            row[WAIT_ALL] += wait
            if wait > 0.0:
                row[WAITED] += 1
                if wait > row[LONGEST_WAIT]:
                    row[LONGEST_WAIT] = wait
            if wait <= threshold:
                row[ANSWERED_WITHIN] += 1
        seq += 1
        push(heap, (now + handle_samplers[call[_STREAM]](), seq, _END, call))
        if len(events) > 2:
            handle(events, now)

    def handle(events: list[Any], now: float) -> None:
        nonlocal seq
        for event in events:
            cls = event.__class__
            if cls is OfferMade:
                call = calls[event.interaction_id]
                if call[_STATE] != _WAITING:
                    continue  # ring-all: another agent already has it
                if answer_delay:
                    seq += 1
                    push(heap, (now + answer_delay, seq, _ACCEPT, (call, event)))
                else:
                    answer(call, event.offer_id, event.agent_id, now)
            elif cls is InteractionTransferredOut:
                gone = calls.get(event.interaction_id)
                if gone is not None and gone[_STATE] == _WAITING:
                    del calls[event.interaction_id]
                    gone[_STATE] = _ENDED
                    row = gone[_ROW]
                    if row is not None:
                        wait = now - gone[_ARRIVED_AT]
                        row[FLOW_OUTS] += 1
                        row[WAIT_ALL] += wait
                        if wait > 0.0:
                            row[WAITED] += 1
                        if wait > row[LONGEST_WAIT]:
                            row[LONGEST_WAIT] = wait

    deadline = next_deadline()
    now = start
    while True:
        if deadline is not None and (not heap or deadline <= heap[0][0]):
            now = deadline
            handle(advance(now), now)
            deadline = next_deadline()
            continue
        if not heap:
            break
        now, _, kind, payload = pop(heap)
        if kind == _ARRIVAL:
            stream = payload
            arrived += 1
            iid = str(arrived)
            if now >= counted_at:
                index = int((now - start) // width)
                row = rows[stream][index] if index < n_intervals else None
                if row is not None:
                    row[OFFERED] += 1
            else:
                row = None
            call = [now, row, _WAITING, 0.0, None, iid, stream]
            calls[iid] = call
            patience = patience_samplers[stream]()
            handle(enqueue(iid, now, **enqueue_kwargs[stream]), now)
            if call[_STATE] == _WAITING and patience != math.inf:
                seq += 1
                push(heap, (now + patience, seq, _PATIENCE, call))
            following = next(arrival_iters[stream], None)
            if following is not None:
                seq += 1
                push(heap, (following, seq, _ARRIVAL, stream))
            if on_calls is not None and not arrived & 4095:
                on_calls(4096)
        elif kind == _END:
            call = payload
            iid = call[_ID]
            stream = call[_STREAM]
            sampler = acw_samplers[stream]
            events = complete(
                iid, now, after_contact_work_seconds=None if sampler is None else sampler()
            )
            acw = 0.0
            if sampler is not None or queue_acw:
                for event in events:
                    if event.__class__ is AfterContactWorkStarted:
                        acw = event.until - now
                        break
            del calls[iid]
            call[_STATE] = _ENDED
            row = call[_ROW]
            answered_at = call[_ANSWERED_AT]
            if row is not None:
                row[HANDLE] += now - answered_at + acw
                row[HANDLED] += 1
            g_index = agent_group[call[_AGENT]]
            weight = weights[g_index].get(kinds[stream], 1.0)
            until = now + acw
            index = int((answered_at - start) // width)
            if (
                answered_at >= counted_at
                and index < n_intervals
                and until <= start + (index + 1) * width
            ):
                busy[g_index][index] += (until - answered_at) * weight  # within one interval
            else:
                _spread(busy[g_index], answered_at, until, start, width, weight, counted_at)
            handle(events, now)
        elif kind == _PATIENCE:
            call = payload
            if call[_STATE] != _WAITING:
                continue  # answered or gone: the engine was not touched
            iid = call[_ID]
            events = abandon(iid, now)
            del calls[iid]
            call[_STATE] = _ENDED
            row = call[_ROW]
            if row is not None:
                wait = now - call[_ARRIVED_AT]
                row[ABANDONED] += 1
                row[WAIT_ALL] += wait
                if wait > 0.0:
                    row[WAITED] += 1
                if wait <= threshold:
                    row[ABANDONED_WITHIN] += 1
                if wait <= short:
                    row[SHORT_ABANDONS] += 1
                if wait > row[LONGEST_WAIT]:
                    row[LONGEST_WAIT] = wait
            handle(events, now)
        elif kind == _ROSTER:
            change = payload
            handle(engine.set_presence(change.agent_id, change.presence, now, change.reason), now)
        else:  # _ACCEPT after ringing
            call, offer = payload
            if call[_STATE] == _WAITING:
                answer(call, offer.offer_id, offer.agent_id, now)
        deadline = next_deadline()

    for call in calls.values():  # still waiting when nothing more can happen
        row = call[_ROW]
        if row is not None and call[_STATE] == _WAITING:
            row[UNFINISHED] += 1
            wait = now - call[_ARRIVED_AT]
            if wait > row[LONGEST_WAIT]:
                row[LONGEST_WAIT] = wait
    if on_calls is not None:
        on_calls(arrived & 4095)
    return ReplicationResult(rows, busy, staffed, arrived, counted_from)


_COMMANDS = (
    "configure_queue",
    "configure_workflow",
    "register_agent",
    "set_presence",
    "enqueue",
    "accept",
    "complete",
    "abandon",
    "advance",
)


def _tap(engine: RoutingEngine, on_events: Callable[[list[RoutingEvent]], None]) -> None:
    """Hand every command's events to ``on_events`` (a slower run: only when asked)."""
    for name in _COMMANDS:
        command = getattr(engine, name)

        def tapped(*args: Any, _command: Any = command, **kwargs: Any) -> Any:
            events = _command(*args, **kwargs)
            on_events(events)
            return events

        setattr(engine, name, tapped)


def validate_scenario(scenario: Scenario) -> None:
    """Configure a throw-away engine with the scenario (raises ConfigurationError)."""
    engine = RoutingEngine(scenario.routing)
    start = scenario.settings.start_seconds
    for queue in _ordered_queues(scenario.queues):
        engine.configure_queue(queue, start)
    for workflow in scenario.workflows:
        engine.configure_workflow(workflow, start)
    for group in scenario.agents:
        kinds = set(group.capacity.costs)
        if not kinds:
            raise ConfigurationError(
                f"agent group {group.id!r}: capacity has no channel kind", field="capacity"
            )
