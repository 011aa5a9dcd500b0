"""Voice: versioned IVR flows, calls in progress, webhook replies kept for idempotency,
and the append-only call event log (queue_log-grade).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "ivr_flows",
        sa.Column("name", _ID, primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", _ID, nullable=False),
    )
    op.create_table(
        "voice_calls",
        sa.Column("channel_id", _ID, primary_key=True),
        sa.Column("call_id", sa.String(length=128), primary_key=True),
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("flow_name", _ID, nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("ivr_state", sa.JSON(), nullable=False),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("queue_id", _ID, nullable=True),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_queue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voice_calls_conversation", "voice_calls", ["conversation_id"])
    op.create_table(
        "voice_webhook_replies",
        sa.Column("channel_id", _ID, primary_key=True),
        sa.Column("call_id", sa.String(length=128), primary_key=True),
        sa.Column("event_key", sa.String(length=200), primary_key=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "call_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", _ID, nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("queue_id", _ID, nullable=True),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_call_events_call", "call_events", ["channel_id", "call_id"])
    op.create_index("ix_call_events_at", "call_events", ["at"])


def downgrade() -> None:
    op.drop_table("call_events")
    op.drop_table("voice_webhook_replies")
    op.drop_index("ix_voice_calls_conversation", table_name="voice_calls")
    op.drop_table("voice_calls")
    op.drop_table("ivr_flows")
