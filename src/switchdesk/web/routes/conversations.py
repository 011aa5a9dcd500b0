"""Conversations and contacts: read them, and act on them from the agent desktop."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, model_validator

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1", tags=["conversations"])

TEXT_LIMIT = 4000


class MessageIn(Strict):
    text: str = Field(min_length=1, max_length=TEXT_LIMIT)
    internal: bool = False


class TransferIn(Strict):
    queue_id: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=TEXT_LIMIT)

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.queue_id is None) == (self.agent_id is None):
            raise ValueError("give exactly one of queue_id and agent_id")
        return self


class NoteIn(Strict):
    note: str = Field(default="", max_length=TEXT_LIMIT)


class WrapUpIn(Strict):
    code: str = Field(min_length=1, max_length=64)
    notes: str = Field(default="", max_length=TEXT_LIMIT)


class FollowUpIn(Strict):
    due_at: datetime
    note: str = Field(min_length=1, max_length=TEXT_LIMIT)
    conversation_id: str | None = Field(default=None, max_length=64)


class MergeIn(Strict):
    other_contact_id: str = Field(min_length=1, max_length=64)


def _live(request: Request) -> Any:
    return request.app.state.runtime.live


@router.get("/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str,
    request: Request,
    principal: Principal = require(Permission.CONTACTS_READ),
) -> dict[str, Any]:
    """The conversation with its messages (internal notes included) and its timeline."""
    return _live(request).conversation_detail(principal, conversation_id)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/messages", status_code=201)
def post_message(
    conversation_id: str,
    body: MessageIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """A reply to the contact, or an internal note (``internal``) the contact never sees."""
    return _live(request).agent_message(  # type: ignore[no-any-return]
        principal, conversation_id, body.text, body.internal
    )


@router.post("/conversations/{conversation_id}/transfer", status_code=204)
def transfer(
    conversation_id: str,
    body: TransferIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> Response:
    _live(request).transfer(
        principal, conversation_id, queue_id=body.queue_id, agent_id=body.agent_id, note=body.note
    )
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/escalate", status_code=204)
def escalate(
    conversation_id: str,
    body: NoteIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> Response:
    """To the queue's escalation queue (team leaders), with higher priority."""
    _live(request).transfer(principal, conversation_id, note=body.note, escalate=True)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/end", status_code=204)
async def end(
    conversation_id: str,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> Response:
    # Handed straight to the center's writer from the event loop; answered after the commit.
    await asyncio.wrap_future(_live(request).submit_end_conversation(principal, conversation_id))
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/wrap-up", status_code=204)
def wrap_up(
    conversation_id: str,
    body: WrapUpIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> Response:
    _live(request).wrap_up(principal, conversation_id, body.code, body.notes)
    return Response(status_code=204)


@router.get("/contacts/{contact_id}")
def get_contact(
    contact_id: str, request: Request, principal: Principal = require(Permission.CONTACTS_READ)
) -> dict[str, Any]:
    """The contact card: identities, custom fields, history across channels, follow-ups."""
    return _live(request).contact_card(principal, contact_id)  # type: ignore[no-any-return]


@router.get("/contacts/{contact_id}/timeline")
def get_contact_timeline(
    contact_id: str,
    request: Request,
    cursor: str | None = Query(default=None, max_length=400),
    limit: int = Query(default=30, ge=1, le=100),
    principal: Principal = require(Permission.CONTACTS_READ),
) -> dict[str, Any]:
    """Every conversation of the contact on every channel, as one list newest first:
    messages and key events; ``next_cursor`` fetches the older ones."""
    return _live(request).contact_timeline(  # type: ignore[no-any-return]
        principal, contact_id, cursor, limit
    )


@router.get("/contacts/{contact_id}/duplicates")
def get_contact_duplicates(
    contact_id: str, request: Request, principal: Principal = require(Permission.CONTACTS_READ)
) -> dict[str, Any]:
    """Contacts of the same client account that are likely the same person, with why."""
    return {"items": _live(request).contact_duplicates(principal, contact_id)}


@router.post("/contacts/{contact_id}/merge")
def merge_contacts(
    contact_id: str,
    body: MergeIn,
    request: Request,
    principal: Principal = require(Permission.CONTACTS_MERGE),
) -> dict[str, Any]:
    """Fold ``other_contact_id`` into this contact; the other id keeps resolving here."""
    return _live(request).merge_contacts(  # type: ignore[no-any-return]
        principal, contact_id, body.other_contact_id
    )


@router.post("/contacts/{contact_id}/follow-ups", status_code=201)
def create_follow_up(
    contact_id: str,
    body: FollowUpIn,
    request: Request,
    principal: Principal = require(Permission.CONVERSATIONS_HANDLE),
) -> dict[str, Any]:
    """A callback or task due at a time; it is routed to an agent when due."""
    f = _live(request).create_follow_up(
        principal, contact_id, body.due_at, body.note, body.conversation_id
    )
    return {"id": f.id, "contact_id": f.contact_id, "due_at": f.due_at.isoformat(), "note": f.note}
