"""Consent per contact and channel (STOP/START), addresses marked undeliverable by a
permanent bounce, and the log of our automatic mail (the per-address limit).

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contact_consents",
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_consents_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("contact_id", "channel_id", name=op.f("pk_contact_consents")),
    )
    op.create_table(
        "undeliverable_addresses",
        sa.Column("client_account_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint(
            "client_account_id", "kind", "value", name=op.f("pk_undeliverable_addresses")
        ),
    )
    op.create_table(
        "auto_replies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_replies")),
    )
    with op.batch_alter_table("auto_replies", schema=None) as batch_op:
        batch_op.create_index("ix_auto_replies_address", ["channel_id", "address"], unique=False)


def downgrade() -> None:
    op.drop_table("auto_replies")
    op.drop_table("undeliverable_addresses")
    op.drop_table("contact_consents")
