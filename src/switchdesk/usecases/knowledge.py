"""The knowledge base: articles per client account, versioned, searched with the
database's own full-text engine (SQLite FTS5, PostgreSQL tsvector) behind one port."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date
from typing import Protocol

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import Conflict, NotFound, ValidationFailed
from switchdesk.domain.knowledge.articles import (
    Article,
    Audience,
    SearchHit,
    check_body,
    check_tags,
    check_title,
    query_terms,
)
from switchdesk.usecases.ports import Clock
from switchdesk.usecases.principal import Principal

SEARCH_LIMIT_MAX = 50


class KnowledgeStore(Protocol):
    def add(self, article: Article) -> None:
        """Store a new article (version 1) and index it."""
        ...

    def save_version(self, article: Article) -> bool:
        """Store ``article`` as the next version if the stored one is
        ``article.version - 1`` (False: someone saved another version first)."""
        ...

    def get(self, article_id: str) -> Article | None: ...
    def versions(self, article_id: str) -> list[Article]:
        """Every version, oldest first."""
        ...

    def articles(
        self, client_account_ids: Collection[str] | None, audience: Audience | None
    ) -> list[Article]:
        """Articles not archived, of those client accounts (None: all), by title."""
        ...

    def search(
        self,
        terms: list[str],
        client_account_ids: Collection[str] | None,
        audience: Audience | None,
        limit: int,
    ) -> list[SearchHit]:
        """Articles not archived matching any of ``terms`` (stemmed), best first: a match
        in the title weighs most, then tags, then the body."""
        ...


class KnowledgeBase:
    def __init__(self, store: KnowledgeStore, clock: Clock, new_id: Callable[[], str]) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id

    @staticmethod
    def _scope(actor: Principal) -> frozenset[str] | None:
        user = actor.user
        if user is None or user.sees_every_client_account():
            return None
        return user.client_account_ids

    def _visible(self, actor: Principal, article_id: str) -> Article:
        article = self._store.get(article_id)
        if article is None or not actor.sees_client_account(article.client_account_id):
            raise NotFound(f"article {article_id!r} not found", code="article_not_found")
        return article

    def create(
        self,
        actor: Principal,
        *,
        client_account_id: str,
        title: str,
        body: str,
        tags: list[str],
        audience: Audience,
        review_due: date | None = None,
    ) -> Article:
        actor.require(Permission.KNOWLEDGE_MANAGE)
        if not actor.sees_client_account(client_account_id):
            raise NotFound(
                f"client account {client_account_id!r} not found",
                code="client_account_not_found",
            )
        article = Article(
            id=self._new_id(),
            client_account_id=client_account_id,
            title=check_title(title),
            body=check_body(body),
            tags=check_tags(tags),
            audience=audience,
            version=1,
            updated_at=self._clock.now(),
            updated_by=actor.name,
            review_due=review_due,
        )
        self._store.add(article)
        return article

    def update(
        self,
        actor: Principal,
        article_id: str,
        *,
        version: int,
        title: str | None = None,
        body: str | None = None,
        tags: list[str] | None = None,
        audience: Audience | None = None,
        review_due: date | None = None,
        archived: bool | None = None,
    ) -> Article:
        """A new version from ``version`` (the one the editor started from): a stale
        ``version`` is a conflict, so two editors never overwrite each other."""
        actor.require(Permission.KNOWLEDGE_MANAGE)
        current = self._visible(actor, article_id)
        if version != current.version:
            raise Conflict(
                f"the article is at version {current.version}, not {version}: reload it",
                code="article_version_conflict",
            )
        changed = replace(
            current,
            title=check_title(title) if title is not None else current.title,
            body=check_body(body) if body is not None else current.body,
            tags=check_tags(tags) if tags is not None else current.tags,
            audience=audience or current.audience,
            review_due=review_due if review_due is not None else current.review_due,
            archived=archived if archived is not None else current.archived,
            version=current.version + 1,
            updated_at=self._clock.now(),
            updated_by=actor.name,
        )
        if not self._store.save_version(changed):
            raise Conflict(
                "someone saved another version first: reload it", code="article_version_conflict"
            )
        return changed

    def get(self, actor: Principal, article_id: str) -> Article:
        actor.require(Permission.KNOWLEDGE_READ)
        return self._visible(actor, article_id)

    def versions(self, actor: Principal, article_id: str) -> list[Article]:
        actor.require(Permission.KNOWLEDGE_READ)
        self._visible(actor, article_id)
        return self._store.versions(article_id)

    def articles(self, actor: Principal, audience: Audience | None = None) -> list[Article]:
        actor.require(Permission.KNOWLEDGE_READ)
        return self._store.articles(self._scope(actor), audience)

    def search(
        self, actor: Principal, query: str, audience: Audience | None = None, limit: int = 10
    ) -> list[SearchHit]:
        actor.require(Permission.KNOWLEDGE_READ)
        return self._search(query, self._scope(actor), audience, limit)

    def public_search(self, client_account_id: str, query: str, limit: int = 10) -> list[SearchHit]:
        """Public articles of one client account: the help page and the bot (no sign-in)."""
        return self._search(query, {client_account_id}, Audience.PUBLIC, limit)

    def public_article(self, client_account_id: str, article_id: str) -> Article:
        article = self._store.get(article_id)
        if (
            article is None
            or article.archived
            or article.audience is not Audience.PUBLIC
            or article.client_account_id != client_account_id
        ):
            raise NotFound(f"article {article_id!r} not found", code="article_not_found")
        return article

    def _search(
        self,
        query: str,
        scope: Collection[str] | None,
        audience: Audience | None,
        limit: int,
    ) -> list[SearchHit]:
        if not 1 <= limit <= SEARCH_LIMIT_MAX:
            raise ValidationFailed(f"limit is 1 to {SEARCH_LIMIT_MAX}", code="validation_failed")
        terms = query_terms(query)
        if not terms:
            return []
        return self._store.search(terms, scope, audience, limit)
