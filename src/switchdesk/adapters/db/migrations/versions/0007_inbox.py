"""The shared inbox's SLA targets per queue (first response, next response; empty: the
channel kind's default). The new ``pending`` conversation state needs no change: states
are stored as text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("center_queues") as batch:
        batch.add_column(sa.Column("first_response_seconds", sa.Float(), nullable=True))
        batch.add_column(sa.Column("next_response_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("center_queues") as batch:
        batch.drop_column("next_response_seconds")
        batch.drop_column("first_response_seconds")
