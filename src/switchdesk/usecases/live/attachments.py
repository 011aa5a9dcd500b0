"""Attachments of inbound messages: stored with their message, shown with it, downloaded
by the people who may see its conversation.

The bytes go to the blob store (``blob_ports.BlobStore``, content-addressed) inside the
batch, BEFORE the transaction that adds the attachment's row commits: a crash in between
leaves at most an orphan blob (harmless, stored once by its SHA-256), never a row without
its bytes. Size limits and states: ``domain/conversations/attachments.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.attachments import (
    Attachment,
    AttachmentState,
    admitted,
    clean_content_type,
    clean_filename,
)
from switchdesk.domain.conversations.channels import InboundAttachment
from switchdesk.domain.conversations.model import Conversation, Message
from switchdesk.domain.errors import NotFound
from switchdesk.usecases.blob_ports import BlobStore
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.principal import Principal

MEDIA_REF_MAX_CHARS = 2000


class AttachmentCore(Protocol):
    def new_id(self) -> str: ...
    @property
    def blobs(self) -> BlobStore | None: ...


def _state(item: InboundAttachment) -> AttachmentState | None:
    """The state of an item the adapter did not hand the bytes of (None: it did)."""
    if item.too_large:
        return AttachmentState.TOO_LARGE
    if item.media_ref and not item.data:
        return AttachmentState.NOT_FETCHED
    return None


def store_attachments(
    core: AttachmentCore,
    uow: LiveUnitOfWork,
    conv: Conversation,
    message: Message,
    items: Sequence[InboundAttachment],
    at: datetime,
) -> list[Attachment]:
    """Record each attachment of ``message`` (bytes to the blob store first, under the
    limits); returns the rows, in order."""
    with_data = [i for i in items if _state(i) is None]
    fits = iter(admitted([len(i.data) for i in with_data]))
    rows = []
    for position, item in enumerate(items):
        state = _state(item)
        if state is None:
            state = AttachmentState.STORED if next(fits) else AttachmentState.TOO_LARGE
        digest = ""
        if state is AttachmentState.STORED:
            if core.blobs is None:
                raise RuntimeError("the live center was built without a blob store")
            digest = core.blobs.put(item.data)  # durable before the row's commit
        row = Attachment(
            id=core.new_id(),
            conversation_id=conv.id,
            message_id=message.id,
            filename=clean_filename(item.filename),
            content_type=clean_content_type(item.content_type),
            size=item.byte_size,
            state=state,
            created_at=at,
            position=position,
            sha256=digest,
            media_ref=item.media_ref[:MEDIA_REF_MAX_CHARS],
        )
        uow.add_attachment(row)
        rows.append(row)
    return rows


def attachment_view(a: Attachment) -> dict[str, Any]:
    """An attachment as a message view lists it (``url`` only when it can be downloaded)."""
    return {
        "id": a.id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "state": a.state.value,
        "url": f"/api/v1/attachments/{a.id}" if a.state is AttachmentState.STORED else None,
    }


def by_message(uow: LiveUnitOfWork, conversation_id: str) -> dict[str, list[dict[str, Any]]]:
    """The conversation's attachment views by message id."""
    out: dict[str, list[dict[str, Any]]] = {}
    for a in uow.attachments(conversation_id):
        out.setdefault(a.message_id, []).append(attachment_view(a))
    return out


def download(
    uow: LiveUnitOfWork, blobs: BlobStore | None, actor: Principal, attachment_id: str
) -> tuple[Attachment, bytes]:
    """A stored attachment and its bytes, for someone who may see its conversation (the
    conversation detail's rules); anyone else, an unknown id, or one whose bytes were
    not kept: ``NotFound``."""
    actor.require(Permission.CONTACTS_READ)
    found = uow.attachment(attachment_id)
    conv = uow.conversation(found.conversation_id) if found is not None else None
    data = None
    if (
        found is not None
        and conv is not None
        and actor.sees_client_account(conv.client_account_id)
        and found.state is AttachmentState.STORED
        and blobs is not None
    ):
        data = blobs.get(found.sha256)
    if found is None or data is None:
        raise NotFound(f"attachment {attachment_id!r} not found")
    return found, data
