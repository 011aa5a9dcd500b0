"""A call from incoming to ended: through the IVR (the domain's state machine over the
flow version the call started with), into the live center's queues as a conversation of
channel kind ``voice`` (the same intake as every channel), the waiting caller's
announcements, the agent's leg once an agent accepted the offer on the desk, and the end.

Each provider adapter turns its webhooks into these calls and renders the returned
actions. Every step is written to the call event log; a call's webhooks are handled one
at a time, and an answer once given is given again to a retry (:meth:`answer_once`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from switchdesk.domain.conversations.channels import InboundItem, InboundMessage
from switchdesk.domain.conversations.model import (
    Channel,
    ConversationState,
    Identity,
    IdentityKind,
    QueueSettings,
)
from switchdesk.domain.errors import Conflict, SwitchdeskError
from switchdesk.domain.voice.actions import (
    Action,
    CallEvent,
    HangUp,
    Hold,
    Say,
)
from switchdesk.domain.voice.flows import Flow
from switchdesk.domain.voice.ivr import IvrState, Outcome, Turn, start, step
from switchdesk.domain.voice.queueing import (
    CALLBACK_KEY,
    callback_taken,
    connect_actions,
    waiting_actions,
)
from switchdesk.usecases.live.calls import CallWait
from switchdesk.usecases.voice.flows import FlowLibrary
from switchdesk.usecases.voice.ports import CallLogEntry, CallRecord, CallStore

UNAVAILABLE = "Sorry, this line is not available right now. Goodbye."
DEFAULT_HOLD_SECONDS = 20
LOCK_STRIPES = 64
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


class VoiceCenter(Protocol):
    """The parts of the live center a call uses."""

    @property
    def queue_map(self) -> dict[str, QueueSettings]: ...
    def receive(self, items: Sequence[InboundItem]) -> Future[None]: ...
    def conversation_of_external_id(self, channel_id: str, external_id: str) -> str | None: ...
    def submit_call_wait(self, conversation_id: str) -> Future[CallWait]: ...
    def submit_request_callback(self, conversation_id: str) -> Future[None]: ...
    def submit_requeue_call(self, conversation_id: str) -> Future[None]: ...
    def submit_note_call(
        self, conversation_id: str, kind: str, detail: dict[str, Any]
    ) -> Future[None]: ...
    def customer_leave(self, conversation_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class CallReply:
    """What to tell the provider: ``actions`` to render, the call's ``phase`` after them
    (an adapter points a gather's answer at the IVR or the queue by it) and ``turn``,
    the number its next requests carry."""

    actions: tuple[Action, ...]
    phase: str
    turn: int


def _seconds(since: datetime | None, until: datetime | None) -> float:
    return round((until - since).total_seconds(), 3) if since and until else 0.0


class VoiceCalls:
    def __init__(
        self,
        center: VoiceCenter,
        flows: FlowLibrary,
        store: CallStore,
        now: Callable[[], datetime],
    ) -> None:
        self._center = center
        self._flows = flows
        self._store = store
        self._now = now
        # Striped: a call's webhooks share a lock, and the locks do not grow with calls.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    # ------------------------------------------------------------ idempotency

    def answer_once(
        self, channel_id: str, call_id: str, event_key: str, compute: Callable[[], str]
    ) -> str:
        """The answer to one webhook of a call: computed once (one at a time per call);
        the provider's retry of the same event gets the same answer, and nothing is done
        twice (a retried incoming call is not enqueued again)."""
        with self._locks[hash((channel_id, call_id)) % LOCK_STRIPES]:
            kept = self._store.answer(channel_id, call_id, event_key)
            if kept is not None:
                return kept
            answer = compute()
            self._store.keep_answer(channel_id, call_id, event_key, answer, self._now())
            return answer

    def now(self) -> datetime:
        return self._now()

    def call(self, channel_id: str, call_id: str) -> CallRecord | None:
        return self._store.call(channel_id, call_id)

    def log_of(self, channel_id: str, call_id: str) -> list[CallLogEntry]:
        return self._store.log_of(channel_id, call_id)

    # ------------------------------------------------------------ helpers

    def _queues_of(self, channel: Channel) -> dict[str, str]:
        """Queue name -> id among the queues the channel's calls may go to (its client
        account's and shared ones; the account's own first)."""
        names: dict[str, str] = {}
        queues = sorted(self._center.queue_map.values(), key=lambda q: q.client_account_id is None)
        for q in queues:
            if q.client_account_id in (None, channel.client_account_id):
                names.setdefault(q.name, q.id)
        return names

    def _log(self, record: CallRecord, event: str, at: datetime, **data: Any) -> CallLogEntry:
        return CallLogEntry(
            at,
            record.channel_id,
            record.call_id,
            event,
            data,
            record.conversation_id,
            record.queue_id,
            record.agent_id,
        )

    def _ivr_log(self, record: CallRecord, turn: Turn, at: datetime) -> list[CallLogEntry]:
        return [
            self._log(record, "IVR", at, node=s.node, step=s.what, **dict(s.detail))
            for s in turn.steps
        ]

    def _flow(self, channel: Channel, record: CallRecord | None) -> tuple[Flow, int] | None:
        name = str(channel.settings.get("flow", ""))
        version = record.flow_version if record else None
        queues = self._queues_of(channel)
        if record is not None:
            name = record.flow_name
        return self._flows.for_call(name, version, queues)

    # ------------------------------------------------------------ the call

    def incoming(self, channel: Channel, call_id: str, caller: str, called: str) -> CallReply:
        """A new call: it enters the newest version of the channel's flow."""
        now = self._now()
        found = self._flow(channel, None)
        record = CallRecord(
            channel.id,
            call_id,
            caller[:200],
            str(channel.settings.get("flow", ""))[:64],
            found[1] if found else 0,
            "ivr",
            1,
            {},
            now,
        )
        log = [
            self._log(
                record,
                "INCOMING",
                now,
                caller=caller,
                called=called,
                flow=record.flow_name,
                flow_version=record.flow_version,
            )
        ]
        if found is None:
            ended = replace(record, phase="ended", ended_at=now)
            self._store.save_call(ended)
            self._store.log([*log, self._log(ended, "HANGUP", now, reason="flow_unavailable")])
            return CallReply((Say(UNAVAILABLE), HangUp("flow_unavailable")), "ended", 1)
        flow, _ = found
        turn = start(flow, now)
        return self._after_ivr(channel, record, turn, now, log)

    def ivr_input(self, channel: Channel, call_id: str, event: CallEvent) -> CallReply:
        """Digits, a timeout or a finished recording while the caller is in the IVR."""
        now = self._now()
        record = self._store.call(channel.id, call_id)
        if record is None:
            raise Conflict(f"no call {call_id!r} on this channel", code="call_unknown")
        if record.phase != "ivr":
            return self._waiting_reply(channel, record, None)
        found = self._flow(channel, record)
        if found is None:
            return CallReply((Say(UNAVAILABLE), HangUp("flow_unavailable")), "ended", record.turn)
        flow, _ = found
        turn = step(flow, IvrState.from_dict(record.ivr_state), event, now)
        return self._after_ivr(channel, record, turn, now, [])

    def _after_ivr(
        self,
        channel: Channel,
        record: CallRecord,
        turn: Turn,
        now: datetime,
        log: list[CallLogEntry],
    ) -> CallReply:
        record = replace(record, ivr_state=turn.state.to_dict(), turn=record.turn + 1)
        log.extend(self._ivr_log(record, turn, now))
        outcome = turn.outcome
        if outcome is None:
            self._store.save_call(record)
            self._store.log(log)
            return CallReply(turn.actions, "ivr", record.turn)
        if outcome.kind == "queue":
            return self._enqueue(channel, record, turn, outcome, now, log)
        ended = replace(record, phase="ended", ended_at=now)
        event = {"transfer": "TRANSFER", "voicemail": "VOICEMAIL"}.get(outcome.kind, "HANGUP")
        detail = {"transfer": "number", "voicemail": "recording_url"}.get(outcome.kind, "reason")
        log.append(self._log(ended, event, now, **{detail: outcome.target}))
        self._store.save_call(ended)
        self._store.log(log)
        return CallReply(turn.actions, "ended", ended.turn)

    def _enqueue(
        self,
        channel: Channel,
        record: CallRecord,
        turn: Turn,
        outcome: Outcome,
        now: datetime,
        log: list[CallLogEntry],
    ) -> CallReply:
        queue_id = self._queues_of(channel).get(outcome.target, channel.queue_id)
        steps = [
            {"node": s.node, "step": s.what, **{k: str(v) for k, v in s.detail.items()}}
            for s in turn.steps
        ]
        collected = ", ".join(f"{k} {v}" for k, v in outcome.collected.items())
        text = f"Phone call from {record.caller}" + (f" ({collected})" if collected else "")
        attributes = {**outcome.attributes, "language": outcome.language}
        message = InboundMessage(
            channel.id,
            Identity(IdentityKind.PHONE, record.caller),
            record.caller,
            text,
            record.call_id,
            now,
            extra={
                "queue_id": queue_id,
                "routing_attributes": attributes,
                "ivr_steps": steps,
                "collected": dict(outcome.collected),
            },
        )
        self._center.receive([message]).result()
        conv_id = self._center.conversation_of_external_id(channel.id, record.call_id)
        record = replace(
            record,
            phase="queue",
            conversation_id=conv_id,
            queue_id=queue_id,
            entered_queue_at=now,
        )
        log.append(
            self._log(record, "ENTERQUEUE", now, caller=record.caller, language=outcome.language)
        )
        self._store.save_call(record)
        self._store.log(log)
        reply = self._waiting_reply(channel, record, None)
        return CallReply((*turn.actions, *reply.actions), reply.phase, reply.turn)

    def waiting(self, channel: Channel, call_id: str, digits: str | None) -> CallReply:
        """The waiting caller's next round (the hold loop comes back here), or the
        callback key pressed during it."""
        record = self._store.call(channel.id, call_id)
        if record is None:
            raise Conflict(f"no call {call_id!r} on this channel", code="call_unknown")
        return self._waiting_reply(channel, record, digits)

    def _language(self, record: CallRecord) -> str:
        return str(record.ivr_state.get("language", "en"))

    def _waiting_reply(self, channel: Channel, record: CallRecord, digits: str | None) -> CallReply:
        now = self._now()
        record = replace(record, turn=record.turn + 1)
        language = self._language(record)
        settings = channel.settings
        if record.phase in ("ringing", "connected"):
            self._store.save_call(record)
            return CallReply((Hold(DEFAULT_HOLD_SECONDS),), record.phase, record.turn)
        conv_id = record.conversation_id
        if record.phase != "queue" or conv_id is None:
            self._store.save_call(record)
            return CallReply((HangUp(),), "ended", record.turn)
        offer_callback = bool(settings.get("offer_callback"))
        if digits == CALLBACK_KEY and offer_callback:
            try:
                self._center.submit_request_callback(conv_id).result()
            except SwitchdeskError:
                pass  # offered or taken meanwhile: go on below
            else:
                record = replace(record, phase="callback", ended_at=now)
                self._store.save_call(record)
                waited = _seconds(record.entered_queue_at, now)
                self._store.log([self._log(record, "CALLBACK", now, wait_seconds=waited)])
                return CallReply((callback_taken(language), HangUp()), "callback", record.turn)
        wait = self._center.submit_call_wait(conv_id).result()
        if wait.state is ConversationState.ASSIGNED and wait.agent_id:
            record = replace(record, phase="ringing", agent_id=wait.agent_id)
            self._store.save_call(record)
            target = str(settings.get("agent_dial") or "client:{agent_id}")
            target = target.replace("{agent_id}", wait.agent_id)
            return CallReply(
                connect_actions(wait.agent_id, target, language), "ringing", record.turn
            )
        if wait.state is not ConversationState.WAITING:
            record = replace(record, phase="ended", ended_at=now)
            self._store.save_call(record)
            return CallReply((HangUp(),), "ended", record.turn)
        self._store.save_call(record)
        hold = int(settings.get("hold_seconds") or DEFAULT_HOLD_SECONDS)
        music = str(settings.get("hold_music_url") or "")
        if wait.position is None:
            return CallReply((Hold(hold, music),), "queue", record.turn)
        actions = waiting_actions(
            wait.position,
            wait.estimated_wait_seconds,
            language=language,
            music_url=music,
            hold_seconds=hold,
            offer_callback=offer_callback,
        )
        return CallReply(actions, "queue", record.turn)

    def agent_answered(self, channel: Channel, call_id: str) -> CallReply:
        """The agent picked up their leg: the caller is bridged to them."""
        now = self._now()
        record = self._store.call(channel.id, call_id)
        if record is None or record.phase != "ringing":
            return CallReply((), record.phase if record else "ended", record.turn if record else 0)
        record = replace(record, phase="connected", connected_at=now, turn=record.turn + 1)
        self._store.save_call(record)
        wait = _seconds(record.entered_queue_at, now)
        self._store.log([self._log(record, "CONNECT", now, wait_seconds=wait)])
        if record.conversation_id:
            self._center.submit_note_call(
                record.conversation_id, "call_connected", {"agent_id": record.agent_id or ""}
            ).result()
        return CallReply((), "connected", record.turn)

    def dial_ended(self, channel: Channel, call_id: str, dial_status: str) -> CallReply:
        """The agent's leg ended: the agent hung up (the caller is told goodbye), or it
        was never answered (the call goes back to its queue and waits for the next
        agent)."""
        now = self._now()
        record = self._store.call(channel.id, call_id)
        if record is None or record.phase not in ("ringing", "connected"):
            return CallReply((HangUp(),), "ended", record.turn if record else 0)
        record = replace(record, turn=record.turn + 1)
        if record.phase == "ringing" and record.conversation_id:
            self._store.log([self._log(record, "RINGNOANSWER", now, status=dial_status)])
            try:
                self._center.submit_requeue_call(record.conversation_id).result()
            except SwitchdeskError:
                pass  # ended meanwhile: finish below
            else:
                back = replace(record, phase="queue", agent_id=None)
                self._store.save_call(back)
                return self._waiting_reply(channel, back, None)
        entry = self._log(
            record,
            "COMPLETEAGENT",
            now,
            wait_seconds=_seconds(record.entered_queue_at, record.connected_at),
            talk_seconds=_seconds(record.connected_at, now),
        )
        self._finish(record, now, [entry], "agent")
        return CallReply((Say("Thank you for calling. Goodbye."), HangUp()), "ended", record.turn)

    def ended(self, channel: Channel, call_id: str, status: str, duration: int) -> None:
        """The provider says the call is over (a status callback): a caller who hangs up
        in the queue abandons, with the time they waited."""
        if status not in FINAL_STATUSES:
            return
        now = self._now()
        record = self._store.call(channel.id, call_id)
        if record is None or record.phase in ("ended", "callback"):
            return
        wait = _seconds(record.entered_queue_at, now)
        if record.phase == "ivr":
            entry = self._log(record, "HANGUP", now, reason=status, in_ivr=True)
        elif record.phase == "connected":
            entry = self._log(
                record,
                "COMPLETECALLER",
                now,
                wait_seconds=_seconds(record.entered_queue_at, record.connected_at),
                talk_seconds=_seconds(record.connected_at, now),
                duration_seconds=duration,
            )
        else:
            entry = self._log(record, "ABANDON", now, wait_seconds=wait, reason=status)
        self._finish(record, now, [entry], status)

    def _finish(
        self, record: CallRecord, now: datetime, log: list[CallLogEntry], reason: str
    ) -> None:
        ended = replace(record, phase="ended", ended_at=now)
        self._store.save_call(ended)
        self._store.log(log)
        if record.conversation_id and record.phase != "ivr":
            self._center.submit_note_call(
                record.conversation_id, "call_ended", {"reason": reason, "event": log[-1].event}
            ).result()
            self._center.customer_leave(record.conversation_id)
