"""An article, its versions and the checks on what people write into one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from switchdesk.domain.errors import ValidationFailed

TITLE_MAX_CHARS = 200
BODY_MAX_CHARS = 50_000
TAGS_MAX = 20
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
QUERY_MAX_CHARS = 200
QUERY_TERMS_MAX = 12
_TERM = re.compile(r"[^\W_]+", re.UNICODE)


class Audience(StrEnum):
    INTERNAL = "internal"
    """For agents only (procedures, policy details)."""
    PUBLIC = "public"
    """Also for customers: the help page and the bot answer from these."""


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    client_account_id: str
    title: str
    body: str
    """Markdown; rendered with raw HTML disabled."""
    tags: tuple[str, ...]
    audience: Audience
    version: int
    updated_at: datetime
    updated_by: str
    review_due: date | None = None
    archived: bool = False

    def review_overdue(self, today: date) -> bool:
        return self.review_due is not None and self.review_due < today


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: Article
    score: float
    """Higher is better; comparable only within one search."""


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ValidationFailed("an article needs a title", code="article_invalid")
    if len(cleaned) > TITLE_MAX_CHARS:
        raise ValidationFailed(
            f"a title is at most {TITLE_MAX_CHARS} characters", code="article_invalid"
        )
    return cleaned


def check_body(body: str) -> str:
    if not body.strip():
        raise ValidationFailed("an article needs a body", code="article_invalid")
    if len(body) > BODY_MAX_CHARS:
        raise ValidationFailed(
            f"a body is at most {BODY_MAX_CHARS} characters", code="article_invalid"
        )
    return body.replace("\r\n", "\n").strip()


def check_tags(tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for tag in tags:
        value = tag.strip().lower()
        if not TAG.match(value):
            raise ValidationFailed(
                f"tag {tag!r}: lowercase letters, digits, - and _, at most 40",
                code="article_invalid",
            )
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > TAGS_MAX:
        raise ValidationFailed(f"at most {TAGS_MAX} tags", code="article_invalid")
    return tuple(cleaned)


def query_terms(query: str) -> list[str]:
    """The words of a search, lowercased, each once: letters and digits only, so no
    search syntax of either database's full-text engine reaches it."""
    if len(query) > QUERY_MAX_CHARS:
        raise ValidationFailed(
            f"a search is at most {QUERY_MAX_CHARS} characters", code="query_too_long"
        )
    terms: list[str] = []
    for match in _TERM.finditer(query.lower()):
        if match.group() not in terms:
            terms.append(match.group())
    return terms[:QUERY_TERMS_MAX]
