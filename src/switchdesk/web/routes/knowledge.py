"""The knowledge base API (docs/knowledge.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request, status
from pydantic import Field

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.knowledge.articles import (
    BODY_MAX_CHARS,
    QUERY_MAX_CHARS,
    TAGS_MAX,
    TITLE_MAX_CHARS,
    Article,
    Audience,
)
from switchdesk.usecases.knowledge import SEARCH_LIMIT_MAX, KnowledgeBase
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(tags=["knowledge"])


class ArticleIn(Strict):
    client_account_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=TITLE_MAX_CHARS)
    body: str = Field(min_length=1, max_length=BODY_MAX_CHARS)
    """Markdown."""
    tags: list[str] = Field(default_factory=list, max_length=TAGS_MAX)
    audience: Audience = Audience.INTERNAL
    review_due: date | None = None


class ArticleChange(Strict):
    version: int = Field(ge=1)
    """The version the change was made from (a stale one is refused with 409)."""
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX_CHARS)
    body: str | None = Field(default=None, min_length=1, max_length=BODY_MAX_CHARS)
    tags: list[str] | None = Field(default=None, max_length=TAGS_MAX)
    audience: Audience | None = None
    review_due: date | None = None
    archived: bool | None = None


class ArticleOut(Strict):
    id: str
    client_account_id: str
    title: str
    body: str
    tags: list[str]
    audience: Audience
    version: int
    updated_at: str
    updated_by: str
    review_due: date | None
    archived: bool


class HitOut(Strict):
    article: ArticleOut
    score: float


def _out(a: Article) -> ArticleOut:
    return ArticleOut(
        id=a.id,
        client_account_id=a.client_account_id,
        title=a.title,
        body=a.body,
        tags=list(a.tags),
        audience=a.audience,
        version=a.version,
        updated_at=a.updated_at.isoformat(),
        updated_by=a.updated_by,
        review_due=a.review_due,
        archived=a.archived,
    )


def _kb(request: Request) -> KnowledgeBase:
    kb: Any = request.app.state.runtime.knowledge
    return kb  # type: ignore[no-any-return]


@router.get("/api/v1/knowledge/articles")
def list_articles(
    request: Request,
    audience: Audience | None = None,
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> list[ArticleOut]:
    """Articles of the caller's client accounts (not archived), by title."""
    return [_out(a) for a in _kb(request).articles(principal, audience)]


@router.get("/api/v1/knowledge/search")
def search_articles(
    request: Request,
    q: str = Query(max_length=QUERY_MAX_CHARS),
    audience: Audience | None = None,
    limit: int = Query(default=10, ge=1, le=SEARCH_LIMIT_MAX),
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> list[HitOut]:
    """Full-text search, best first (a title match weighs most, then tags, then body)."""
    hits = _kb(request).search(principal, q, audience, limit)
    return [HitOut(article=_out(h.article), score=h.score) for h in hits]


@router.post("/api/v1/knowledge/articles", status_code=status.HTTP_201_CREATED)
def create_article(
    body: ArticleIn,
    request: Request,
    principal: Principal = require(Permission.KNOWLEDGE_MANAGE),
) -> ArticleOut:
    article = _kb(request).create(
        principal,
        client_account_id=body.client_account_id,
        title=body.title,
        body=body.body,
        tags=body.tags,
        audience=body.audience,
        review_due=body.review_due,
    )
    return _out(article)


@router.get("/api/v1/knowledge/articles/{article_id}")
def get_article(
    article_id: str,
    request: Request,
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> ArticleOut:
    return _out(_kb(request).get(principal, article_id))


@router.put("/api/v1/knowledge/articles/{article_id}")
def change_article(
    article_id: str,
    body: ArticleChange,
    request: Request,
    principal: Principal = require(Permission.KNOWLEDGE_MANAGE),
) -> ArticleOut:
    """A new version (what is given changes; the rest stays)."""
    article = _kb(request).update(
        principal,
        article_id,
        version=body.version,
        title=body.title,
        body=body.body,
        tags=body.tags,
        audience=body.audience,
        review_due=body.review_due,
        archived=body.archived,
    )
    return _out(article)


@router.get("/api/v1/knowledge/articles/{article_id}/versions")
def article_versions(
    article_id: str,
    request: Request,
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> list[ArticleOut]:
    return [_out(a) for a in _kb(request).versions(principal, article_id)]
