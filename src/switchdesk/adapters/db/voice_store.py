"""The voice channel's storage on SQL (SQLite and PostgreSQL): flows, calls, webhook
answers and the call event log, one short transaction per call (never inside the live
center's writer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from switchdesk.adapters.db.voice_tables import (
    call_events,
    ivr_flows,
    voice_calls,
    voice_webhook_replies,
)
from switchdesk.usecases.voice.ports import CallLogEntry, CallRecord, StoredFlow


def _flow(r: Any) -> StoredFlow:
    return StoredFlow(r.name, r.version, r.document, r.created_at, r.created_by)


class SqlFlowStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def latest(self, name: str) -> StoredFlow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(ivr_flows)
                .where(ivr_flows.c.name == name)
                .order_by(ivr_flows.c.version.desc())
                .limit(1)
            ).first()
        return _flow(row) if row else None

    def version(self, name: str, version: int) -> StoredFlow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(ivr_flows).where(ivr_flows.c.name == name, ivr_flows.c.version == version)
            ).first()
        return _flow(row) if row else None

    def all_latest(self) -> list[StoredFlow]:
        newest = (
            select(ivr_flows.c.name, func.max(ivr_flows.c.version).label("v"))
            .group_by(ivr_flows.c.name)
            .subquery()
        )
        query = (
            select(ivr_flows)
            .join(
                newest,
                (ivr_flows.c.name == newest.c.name) & (ivr_flows.c.version == newest.c.v),
            )
            .order_by(ivr_flows.c.name)
        )
        with self._engine.connect() as conn:
            return [_flow(r) for r in conn.execute(query)]

    def add(self, name: str, document: Mapping[str, Any], at: datetime, by: str) -> StoredFlow:
        for _ in range(3):  # two editors at once: the second takes the next number
            try:
                with self._engine.begin() as conn:
                    top = conn.execute(
                        select(func.max(ivr_flows.c.version)).where(ivr_flows.c.name == name)
                    ).scalar()
                    version = int(top or 0) + 1
                    conn.execute(
                        insert(ivr_flows).values(
                            name=name,
                            version=version,
                            document=dict(document),
                            created_at=at,
                            created_by=by,
                        )
                    )
                return StoredFlow(name, version, dict(document), at, by)
            except IntegrityError:
                continue
        raise RuntimeError(f"could not store a new version of flow {name!r}")


def _call(r: Any) -> CallRecord:
    return CallRecord(
        channel_id=r.channel_id,
        call_id=r.call_id,
        caller=r.caller,
        flow_name=r.flow_name,
        flow_version=r.flow_version,
        phase=r.phase,
        turn=r.turn,
        ivr_state=r.ivr_state,
        started_at=r.started_at,
        conversation_id=r.conversation_id,
        queue_id=r.queue_id,
        agent_id=r.agent_id,
        entered_queue_at=r.entered_queue_at,
        connected_at=r.connected_at,
        ended_at=r.ended_at,
    )


class SqlCallStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def call(self, channel_id: str, call_id: str) -> CallRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(voice_calls).where(
                    voice_calls.c.channel_id == channel_id, voice_calls.c.call_id == call_id
                )
            ).first()
        return _call(row) if row else None

    def save_call(self, record: CallRecord) -> None:
        values = asdict(record)
        values["ivr_state"] = dict(record.ivr_state)
        key = (voice_calls.c.channel_id == record.channel_id) & (
            voice_calls.c.call_id == record.call_id
        )
        with self._engine.begin() as conn:
            changed = conn.execute(update(voice_calls).where(key).values(**values)).rowcount
            if not changed:
                conn.execute(insert(voice_calls).values(**values))

    def answer(self, channel_id: str, call_id: str, event_key: str) -> str | None:
        t = voice_webhook_replies
        with self._engine.connect() as conn:
            value = conn.execute(
                select(t.c.answer).where(
                    t.c.channel_id == channel_id, t.c.call_id == call_id, t.c.event_key == event_key
                )
            ).scalar()
        return str(value) if value is not None else None

    def keep_answer(
        self, channel_id: str, call_id: str, event_key: str, answer: str, at: datetime
    ) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(voice_webhook_replies).values(
                        channel_id=channel_id,
                        call_id=call_id,
                        event_key=event_key,
                        answer=answer,
                        created_at=at,
                    )
                )
        except IntegrityError:
            pass  # answered already (a retry raced the first request)

    def log(self, entries: Sequence[CallLogEntry]) -> None:
        if not entries:
            return
        rows = [{**asdict(e), "data": dict(e.data)} for e in entries]
        with self._engine.begin() as conn:
            conn.execute(insert(call_events), rows)

    def log_of(self, channel_id: str, call_id: str) -> list[CallLogEntry]:
        t = call_events
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t)
                .where(t.c.channel_id == channel_id, t.c.call_id == call_id)
                .order_by(t.c.id)
            ).all()
        return [
            CallLogEntry(
                r.at,
                r.channel_id,
                r.call_id,
                r.event,
                r.data,
                r.conversation_id,
                r.queue_id,
                r.agent_id,
            )
            for r in rows
        ]
