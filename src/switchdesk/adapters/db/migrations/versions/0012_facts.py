"""KPI facts: routing events keep their dimensions; queues name their service-level formula.

Each routing event is stored with the interaction, conversation, contact, client account,
channel kind, queue, agent, team and site it had when it happened, so reports and the raw
export filter and group without joining on what may have changed since.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DIMENSIONS = (
    ("interaction_id", 100),
    ("conversation_id", 64),
    ("contact_id", 64),
    ("client_account_id", 64),
    ("channel_kind", 32),
    ("queue_id", 64),
    ("agent_id", 64),
    ("team_id", 64),
    ("site_id", 64),
)


def upgrade() -> None:
    with op.batch_alter_table("routing_events") as batch:
        for name, length in _DIMENSIONS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch.create_index("ix_routing_events_client_at", ["client_account_id", "at"])
    with op.batch_alter_table("center_queues") as batch:
        batch.add_column(
            sa.Column(
                "service_level_formula",
                sa.String(length=8),
                nullable=False,
                server_default="SL5",
            )
        )
    with op.batch_alter_table("conversation_timeline") as batch:
        batch.create_index("ix_conversation_timeline_at", ["at"])


def downgrade() -> None:
    with op.batch_alter_table("conversation_timeline") as batch:
        batch.drop_index("ix_conversation_timeline_at")
    with op.batch_alter_table("center_queues") as batch:
        batch.drop_column("service_level_formula")
    with op.batch_alter_table("routing_events") as batch:
        batch.drop_index("ix_routing_events_client_at")
        for name, _ in reversed(_DIMENSIONS):
            batch.drop_column(name)
