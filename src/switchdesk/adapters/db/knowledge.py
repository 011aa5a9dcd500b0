"""The knowledge base on SQL: articles and versions in plain tables, searched with the
database's own full-text engine (FTS5 with BM25 on SQLite, a weighted tsvector with
``ts_rank_cd`` on PostgreSQL). One short transaction per call."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Engine, Float, and_, bindparam, insert, select, text, update

from switchdesk.adapters.db.knowledge_tables import knowledge_article_versions as versions_t
from switchdesk.adapters.db.knowledge_tables import knowledge_articles as articles_t
from switchdesk.adapters.db.tables import client_accounts
from switchdesk.domain.errors import NotFound
from switchdesk.domain.knowledge.articles import Article, Audience, SearchHit

TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 10.0, 4.0, 1.0
"""SQLite's BM25 column weights; PostgreSQL's A/B/C weights rank in the same order."""

_COLUMNS = [c.name for c in articles_t.c]


def _values(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "client_account_id": article.client_account_id,
        "version": article.version,
        "title": article.title,
        "body": article.body,
        "tags": " ".join(article.tags),
        "audience": article.audience.value,
        "review_due": article.review_due,
        "archived": article.archived,
        "updated_at": article.updated_at,
        "updated_by": article.updated_by,
    }


def _version_values(article: Article) -> dict[str, Any]:
    values = _values(article)
    values["article_id"] = values.pop("id")
    return values


def _article(r: Any, article_id: str | None = None) -> Article:
    return Article(
        id=article_id or r.id,
        client_account_id=r.client_account_id,
        title=r.title,
        body=r.body,
        tags=tuple(r.tags.split()),
        audience=Audience(r.audience),
        version=r.version,
        updated_at=r.updated_at,
        updated_by=r.updated_by,
        review_due=r.review_due,
        archived=bool(r.archived),
    )


class SqlKnowledgeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def _index(self, conn: Connection, article: Article) -> None:
        if self._postgres:
            return  # the generated column follows the row
        conn.execute(text("DELETE FROM knowledge_fts WHERE article_id = :id"), {"id": article.id})
        conn.execute(
            text(
                "INSERT INTO knowledge_fts (article_id, title, tags, body)"
                " VALUES (:id, :title, :tags, :body)"
            ),
            {
                "id": article.id,
                "title": article.title,
                "tags": " ".join(article.tags),
                "body": article.body,
            },
        )

    def add(self, article: Article) -> None:
        with self.engine.begin() as conn:
            known = conn.execute(
                select(client_accounts.c.id).where(
                    client_accounts.c.id == article.client_account_id
                )
            ).first()
            if known is None:
                raise NotFound(
                    f"client account {article.client_account_id!r} not found",
                    code="client_account_not_found",
                )
            conn.execute(insert(articles_t).values(**_values(article)))
            conn.execute(insert(versions_t).values(**_version_values(article)))
            self._index(conn, article)

    def save_version(self, article: Article) -> bool:
        values = _values(article)
        del values["id"]
        with self.engine.begin() as conn:
            done = conn.execute(
                update(articles_t)
                .where(articles_t.c.id == article.id, articles_t.c.version == article.version - 1)
                .values(**values)
            )
            if done.rowcount != 1:
                return False
            conn.execute(insert(versions_t).values(**_version_values(article)))
            self._index(conn, article)
        return True

    def get(self, article_id: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles_t).where(articles_t.c.id == article_id)).first()
        return None if row is None else _article(row)

    def versions(self, article_id: str) -> list[Article]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(versions_t)
                .where(versions_t.c.article_id == article_id)
                .order_by(versions_t.c.version)
            )
            return [_article(r, article_id) for r in rows]

    def articles(
        self, client_account_ids: Collection[str] | None, audience: Audience | None
    ) -> list[Article]:
        where = [articles_t.c.archived.is_(False)]
        if client_account_ids is not None:
            where.append(articles_t.c.client_account_id.in_(list(client_account_ids)))
        if audience is not None:
            where.append(articles_t.c.audience == audience.value)
        with self.engine.connect() as conn:
            rows = conn.execute(select(articles_t).where(and_(*where)).order_by(articles_t.c.title))
            return [_article(r) for r in rows]

    def search(
        self,
        terms: list[str],
        client_account_ids: Collection[str] | None,
        audience: Audience | None,
        limit: int,
    ) -> list[SearchHit]:
        if not terms or (client_account_ids is not None and not client_account_ids):
            return []
        filters = ["a.archived = :archived"]
        params: dict[str, Any] = {"archived": False, "limit": limit}
        if client_account_ids is not None:
            filters.append("a.client_account_id IN :clients")
            params["clients"] = list(client_account_ids)
        if audience is not None:
            filters.append("a.audience = :audience")
            params["audience"] = audience.value
        where = " AND ".join(filters)
        columns = ", ".join(f"a.{c}" for c in _COLUMNS)
        if self._postgres:
            # Terms are letters and digits only (query_terms): safe inside to_tsquery.
            params["query"] = " | ".join(terms)
            sql = (
                f"SELECT {columns}, ts_rank_cd(a.search, q) AS score"  # noqa: S608 - see below
                " FROM knowledge_articles a, to_tsquery('english', :query) q"
                f" WHERE a.search @@ q AND {where}"
                " ORDER BY score DESC, a.title LIMIT :limit"
            )
        else:
            params["query"] = " OR ".join(f'"{t}"' for t in terms)
            sql = (
                f"SELECT {columns},"  # noqa: S608 - see below
                f" -bm25(knowledge_fts, 0.0, {TITLE_WEIGHT}, {TAGS_WEIGHT}, {BODY_WEIGHT})"
                " AS score FROM knowledge_fts JOIN knowledge_articles a"
                " ON a.id = knowledge_fts.article_id"
                f" WHERE knowledge_fts MATCH :query AND {where}"
                " ORDER BY score DESC, a.title LIMIT :limit"
            )
        # Only constant fragments are put into the SQL above (column names, weights,
        # filter clauses); every value is a bound parameter.
        statement = text(sql).columns(*articles_t.c, score=Float)
        if "clients" in params:
            statement = statement.bindparams(bindparam("clients", expanding=True))
        with self.engine.connect() as conn:
            rows = conn.execute(statement, params)
            return [SearchHit(_article(r), float(r.score)) for r in rows]
