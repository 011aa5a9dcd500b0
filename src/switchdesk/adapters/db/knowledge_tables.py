"""Knowledge base tables. The full-text index is per database and lives outside these
definitions (migration 0010): an FTS5 table ``knowledge_fts`` on SQLite, a generated
``search`` tsvector column with a GIN index on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text

from switchdesk.adapters.db.tables import metadata
from switchdesk.adapters.db.types import UtcDateTime

_ID = String(64)


def _article_columns() -> list[Column[object]]:
    return [
        Column("title", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("tags", Text, nullable=False),
        Column("audience", String(16), nullable=False),
        Column("review_due", Date, nullable=True),
        Column("archived", Boolean, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("updated_by", String(200), nullable=False),
    ]


knowledge_articles = Table(
    "knowledge_articles",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    *_article_columns(),
)

knowledge_article_versions = Table(
    "knowledge_article_versions",
    metadata,
    Column("article_id", _ID, ForeignKey("knowledge_articles.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("client_account_id", _ID, nullable=False),
    *_article_columns(),
)
