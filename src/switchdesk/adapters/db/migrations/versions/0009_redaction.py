"""Each client account's redaction policy (what personal data is removed before storage).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "redaction_policies",
        sa.Column(
            "client_account_id",
            sa.String(length=64),
            sa.ForeignKey("client_accounts.id"),
            primary_key=True,
        ),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("redaction_policies")
