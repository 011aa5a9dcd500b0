"""The in-process publisher behind every WebSocket feed.

``LiveHub.publish`` may be called from any thread (use cases run in the thread pool); it
hands the message to the event loop, which copies it into the queue of every socket
subscribed to the topic. A slow socket whose queue fills up is dropped: its page
reconnects and gets a fresh snapshot, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

QUEUE_LIMIT = 1000


class Subscription:
    def __init__(self, topics: tuple[str, ...]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_LIMIT)
        self.overflowed = False


class LiveHub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subs: dict[str, set[Subscription]] = defaultdict(set)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        self.publish_many([(topic, message)])

    def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Deliver messages in order with one hand-over to the event loop."""
        loop = self._loop
        if not messages or loop is None or loop.is_closed():
            return  # nobody can be listening (e.g. the CLI seeding a database)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver_many(messages)
        else:
            loop.call_soon_threadsafe(self._deliver_many, messages)

    def _deliver_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        for topic, message in messages:
            self._deliver(topic, message)

    def _deliver(self, topic: str, message: dict[str, Any]) -> None:
        for sub in list(self._subs.get(topic, ())):
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:
                sub.overflowed = True
                with contextlib.suppress(asyncio.QueueFull):
                    sub.queue.get_nowait()
                    sub.queue.put_nowait(None)  # tells the socket to close and resync

    @contextlib.asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[Subscription]:
        sub = Subscription(topics)
        for topic in topics:
            self._subs[topic].add(sub)
        try:
            yield sub
        finally:
            for topic in topics:
                self._subs[topic].discard(sub)
                if not self._subs[topic]:
                    del self._subs[topic]

    def listeners(self, topic: str) -> int:
        return len(self._subs.get(topic, ()))
