"""Knowledge base articles, their versions and a full-text index per database.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _article_columns() -> list[sa.Column]:
    return [
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "knowledge_articles",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column(
            "client_account_id",
            sa.String(length=64),
            sa.ForeignKey("client_accounts.id"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        *_article_columns(),
    )
    op.create_index(
        "ix_knowledge_articles_client_account_id", "knowledge_articles", ["client_account_id"]
    )
    op.create_table(
        "knowledge_article_versions",
        sa.Column(
            "article_id",
            sa.String(length=64),
            sa.ForeignKey("knowledge_articles.id"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("client_account_id", sa.String(length=64), nullable=False),
        *_article_columns(),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE knowledge_articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', tags), 'B') || "
            "setweight(to_tsvector('english', body), 'C')) STORED"
        )
        op.execute(
            "CREATE INDEX ix_knowledge_articles_search ON knowledge_articles USING GIN (search)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE knowledge_fts USING fts5("
            "article_id UNINDEXED, title, tags, body, tokenize = 'porter unicode61')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE knowledge_fts")
    op.drop_table("knowledge_article_versions")
    op.drop_table("knowledge_articles")
