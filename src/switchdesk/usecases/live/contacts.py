"""Contacts across channels: one timeline per contact (every conversation on every
channel, newest first, by a stable cursor), likely duplicates, and merging two contacts
into one (``domain/conversations/contact_matching.py`` holds the rules).

Reads take a unit of work; the merge runs inside the live center's writer (one
transaction with everything it moves)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from switchdesk.domain.accounts.model import AuditAction, AuditEntry
from switchdesk.domain.conversations import contact_matching as rules
from switchdesk.domain.conversations.model import AuthorKind, Channel, Contact, Conversation
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.usecases.live.conversations import add_timeline, at_time
from switchdesk.usecases.live.views import delivery_view
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.ports import UnitOfWorkFactory
from switchdesk.usecases.principal import Principal

TIMELINE_DEFAULT_LIMIT = 30
TIMELINE_MAX_LIMIT = 100
MERGE_HOPS_MAX = 10
"""A chain of merges longer than this is not followed (it would be a loop)."""
KEY_EVENTS = frozenset(
    {
        "created",
        "accepted",
        "transferred",
        "escalated",
        "ended",
        "wrapped_up",
        "reopened",
        "abandoned",
        "automatic",
        "opted_out",
        "opted_in",
        "bounced",
        "delivery_delayed",
        "address_deliverable",
        "rated",
        "contact_merged",
        "identity_linked",
    }
)
"""The conversation timeline's entries that the contact timeline shows (besides messages):
routing steps (enqueued, offered, offer timeouts...) stay on the conversation's own."""


class ContactsCore(Protocol):
    def channel_by_id(self, channel_id: str) -> Channel | None: ...


def resolve(uow: LiveUnitOfWork, contact_id: str, actor: Principal | None) -> Contact:
    """The contact, following ``merged_into`` pointers to the one that absorbed it; 404
    when it does not exist or ``actor`` does not see its client account."""
    contact = uow.contact(contact_id)
    hops = 0
    while contact is not None and contact.merged_into and hops < MERGE_HOPS_MAX:
        contact = uow.contact(contact.merged_into)
        hops += 1
    if contact is None or (
        actor is not None and not actor.sees_client_account(contact.client_account_id)
    ):
        raise NotFound(f"contact {contact_id!r} not found")
    return contact


# ------------------------------------------------------------------------------ timeline


@dataclass(frozen=True, slots=True, order=True)
class _Key:
    """Where an item sorts (newest first = the largest key first); also the cursor."""

    at: datetime
    conversation_id: str
    rank: int  # 0 an event, 1 a message: a message sorts after the event at its time
    ordinal: int

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.conversation_id, self.rank, self.ordinal])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> _Key:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            at, conv, rank, ordinal = json.loads(base64.urlsafe_b64decode(padded.encode()))
            key = cls(datetime.fromisoformat(at), str(conv), int(rank), int(ordinal))
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise ValidationFailed("the cursor is not valid", code="cursor_invalid") from None
        if key.at.tzinfo is None:
            raise ValidationFailed("the cursor is not valid", code="cursor_invalid")
        return key


def _conversation_items(
    core: ContactsCore, uow: LiveUnitOfWork, conv: Conversation
) -> list[tuple[_Key, dict[str, Any]]]:
    channel = core.channel_by_id(conv.channel_id)
    entries = uow.timeline(conv.id)
    subject = next((s for e in entries if isinstance(s := e.detail.get("subject"), str) and s), "")
    common = {
        "conversation_id": conv.id,
        "channel_kind": channel.kind.value if channel else conv.channel_kind,
        "channel_name": channel.name if channel else "",
        "subject": subject,
    }
    deliveries = {d.message.message_id: d for d in uow.deliveries_of(conv.id)}
    items: list[tuple[_Key, dict[str, Any]]] = []
    for n, m in enumerate(uow.messages(conv.id)):
        item: dict[str, Any] = {
            "type": "message",
            "id": m.id,
            "at": m.at.isoformat(),
            "author": m.author_kind.value,
            "author_name": m.author_name,
            "text": m.text,
            "internal": m.internal,
            **common,
        }
        delivery = deliveries.get(m.id)
        if delivery is not None:
            item["delivery"] = delivery_view(delivery)
        items.append((_Key(m.at, conv.id, 1, n), item))
    for e in entries:
        if e.kind not in KEY_EVENTS:
            continue
        detail = {k: v for k, v in e.detail.items() if k != "text"}
        item = {
            "type": "event",
            "id": f"{conv.id}:{e.id}",
            "kind": e.kind,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "detail": detail,
            **common,
        }
        items.append((_Key(e.at, conv.id, 0, e.id or 0), item))
    return items


