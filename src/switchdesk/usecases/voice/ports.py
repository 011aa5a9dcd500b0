"""What the voice use cases need stored: flows by name and version, each call's state
between webhooks, the answers already given (idempotency), and the call event log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredFlow:
    name: str
    version: int
    document: Mapping[str, Any]
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A call's state between its provider's webhooks. ``phase`` is ``ivr``, ``queue``,
    ``ringing`` (offered and accepted: the agent's leg rings), ``connected``,
    ``callback`` (left the line, keeping the place) or ``ended``. ``turn`` numbers the
    answers given, so each of the provider's next requests is told apart from a retry."""

    channel_id: str
    call_id: str
    caller: str
    flow_name: str
    flow_version: int
    phase: str
    turn: int
    ivr_state: Mapping[str, Any]
    started_at: datetime
    conversation_id: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None
    entered_queue_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CallLogEntry:
    """One row of the append-only call event log (Asterisk ``queue_log`` grade):
    ``event`` is INCOMING, IVR, ENTERQUEUE, CALLBACK, RINGNOANSWER, CONNECT,
    COMPLETECALLER, COMPLETEAGENT, ABANDON, TRANSFER, VOICEMAIL or HANGUP; ``data`` holds
    its figures (``wait_seconds``, ``talk_seconds``, ``position``...)."""

    at: datetime
    channel_id: str
    call_id: str
    event: str
    data: Mapping[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None


class FlowStore(Protocol):
    def latest(self, name: str) -> StoredFlow | None: ...
    def version(self, name: str, version: int) -> StoredFlow | None: ...
    def all_latest(self) -> list[StoredFlow]: ...
    def add(self, name: str, document: Mapping[str, Any], at: datetime, by: str) -> StoredFlow:
        """Store ``document`` as the flow's next version (1 for a new flow)."""
        ...


class CallStore(Protocol):
    def call(self, channel_id: str, call_id: str) -> CallRecord | None: ...
    def save_call(self, record: CallRecord) -> None: ...
    def answer(self, channel_id: str, call_id: str, event_key: str) -> str | None:
        """The answer already given to this event of this call (None: not seen)."""
        ...

    def keep_answer(
        self, channel_id: str, call_id: str, event_key: str, answer: str, at: datetime
    ) -> None: ...
    def log(self, entries: Sequence[CallLogEntry]) -> None: ...
    def log_of(self, channel_id: str, call_id: str) -> list[CallLogEntry]: ...
