"""Pending deadlines of the routing engine, earliest first.

Most deadlines are "now plus a configured duration": every offer expires a queue's offer
timeout after it is made, every after-contact work ends a queue's wrap-up time after the
contact. Since ``now`` never goes backwards, the deadlines of one such duration arrive in
order, so they need no heap: each *run* (a caller-chosen key, such as the duration) is a
FIFO, and pushing or popping is O(1) whatever the number pending. At a full center
that matters: an offer timeout of 30 s at hundreds of offers a second keeps tens of
thousands of (mostly moot) expiries pending, and a heap of that size costs about as
much as a routing decision. Entries that do not arrive in order for their run (a rebuild
from a snapshot, a duration changed by configuration) go to one heap. The earliest
pending entry is the smallest head of the heap and of the runs; the order is exactly the
one a single heap would give.

Entries are tuples ordered by their items; the caller makes them unique (a counter), so
two entries never compare equal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from heapq import heappop, heappush
from typing import Any

__all__ = ["DeadlineQueue"]

Entry = tuple[Any, ...]  # (at, ...): ``at`` first, the rest breaks ties


class DeadlineQueue:
    """A priority queue of deadline entries, with FIFO runs for in-order arrivals."""

    __slots__ = ("_heap", "_runs")

    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._runs: dict[Hashable, deque[Entry]] = {}

    def __len__(self) -> int:
        return len(self._heap) + sum(len(run) for run in self._runs.values())

    def push(self, entry: Entry, run: Hashable | None = None) -> None:
        """Add an entry; ``run`` names a FIFO it probably arrives in order for."""
        if run is not None:
            fifo = self._runs.get(run)
            if fifo is None:
                self._runs[run] = deque((entry,))
                return
            if fifo[-1] < entry:
                fifo.append(entry)
                return
        heappush(self._heap, entry)

    def peek(self) -> Entry | None:
        """The earliest entry, or None if nothing is pending."""
        heap = self._heap
        best = heap[0] if heap else None
        for fifo in self._runs.values():
            head = fifo[0]  # runs are never empty: emptied runs are removed
            if best is None or head < best:
                best = head
        return best

    def pop_due(self, now: float) -> Entry | None:
        """Remove and return the earliest entry if it is due at ``now`` (else None)."""
        heap = self._heap
        best = heap[0] if heap and heap[0][0] <= now else None
        source: deque[Entry] | None = None
        key: Hashable = None
        for run, fifo in self._runs.items():
            head = fifo[0]
            if head[0] <= now and (best is None or head < best):
                best, source, key = head, fifo, run
        if best is None:
            return None
        if source is None:
            return heappop(heap)
        source.popleft()
        if not source:
            del self._runs[key]
        return best