def timeline(
    core: ContactsCore,
    uow: LiveUnitOfWork,
    contact: Contact,
    *,
    cursor: str | None = None,
    limit: int = TIMELINE_DEFAULT_LIMIT,
) -> dict[str, Any]:
    """One page of the contact's timeline, newest first: messages (internal notes
    included: the reader is staff) and key events of all their conversations.
    ``next_cursor`` (None on the last page) fetches the items older than this page;
    items that arrive meanwhile are newer and never shift a page."""
    if not 1 <= limit <= TIMELINE_MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {TIMELINE_MAX_LIMIT}",
            code="limit_invalid",
            limit=TIMELINE_MAX_LIMIT,
        )
    after = _Key.decode(cursor) if cursor else None
    items: list[tuple[_Key, dict[str, Any]]] = []
    for conv in uow.conversations_of_contact(contact.id):
        items.extend(_conversation_items(core, uow, conv))
    if after is not None:
        items = [pair for pair in items if pair[0] < after]
    items.sort(key=lambda pair: pair[0], reverse=True)
    page = items[:limit]
    more = len(items) > limit
    return {
        "contact_id": contact.id,
        "items": [item for _, item in page],
        "next_cursor": page[-1][0].encode() if more and page else None,
    }


# ------------------------------------------------------------------------------ duplicates


def duplicates(uow: LiveUnitOfWork, contact: Contact) -> list[dict[str, Any]]:
    """Contacts of the same client account that are likely the same person, with why
    (``contact_matching.duplicate_reasons``)."""
    written: frozenset[str] = frozenset()
    for conv in uow.conversations_of_contact(contact.id):
        for m in uow.messages(conv.id):
            if m.author_kind is AuthorKind.CONTACT:
                written |= rules.numbers_in_text(m.text)
    found: dict[str, Contact] = {}
    for identity in rules.lookups(contact, written):
        other = uow.contact_by_identity(contact.client_account_id, identity.kind, identity.value)
        if other is not None and other.id != contact.id:
            found[other.id] = other
    rows = []
    for other in found.values():
        reasons = rules.duplicate_reasons(contact, other, written)
        if reasons:
            rows.append(
                {
                    "id": other.id,
                    "name": other.name,
                    "identities": [
                        {"kind": i.kind.value, "value": i.value} for i in other.identities
                    ],
                    "reasons": list(reasons),
                    "reason_text": [rules.REASON_TEXT[r] for r in reasons],
                    "created_at": other.created_at.isoformat(),
                }
            )
    return sorted(rows, key=lambda r: r["created_at"])


# ------------------------------------------------------------------------------ merge


def merge(
    uow: LiveUnitOfWork, now: float, actor: Principal, survivor_id: str, other_id: str
) -> tuple[Contact, Contact]:
    """Fold ``other_id`` into ``survivor_id``: identities, conversations, follow-ups and
    consent records move (``contact_matching.merged_consent``); undeliverable marks
    belong to addresses, not contacts, and stay as they are. The absorbed contact keeps
    ``merged_into``. Returns (survivor as merged, absorbed as it was)."""
    survivor = uow.contact(survivor_id)
    absorbed = uow.contact(other_id)
    for contact_id, contact in ((survivor_id, survivor), (other_id, absorbed)):
        if contact is None or not actor.sees_client_account(contact.client_account_id):
            raise NotFound(f"contact {contact_id!r} not found")
    assert survivor is not None and absorbed is not None
    rules.check_merge(survivor, absorbed)
    at = at_time(now)
    mine = {r.channel_id: r for r in uow.consents_of(survivor.id)}
    for theirs in uow.consents_of(absorbed.id):
        kept = rules.merged_consent(survivor.id, mine.get(theirs.channel_id), theirs)
        if kept is not None and kept != mine.get(theirs.channel_id):
            uow.put_consent(kept)
    moved: Sequence[Conversation] = uow.conversations_of_contact(absorbed.id)
    uow.merge_contact(absorbed.id, survivor.id)
    for conv in moved:
        add_timeline(
            uow,
            replace(conv, contact_id=survivor.id),
            at,
            "contact_merged",
            actor.name,
            from_contact_id=absorbed.id,
            into_contact_id=survivor.id,
        )
    merged = uow.contact(survivor.id)
    assert merged is not None
    return merged, absorbed


def audit_merge(
    accounts: UnitOfWorkFactory, now: float, actor: Principal, merged: Contact, absorbed: Contact
) -> None:
    """The audit entry of a merge (ids and identity kinds, never the addresses)."""
    detail = {
        "absorbed_contact_id": absorbed.id,
        "client_account_id": merged.client_account_id,
        "identity_kinds": sorted({i.kind.value for i in absorbed.identities}),
    }
    with accounts() as uow:
        uow.audit.append(
            AuditEntry(
                datetime.fromtimestamp(now, UTC),
                AuditAction.CONTACT_MERGED,
                actor.name,
                f"contact:{merged.id}",
                detail,
            )
        )
        uow.commit()
