"""The live center's one writer: commands queue up, one thread runs them in batches.

Callers hand a command body to :meth:`CommandWriter.submit` and get a future that
settles after the batch's transaction commits. Agents' actions and timers (``urgent``)
run ahead of new customer work; beyond ``MAX_WAITING_CUSTOMER_COMMANDS`` waiting customer
commands, the center answers ``busy`` at once rather than let offers expire while a
backlog grows. What a batch does (the transaction, the engine) is the runner's business:
this module only queues, batches and settles.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from switchdesk.domain.errors import RateLimited
from switchdesk.usecases.live_ports import LiveUnitOfWork

T = TypeVar("T")

MAX_WAITING_CUSTOMER_COMMANDS = 200
"""New customer work allowed to wait for the writer before the center answers ``busy``
(about two seconds of work at full load); agents' actions and timers are never refused."""
MAX_BATCH_COMMANDS = 64
"""Commands the writer runs in one transaction at most (group commit)."""
WRITER_IDLE_SECONDS = 5.0
"""The writer thread ends after this long without work; the next command starts one."""


@dataclass
class Outbox:
    """What a command will publish once its transaction commits, and which queues' and
    agents' live rows it changed."""

    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    queues: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)

    def send(self, topic: str, message: dict[str, Any]) -> None:
        self.messages.append((topic, message))


CommandBody = Callable[[LiveUnitOfWork, float, Outbox], Any]
"""A command: runs in the writer with the batch's unit of work, ``now`` and outbox."""


@dataclass(eq=False)
class Job:
    """A command waiting for the writer, and the future its caller waits on."""

    body: CommandBody
    urgent: bool
    future: Future[Any] = field(default_factory=Future)


class CommandWriter:
    """Queues commands and runs them on one thread, a batch at a time, through
    ``run_batch`` (which settles every job's future)."""

    def __init__(self, run_batch: Callable[[list[Job]], None], lock: threading.RLock) -> None:
        self._run_batch = run_batch
        self._lock = lock
        self._jobs_ready = threading.Condition()
        self._urgent: deque[Job] = deque()
        self._customer: deque[Job] = deque()
        self._thread: threading.Thread | None = None

    def submit(
        self, body: Callable[[LiveUnitOfWork, float, Outbox], T], *, urgent: bool = True
    ) -> Future[T]:
        """Queue ``body``; the future settles after the commit (``busy`` raises now)."""
        job = Job(body, urgent)
        with self._jobs_ready:
            if urgent:
                self._urgent.append(job)
            else:
                if len(self._customer) >= MAX_WAITING_CUSTOMER_COMMANDS:
                    raise RateLimited(
                        "the center is very busy; please try again in a moment", code="busy"
                    )
                self._customer.append(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_forever, name="switchdesk-live-writer", daemon=True
                )
                self._thread.start()
            else:
                self._jobs_ready.notify()
        return job.future

    def run(self, body: Callable[[LiveUnitOfWork, float, Outbox], T], *, urgent: bool = True) -> T:
        """Run ``body`` through the writer and wait for its result (or its error)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a live center command cannot wait for another one")
        return self.submit(body, urgent=urgent).result()

    def _write_forever(self) -> None:
        """Take every queued command (up to a batch), run them as one batch, repeat."""
        while True:
            with self._jobs_ready:
                if not self._urgent and not self._customer:
                    self._jobs_ready.wait(WRITER_IDLE_SECONDS)
                    if not self._urgent and not self._customer:
                        self._thread = None  # a new one starts with the next command
                        return
                batch: list[Job] = []
                for jobs in (self._urgent, self._customer):
                    while jobs and len(batch) < MAX_BATCH_COMMANDS:
                        batch.append(jobs.popleft())
            batch = [job for job in batch if job.future.set_running_or_notify_cancel()]
            if not batch:
                continue
            try:
                with self._lock:
                    self._run_batch(batch)
            except BaseException as exc:  # never leave a caller waiting
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
