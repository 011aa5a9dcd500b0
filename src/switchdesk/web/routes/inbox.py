"""The shared inbox: its page, its list and its actions (docs/inbox.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import Field

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.inbox import INBOX_CHANNEL_KINDS, InboxStatus
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.errors import ValidationFailed
from switchdesk.usecases.live.inbox import PAGE_DEFAULT, PAGE_MAX, InboxFilter
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(tags=["inbox"])


class AssignIn(Strict):
    agent_id: str | None = Field(default=None, min_length=1, max_length=64)
    """Empty: the caller."""


class ResolveIn(Strict):
    code: str | None = Field(default=None, min_length=1, max_length=64)
    notes: str = Field(default="", max_length=4000)


def _live(request: Request) -> Any:
    return request.app.state.runtime.live


@router.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
async def inbox_page(
    request: Request, principal: Principal = require(Permission.CONTACTS_READ)
) -> Response:
    return templates.TemplateResponse(
        request,
        "inbox.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "can_assign": principal.can(Permission.CONVERSATIONS_ASSIGN),
        },
    )


def _statuses(values: list[str]) -> frozenset[InboxStatus]:
    chosen: set[InboxStatus] = set()
    for value in ",".join(values).split(","):
        if not value.strip():
            continue
        try:
            chosen.add(InboxStatus(value.strip()))
        except ValueError:
            raise ValidationFailed(
                "status is open, pending or resolved", code="inbox_filter_invalid"
            ) from None
    return frozenset(chosen) or InboxFilter().statuses


def _kind(value: str | None) -> ChannelKind | None:
    if value is None:
        return None
    try:
        kind = ChannelKind(value)
    except ValueError:
        kind = None
    if kind not in INBOX_CHANNEL_KINDS:
        allowed = ", ".join(sorted(k.value for k in INBOX_CHANNEL_KINDS))
        raise ValidationFailed(f"channel_kind is one of {allowed}", code="inbox_filter_invalid")
    return kind


@router.get("/api/v1/inbox")
def list_inbox(
    request: Request,
    status: list[str] = Query(default=[], max_length=3),
    channel_kind: str | None = Query(default=None, max_length=32),
    queue_id: str | None = Query(default=None, max_length=64),
    assignee: str | None = Query(default=None, max_length=64),
    breached: bool | None = None,
    cursor: str | None = Query(default=None, max_length=1000),
    limit: int = Query(default=PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    principal: Principal = require(Permission.CONTACTS_READ),
) -> dict[str, Any]:
    """Email and messaging conversations of the caller's client accounts, sorted by SLA
    due time, then age; ``next_cursor`` (when more) is passed back as ``cursor``."""
    filters = InboxFilter(
        statuses=_statuses(status),
        channel_kind=_kind(channel_kind),
        queue_id=queue_id,
        assignee=assignee,
        breached=breached,
        cursor=cursor,
        limit=limit,
    )
    return _live(request).inbox(principal, filters)  # type: ignore[no-any-return]


@router.post("/api/v1/inbox/{conversation_id}/assign")
def assign(
    conversation_id: str,
    body: AssignIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """To the caller (no ``agent_id``), or to an agent (``conversations.assign``)."""
    return _live(request).inbox_assign(principal, conversation_id, body.agent_id)  # type: ignore[no-any-return]


@router.post("/api/v1/inbox/{conversation_id}/pending")
def set_pending(
    conversation_id: str,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """Answered, waiting on the customer: the agent's capacity is freed."""
    return _live(request).inbox_set_pending(principal, conversation_id)  # type: ignore[no-any-return]


@router.post("/api/v1/inbox/{conversation_id}/resolve")
def resolve(
    conversation_id: str,
    body: ResolveIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """With a wrap-up ``code`` where the queue requires one."""
    return _live(request).inbox_resolve(  # type: ignore[no-any-return]
        principal, conversation_id, body.code, body.notes
    )
