"""Tables of the voice channel: IVR flows (versioned), calls in progress, webhook replies
(idempotency) and the append-only call event log."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text

from switchdesk.adapters.db.tables import metadata
from switchdesk.adapters.db.types import UtcDateTime

_ID = String(64)
_AUTO_ID = BigInteger().with_variant(Integer, "sqlite")

ivr_flows = Table(
    "ivr_flows",
    metadata,
    Column("name", _ID, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", _ID, nullable=False),
)

voice_calls = Table(
    "voice_calls",
    metadata,
    Column("channel_id", _ID, primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("caller", String(200), nullable=False),
    Column("flow_name", _ID, nullable=False),
    Column("flow_version", Integer, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("ivr_state", JSON, nullable=False),
    Column("conversation_id", _ID, nullable=True),
    Column("queue_id", _ID, nullable=True),
    Column("agent_id", _ID, nullable=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("entered_queue_at", UtcDateTime(), nullable=True),
    Column("connected_at", UtcDateTime(), nullable=True),
    Column("ended_at", UtcDateTime(), nullable=True),
)
Index("ix_voice_calls_conversation", voice_calls.c.conversation_id)

voice_webhook_replies = Table(
    "voice_webhook_replies",
    metadata,
    Column("channel_id", _ID, primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("event_key", String(200), primary_key=True),
    Column("answer", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

call_events = Table(
    "call_events",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("channel_id", _ID, nullable=False),
    Column("call_id", String(128), nullable=False),
    Column("conversation_id", _ID, nullable=True),
    Column("queue_id", _ID, nullable=True),
    Column("agent_id", _ID, nullable=True),
    Column("event", String(32), nullable=False),
    Column("data", JSON, nullable=False),
)
Index("ix_call_events_call", call_events.c.channel_id, call_events.c.call_id)
Index("ix_call_events_at", call_events.c.at)
