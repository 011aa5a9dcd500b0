"""Channels: provider address and settings per channel; providers' message ids; the
outbound delivery queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 11:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.create_index("ix_channels_kind_address", ["kind", "address"], unique=False)
    op.create_table(
        "message_external_ids",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=998), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "external_id", name=op.f("pk_message_external_ids")),
    )
    with op.batch_alter_table("message_external_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_external_ids_conversation_id"), ["conversation_id"], unique=False
        )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=True),
        sa.Column("external_id", sa.String(length=998), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_deliveries_external", ["channel_id", "external_id"], unique=False)


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("message_external_ids")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index("ix_channels_kind_address")
        batch_op.drop_column("settings")
        batch_op.drop_column("address")
