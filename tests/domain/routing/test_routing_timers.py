"""The deadline queue gives deadlines back in exactly the order one heap would."""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.routing import CapacityProfile, OfferExpired, Presence, QueueConfig
from switchdesk.domain.routing.engine import RoutingEngine
from switchdesk.domain.routing.timers import DeadlineQueue

# (time step, duration, kind, run key given?) or ("pop", time step)
_operation = st.one_of(
    st.tuples(
        st.just("push"),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.sampled_from([0.0, 1.0, 2.5, 30.0]),
        st.integers(0, 2),
        st.booleans(),
    ),
    st.tuples(st.just("pop"), st.sampled_from([0.0, 0.5, 3.0, 40.0])),
)


@given(st.lists(_operation, max_size=80))
def test_deadlines_come_out_in_the_order_of_a_single_heap(operations: list[Any]) -> None:
    queue = DeadlineQueue()
    reference: list[tuple[Any, ...]] = []
    now = 0.0
    counter = 0
    popped: list[tuple[Any, ...]] = []
    expected: list[tuple[Any, ...]] = []
    for operation in operations:
        if operation[0] == "push":
            _, step, duration, kind, in_run = operation
            now += step
            counter += 1
            entry = (now + duration, kind, counter % 3, counter)
            # a run key that sometimes lies (the same key for different durations): the
            # order must not depend on the caller's guess being right
            queue.push(entry, (kind, duration if in_run else 1.0) if kind else None)
            heappush(reference, entry)
        else:
            now += operation[1]
            while (entry := queue.pop_due(now)) is not None:
                popped.append(entry)
            while reference and reference[0][0] <= now:
                expected.append(heappop(reference))
            assert popped == expected
        assert len(queue) == len(reference)
        assert queue.peek() == (reference[0] if reference else None)


def test_an_offer_expires_on_time_with_thousands_of_moot_expiries_pending() -> None:
    engine = RoutingEngine()
    engine.configure_queue(QueueConfig(id="q", eligibility="true", offer_timeout_seconds=30), 0)
    profile = CapacityProfile(total=1, costs={"chat": 1})
    engine.register_agent("a", 0, capacity=profile, presence=Presence.AVAILABLE)
    now = 0.0
    for serial in range(5_000):  # each offer accepted at once leaves a moot expiry
        now += 0.001
        engine.advance(now)
        (offer,) = [
            e
            for e in engine.enqueue(f"i{serial}", now, channel_kind="chat", queue_id="q")
            if hasattr(e, "offer_id")
        ]
        engine.accept(offer.offer_id, now)
        engine.complete(f"i{serial}", now)
    engine.advance(now + 1)
    events = engine.enqueue("last", now + 1, channel_kind="chat", queue_id="q")
    assert engine.next_deadline() == now + 1 + 30
    assert engine.advance(now + 30.9) == []
    expired = [e for e in engine.advance(now + 31) if isinstance(e, OfferExpired)]
    assert [e.interaction_id for e in expired] == ["last"]
    assert events
