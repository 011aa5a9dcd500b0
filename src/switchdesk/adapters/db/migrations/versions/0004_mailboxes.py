"""Mailboxes: IMAP polling positions per channel and mailbox; raw mail that could not be
turned into a message (kept for admins).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mailbox_cursors",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("mailbox", sa.String(length=400), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "mailbox", name=op.f("pk_mailbox_cursors")),
    )
    op.create_table(
        "unparsed_mail",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("client_account_id", sa.String(length=64), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(length=998), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unparsed_mail")),
    )
    with op.batch_alter_table("unparsed_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unparsed_mail_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_unparsed_mail_digest"), ["digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unparsed_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unparsed_mail_digest"))
        batch_op.drop_index(batch_op.f("ix_unparsed_mail_received_at"))
    op.drop_table("unparsed_mail")
    op.drop_table("mailbox_cursors")
