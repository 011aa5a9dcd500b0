"""Property-based tests over random sequences of operations (hypothesis).

After every operation: no agent above capacity; no interaction assigned twice; every offer
respects the queue's eligibility expression; within a queue, channel kind and priority,
interactions are offered oldest first; nothing waits while an eligible agent is free.
At the end every interaction ends exactly once, and an engine rebuilt from a snapshot
plus the later events equals the live one and decides the same from then on.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from switchdesk.domain.errors import Conflict
from switchdesk.domain.routing import (
    CapacityProfile,
    InteractionAbandoned,
    InteractionCancelled,
    InteractionCompleted,
    InteractionEnqueued,
    InteractionTransferred,
    InteractionTransferredOut,
    Level,
    OfferAccepted,
    OfferMade,
    Presence,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
    RoutingSettings,
    Strategy,
    Target,
    WorkflowConfig,
    compile_expression,
    event_from_dict,
    event_to_dict,
)

QUEUES = (
    QueueConfig(
        "voice-billing",
        eligibility="agent.skills.billing >= 2",
        offer_timeout_seconds=8,
        after_contact_work_seconds=3,
        decline_backoff_seconds=2,
    ),
    QueueConfig(
        "chat-any",
        strategy=Strategy.ROUND_ROBIN,
        offer_timeout_seconds=6,
        no_answer_backoff_seconds=0,
        max_wait_seconds=40,
        overflow_destination="voicemail",
    ),
    QueueConfig(
        "sales",
        eligibility='agent.languages HAS "es" OR agent.skills.sales >= 3',
        strategy=Strategy.RING_ALL,
        offer_timeout_seconds=5,
    ),
    QueueConfig(
        "expert",
        eligibility="agent.skills.billing >= 4",
        strategy=Strategy.FEWEST_CONTACTS,
        offer_timeout_seconds=7,
        max_wait_seconds=25,
        overflow_queue_id="voice-billing",
    ),
)
LOTTERY = QueueConfig("lottery", strategy=Strategy.RANDOM, random_seed=7, offer_timeout_seconds=6)
STEPS = QueueConfig(
    "steps",
    strategy=Strategy.RING_PROGRESSIVE,
    ring_step_seconds=2,
    offer_timeout_seconds=7,
    decline_backoff_seconds=1,
)
STICKY = QueueConfig("sticky", strategy=Strategy.STICKY, offer_timeout_seconds=5)
TIERED = QueueConfig(
    "tiered",
    levels=(Level("agent.skills.billing >= 4"), Level("agent.skills.billing >= 1")),
    strategy=Strategy.LEAST_OCCUPIED,
    offer_timeout_seconds=9,
)
KINDS = ("voice", "chat", "email")
PROFILES = (
    CapacityProfile(
        100, {"voice": 100, "callback": 100, "chat": 34, "email": 20}, {"chat": 3, "email": 2}
    ),
    CapacityProfile(100, {"chat": 50, "email": 25}, {}),
    CapacityProfile(100, {"voice": 100, "callback": 100}, {}),
)
QUEUES = (*QUEUES, LOTTERY, STEPS, STICKY)
ELIGIBILITY = {q.id: compile_expression(q.eligibility) for q in (*QUEUES, TIERED)}
ENDS = (InteractionCompleted, InteractionAbandoned, InteractionCancelled, InteractionTransferredOut)


def _attributes(seed: int) -> dict[str, Any]:
    return {
        "skills": {"billing": seed % 6, "sales": (seed // 6) % 6},
        "languages": ["en", "es"] if seed % 3 == 0 else ["en"],
    }


class Checker:
    """Runs operations on an engine and checks the invariants on the events."""

    def __init__(self) -> None:
        self.engine = RoutingEngine(RoutingSettings(max_missed_offers=2, resume_window_seconds=30))
        self.now = 0.0
        self.events: list[RoutingEvent] = []
        self.attributes: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, CapacityProfile] = {}
        self.holding: dict[str, dict[str, str]] = {}  # agent -> {offer or ix id: kind}
        self.offer_kind: dict[str, tuple[str, str]] = {}  # offer id -> (agent, kind)
        self.assigned: dict[str, str] = {}
        self.enqueued: set[str] = set()
        self.ended: set[str] = set()
        self.serial = 0
        for queue in (*QUEUES, TIERED):
            self.run("configure_queue", queue, 0.0)
        self.run(
            "configure_workflow",
            WorkflowConfig(
                "by-language",
                default_targets=(
                    Target(
                        "tiered",
                        expression="interaction.language IN agent.languages",
                        max_level=0,
                        timeout_seconds=8,
                    ),
                    Target("tiered", max_level=1),
                ),
            ),
            0.0,
        )
        self.run(
            "configure_workflow",
            WorkflowConfig(
                "escalate",
                default_targets=(
                    Target("expert", timeout_seconds=10, priority=1),
                    Target("voice-billing", priority=2),
                ),
            ),
            0.0,
        )
        for n in range(6):
            agent_id = f"a{n}"
            self.attributes[agent_id] = _attributes(n * 7 + 3)
            self.profiles[agent_id] = PROFILES[n % len(PROFILES)]
            self.holding[agent_id] = {}
            self.run(
                "register_agent",
                agent_id,
                0.0,
                attributes=self.attributes[agent_id],
                capacity=self.profiles[agent_id],
                presence=Presence.AVAILABLE,
            )

    # -- driving -------------------------------------------------------------------------

    def run(self, method: str, *args: Any, **kwargs: Any) -> list[RoutingEvent]:
        events: list[RoutingEvent] = getattr(self.engine, method)(*args, **kwargs)
        self.events.extend(events)
        self.check(events)
        return events

    def pick(self, items: list[str], n: int) -> str | None:
        return items[n % len(items)] if items else None

    def step(self, op: int, a: int, b: int) -> None:
        self.now += b % 5
        now = self.now
        engine = self.engine
        self.run("advance", now)  # as the server and the simulator do before a command
        ids = sorted(engine.interaction_ids())
        offers = sorted({o for i in ids for o in engine.offer_ids(i)})
        assigned = [i for i in ids if engine.interaction_status(i)["state"] == "assigned"]
        unassigned = [i for i in ids if i not in assigned]
        agents = sorted(engine.agent_ids())
        if op in (0, 1, 2):
            self.serial += 1
            iid = f"i{self.serial}"
            kind = KINDS[a % 3]
            contact = f"c{b % 4}"
            if a % 7 == 1:
                self.run(
                    "enqueue",
                    iid,
                    now,
                    channel_kind=kind,
                    workflow_id="by-language",
                    attributes={"language": ("en", "es")[b % 2]},
                    contact_id=contact,
                )
            elif a % 7 == 0:
                self.run(
                    "enqueue",
                    iid,
                    now,
                    channel_kind=kind,
                    workflow_id="escalate",
                    priority=b % 2,
                    contact_id=contact,
                )
            else:
                queue = QUEUES[a % len(QUEUES)].id
                self.run(
                    "enqueue",
                    iid,
                    now,
                    channel_kind=kind,
                    queue_id=queue,
                    priority=(a // 7) % 2,
                    contact_id=contact,
                )
        elif op in (3, 4):
            offer = self.pick(offers, a)
            if offer is not None:
                self.run("accept", offer, now)
        elif op == 5:
            offer = self.pick(offers, a)
            if offer is not None:
                self.run("decline", offer, now)
        elif op in (6, 7):
            iid = self.pick(assigned, a)
            if iid is not None:
                self.run("complete", iid, now)
        elif op == 8:
            iid = self.pick(unassigned, a)
            if iid is not None:
                self.run("abandon" if b % 2 else "cancel", iid, now)
        elif op == 9:
            agent = self.pick(agents, a)
            presence = ("available", "not_ready", "offline", "available")[b % 4]
            if agent is not None:
                self.run("set_presence", agent, presence, now, reason="break")
        elif op == 10:
            self.now += a % 20
            self.run("advance", self.now)
        elif op == 11:
            iid = self.pick(ids, a)
            if iid is not None:
                self.run("transfer_to_queue", iid, QUEUES[b % len(QUEUES)].id, now)
        elif op == 12:
            iid = self.pick(unassigned, a)
            if iid is not None:
                self.run("request_callback", iid, now)
        elif op == 13:
            agent = self.pick(agents, a)
            if agent is not None:
                self.attributes[agent] = _attributes(b)
                self.run("update_agent_attributes", agent, self.attributes[agent], now)
        elif op == 14:
            agent = self.pick(agents, a)
            if agent is not None and engine.agent_status(agent)["after_contact_work_until"]:
                self.run("end_after_contact_work", agent, now)
        elif op == 15:
            iid = self.pick(ids, a)
            if iid is not None:
                self.run("transfer_out", iid, "external", now)

    def finish(self) -> None:
        """End everything still in routing, so every interaction has ended."""
        for iid in sorted(self.engine.interaction_ids()):
            state = self.engine.interaction_status(iid)["state"]
            if state == "assigned":
                self.run("complete", iid, self.now)
            else:
                self.run("cancel", iid, self.now)

    # -- invariants ----------------------------------------------------------------------

    def check(self, events: list[RoutingEvent]) -> None:
        offered_now: list[tuple[int, OfferMade]] = []
        for index, event in enumerate(events):
            if isinstance(event, InteractionEnqueued):
                assert (
                    event.interaction_id not in self.enqueued or event.interaction_id in self.ended
                )
                self.enqueued.add(event.interaction_id)
            elif isinstance(event, OfferMade):
                kind = (
                    self.engine.interaction_status(event.interaction_id)["channel_kind"]
                    if (event.interaction_id in self.engine.interaction_ids())
                    else None
                )
                offered_now.append((index, event))
                # eligibility: the agent's attributes satisfy the queue's expression
                attributes = {**self.attributes[event.agent_id], "id": event.agent_id}
                assert ELIGIBILITY[event.queue_id].evaluate(attributes), event
                self.offer_kind[event.offer_id] = (event.agent_id, str(kind))
                self.holding[event.agent_id][event.offer_id] = str(kind)
            elif isinstance(event, OfferAccepted):
                assert event.interaction_id not in self.assigned, "assigned twice"
                self.assigned[event.interaction_id] = event.agent_id
                agent, kind = self.offer_kind.pop(event.offer_id)
                del self.holding[agent][event.offer_id]
                self.holding[agent][event.interaction_id] = kind
            elif hasattr(event, "offer_id"):  # declined, expired, cancelled, rescinded
                agent, _ = self.offer_kind.pop(event.offer_id)  # type: ignore[attr-defined]
                del self.holding[agent][event.offer_id]  # type: ignore[attr-defined]
            elif isinstance(event, (InteractionTransferred, ENDS)):
                iid = event.interaction_id  # type: ignore[attr-defined]
                agent = self.assigned.pop(iid, None)
                if agent is not None:
                    del self.holding[agent][iid]
                if isinstance(event, ENDS):
                    assert iid not in self.ended, f"{iid} ended twice"
                    assert iid in self.enqueued
                    self.ended.add(iid)
        # capacity: what each agent holds fits its profile (offers included)
        for agent, held in self.holding.items():
            profile = self.profiles[agent]
            used = sum(profile.costs[kind] for kind in held.values())
            assert used <= profile.total, (agent, held)
            for kind, limit in profile.maximum.items():
                assert sum(1 for k in held.values() if k == kind) <= limit
            assert used == self.engine.agent_status(agent)["capacity_used"]
        # FIFO within queue, kind and priority: nothing older of the same group still waits
        for index, event in offered_now:
            # interactions that arrived (or changed) after this offer are not compared
            later = {getattr(e, "interaction_id", None) for e in events[index + 1 :]}
            if event.interaction_id not in self.engine.interaction_ids():
                continue
            if event.offer_id not in self.engine.offer_ids(event.interaction_id):
                continue  # no longer pending: the check is about the current state
            mine = self.engine.interaction_status(event.interaction_id)
            if event.queue_id not in self.engine.queue_ids() or event.queue_id == TIERED.id:
                continue  # (tiered lanes differ by language: not one line to compare)
            for other in self.engine.waiting(event.queue_id):
                if other in later:
                    continue
                status = self.engine.interaction_status(other)
                if (status["channel_kind"], status["priority"]) != (
                    mine["channel_kind"],
                    mine["priority"],
                ):
                    continue
                older = (status["entered_at"], status["seq"]) < (mine["entered_at"], mine["seq"])
                assert not older, f"{other} waits while younger {event.interaction_id} is offered"
        # no backlog while an eligible agent is free
        for queue_id in self.engine.queue_ids():
            for iid in self.engine.waiting(queue_id):
                assert self.engine.explain(iid).would_offer_to == (), iid


operations = st.lists(
    st.tuples(st.integers(0, 15), st.integers(0, 10_000), st.integers(0, 10_000)),
    min_size=10,
    max_size=120,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, cut=st.integers(0, 120))
# Found by this test: a ring-progressive step due at the instant an older interaction's
# offer expired took the free agent for the younger ring before the older one was routed.
@example(
    ops=[
        *[(0, 0, 0), (0, 13, 0), (0, 96, 0), (5, 0, 0), (8, 0, 0), (10, 1, 4), (3, 0, 4)],
        *[(0, 0, 0), (0, 96, 1214), (0, 0, 34)],
    ],
    cut=0,
)
def test_random_operations_keep_every_routing_invariant(
    ops: list[tuple[int, int, int]], cut: int
) -> None:
    checker = Checker()
    snapshot: dict[str, Any] | None = None
    mark = 0
    for index, (op, a, b) in enumerate(ops):
        if index == cut:
            snapshot = json.loads(json.dumps(checker.engine.snapshot()))
            mark = len(checker.events)
        with contextlib.suppress(Conflict):  # e.g. accepting an offer that just expired
            checker.step(op, a, b)
    if snapshot is None:
        snapshot = json.loads(json.dumps(checker.engine.snapshot()))
        mark = len(checker.events)
    # rebuilt from the snapshot plus the later events (through their wire form)
    rebuilt = RoutingEngine.from_snapshot(snapshot)
    for event in checker.events[mark:]:
        wire = json.loads(json.dumps(event_to_dict(event)))
        rebuilt.apply(event_from_dict(wire))
    assert rebuilt.snapshot() == checker.engine.snapshot()
    # ... and decides the same from then on
    live_events = checker.engine.advance(checker.now + 100)
    assert rebuilt.advance(checker.now + 100) == live_events
    checker.events.extend(live_events)
    checker.check(live_events)
    checker.finish()
    assert checker.enqueued == checker.ended
    assert checker.assigned == {}


@settings(max_examples=25, deadline=None)
@given(ops=operations)
def test_same_operations_give_the_same_events(ops: list[tuple[int, int, int]]) -> None:
    runs = []
    for _ in range(2):
        checker = Checker()
        for op, a, b in ops:
            with contextlib.suppress(Conflict):
                checker.step(op, a, b)
        runs.append([event_to_dict(e) for e in checker.events])
    assert runs[0] == runs[1]
