"""SQL implementation of the live center's unit of work."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from switchdesk.adapters.db import live_tables as t
from switchdesk.adapters.db import tables
from switchdesk.adapters.db.deliveries import delivery_from_row, delivery_row
from switchdesk.adapters.db.transaction import SqlTransaction
from switchdesk.domain.conversations.attachments import Attachment, AttachmentState
from switchdesk.domain.conversations.model import (
    AgentProfile,
    AuthorKind,
    Channel,
    ChannelKind,
    Contact,
    Conversation,
    ConversationState,
    FollowUp,
    Identity,
    IdentityKind,
    Message,
    NotReadyReason,
    QueueSettings,
    TimelineEntry,
    WrapUpCode,
)
from switchdesk.domain.conversations.reachability import (
    AUTO_REPLY_WINDOW,
    ConsentRecord,
    UndeliverableAddress,
)
from switchdesk.domain.errors import Conflict
from switchdesk.domain.privacy.policy import RedactionPolicy, policy_from_dict, policy_to_dict
from switchdesk.usecases.deliveries import Delivery


def _queue(r: Any) -> QueueSettings:
    return QueueSettings(
        id=r.id,
        name=r.name,
        client_account_id=r.client_account_id,
        routing=dict(r.routing),
        wrap_up_codes=tuple(WrapUpCode(c["code"], c["label"]) for c in r.wrap_up_codes),
        wrap_up_required=r.wrap_up_required,
        threshold_seconds=r.threshold_seconds,
        escalation_queue_id=r.escalation_queue_id,
        first_response_seconds=r.first_response_seconds,
        next_response_seconds=r.next_response_seconds,
    )


def _conversation(r: Any) -> Conversation:
    return Conversation(
        id=r.id,
        client_account_id=r.client_account_id,
        contact_id=r.contact_id,
        channel_id=r.channel_id,
        channel_kind=r.channel_kind,
        state=ConversationState(r.state),
        created_at=r.created_at,
        updated_at=r.updated_at,
        queue_id=r.queue_id,
        agent_id=r.agent_id,
        interaction_id=r.interaction_id,
        interaction_count=r.interaction_count,
        resolved_at=r.resolved_at,
        needs_wrap_up=r.needs_wrap_up,
        wrap_up_agent_id=r.wrap_up_agent_id,
        disposition=r.disposition,
        wrap_up_notes=r.wrap_up_notes,
        csat_score=r.csat_score,
        csat_comment=r.csat_comment,
        customer_token_hash=r.customer_token_hash,
    )


def _conversation_row(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "client_account_id": c.client_account_id,
        "contact_id": c.contact_id,
        "channel_id": c.channel_id,
        "channel_kind": c.channel_kind,
        "state": c.state.value,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "queue_id": c.queue_id,
        "agent_id": c.agent_id,
        "interaction_id": c.interaction_id,
        "interaction_count": c.interaction_count,
        "resolved_at": c.resolved_at,
        "needs_wrap_up": c.needs_wrap_up,
        "wrap_up_agent_id": c.wrap_up_agent_id,
        "disposition": c.disposition,
        "wrap_up_notes": c.wrap_up_notes,
        "csat_score": c.csat_score,
        "csat_comment": c.csat_comment,
        "customer_token_hash": c.customer_token_hash,
    }


def _message(r: Any) -> Message:
    return Message(
        id=r.id,
        conversation_id=r.conversation_id,
        author_kind=AuthorKind(r.author_kind),
        author_name=r.author_name,
        text=r.text,
        at=r.at,
        author_id=r.author_id,
        internal=r.internal,
        client_id=r.client_id,
    )


def _follow_up(r: Any) -> FollowUp:
    return FollowUp(
        id=r.id,
        contact_id=r.contact_id,
        due_at=r.due_at,
        note=r.note,
        created_by=r.created_by,
        created_at=r.created_at,
        conversation_id=r.conversation_id,
        done=r.done,
        routed_conversation_id=r.routed_conversation_id,
    )


_CONVERSATION_COLUMNS = [c.name for c in t.conversations.columns if c.name != "id"]

# Statements built once: executing a prebuilt statement with parameters skips building
# and hashing a new one per call.
_SELECT_CONVERSATION = select(t.conversations).where(t.conversations.c.id == bindparam("id"))
_SELECT_CONTACT = select(t.contacts).where(t.contacts.c.id == bindparam("id"))
_SELECT_IDENTITIES = (
    select(t.contact_identities)
    .where(t.contact_identities.c.contact_id == bindparam("id"))
    .order_by(t.contact_identities.c.kind, t.contact_identities.c.value)
)
_SELECT_CONTACT_BY_IDENTITY = select(t.contact_identities.c.contact_id).where(
    t.contact_identities.c.client_account_id == bindparam("account"),
    t.contact_identities.c.kind == bindparam("kind"),
    t.contact_identities.c.value == bindparam("value"),
)
_SELECT_MESSAGES = (
    select(t.messages)
    .where(t.messages.c.conversation_id == bindparam("id"))
    .order_by(t.messages.c.seq)
)
_SELECT_CONVERSATIONS_OF_CONTACT = (
    select(t.conversations)
    .where(t.conversations.c.contact_id == bindparam("id"))
    .order_by(t.conversations.c.created_at.desc())
)
_SELECT_OPEN_FOLLOW_UPS = (
    select(t.follow_ups)
    .where(t.follow_ups.c.contact_id == bindparam("id"), t.follow_ups.c.done.is_(False))
    .order_by(t.follow_ups.c.due_at)
)
_INSERT_CONTACT = insert(t.contacts)
_INSERT_IDENTITY = insert(t.contact_identities)
_INSERT_CONVERSATION = insert(t.conversations)
_UPDATE_CONVERSATION = update(t.conversations).where(t.conversations.c.id == bindparam("b_id"))
_INSERT_MESSAGE = insert(t.messages)
_INSERT_TIMELINE = insert(t.conversation_timeline)
_INSERT_FOLLOW_UP = insert(t.follow_ups)
_UPDATE_FOLLOW_UP = update(t.follow_ups).where(t.follow_ups.c.id == bindparam("b_id"))
_INSERT_ROUTING_EVENTS = insert(t.routing_events).returning(t.routing_events.c.seq)

_NO_DIMENSIONS: dict[str, str | None] = dict.fromkeys(t.ROUTING_EVENT_DIMENSIONS)

CACHE_LIMIT = 20_000
"""Rows of each kind the live cache keeps (oldest dropped first)."""


@dataclass
class _Rows:
    """Rows by kind: the shared cache's, or what one transaction read or changed (its
    overlay, merged into the cache when it commits)."""

    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: dict[str, list[Message]] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    identities: dict[tuple[str, str, str], str] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)
    follow_ups: dict[str, list[FollowUp]] = field(default_factory=dict)

    def tables(self) -> tuple[dict[Any, Any], ...]:
        return (
            self.conversations,
            self.messages,
            self.contacts,
            self.identities,
            self.history,
            self.follow_ups,
        )


_GONE: Any = object()
"""In an overlay: forget the shared entry (it is no longer known to be complete)."""


class LiveCache:
    """Rows of the live center kept across transactions: the center is the only writer of
    its conversations, messages, contacts and follow-ups, so what it committed or read is
    what the database holds. Only committed transactions change the cache (a unit of work
    keeps its own changes until it commits); rolled back ones leave no trace. Lists are
    complete (every message of a conversation, every conversation of a contact, every open
    follow-up of a contact) and replaced, never changed in place."""

    def __init__(self, limit: int = CACHE_LIMIT) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.rows = _Rows()

    def clear(self) -> None:
        with self.lock:
            for table in self.rows.tables():
                table.clear()

    def merge(self, overlay: _Rows) -> None:
        with self.lock:
            for table, changes in zip(self.rows.tables(), overlay.tables(), strict=True):
                for key, value in changes.items():
                    table.pop(key, None)  # re-inserted last: the newest stay longest
                    if value is not _GONE:
                        table[key] = value
                while len(table) > self.limit:
                    table.pop(next(iter(table)))


class SqlLiveUnitOfWork(SqlTransaction):
    """Reads go through the live cache; inserts and updates of conversations, messages,
    timeline rows and follow-ups are held and written together (one statement per table)
    before a query that could see them and at the commit."""

    lazy = True

    def __init__(self, engine: Engine, cache: LiveCache | None = None) -> None:
        super().__init__(engine)
        self._cache = cache or LiveCache(limit=0)
        self._overlay = _Rows()
        self._reset_buffers()
        self.writes = 0
        """Changes made so far (the live center tells a clean refusal from a failure)."""

    def _reset_buffers(self) -> None:
        self._new_contacts: list[dict[str, Any]] = []
        self._new_identities: list[dict[str, Any]] = []
        self._new_conversations: dict[str, Conversation] = {}
        self._changed_conversations: dict[str, Conversation] = {}
        self._new_messages: list[dict[str, Any]] = []
        self._new_timeline: list[dict[str, Any]] = []
        self._new_follow_ups: list[dict[str, Any]] = []
        self._changed_follow_ups: dict[str, FollowUp] = {}

    def _closed(self) -> None:
        self._overlay = _Rows()
        self._reset_buffers()

    def _known(self, table: str, key: Any) -> Any:
        """The overlay's entry, else the cache's, else None."""
        value = getattr(self._overlay, table).get(key)
        if value is _GONE:
            return None
        if value is None:
            value = getattr(self._cache.rows, table).get(key)
        return value

    def _flush(self) -> None:
        """Write what is held, parents first."""
        if not self.writes:
            return
        c = self._c
        if self._new_contacts:
            c.execute(_INSERT_CONTACT, self._new_contacts)
        if self._new_identities:
            c.execute(_INSERT_IDENTITY, self._new_identities)
        if self._new_conversations:
            rows = [_conversation_row(v) for v in self._new_conversations.values()]
            c.execute(_INSERT_CONVERSATION, rows)
        if self._changed_conversations:
            rows = []
            for v in self._changed_conversations.values():
                row = _conversation_row(v)
                row["b_id"] = row.pop("id")
                rows.append(row)
            c.execute(_UPDATE_CONVERSATION, rows)
        if self._new_messages:
            c.execute(_INSERT_MESSAGE, self._new_messages)
        if self._new_timeline:
            c.execute(_INSERT_TIMELINE, self._new_timeline)
        if self._new_follow_ups:
            c.execute(_INSERT_FOLLOW_UP, self._new_follow_ups)
        if self._changed_follow_ups:
            c.execute(
                _UPDATE_FOLLOW_UP,
                [
                    {
                        "b_id": f.id,
                        "done": f.done,
                        "routed_conversation_id": f.routed_conversation_id,
                    }
                    for f in self._changed_follow_ups.values()
                ],
            )
        self._reset_buffers()

    def commit(self) -> None:
        self._flush()
        super().commit()
        self._cache.merge(self._overlay)
        self._overlay = _Rows()

    def _upsert(self, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
        self.writes += 1
        cond = and_(*(table.c[k] == v for k, v in key.items()))
        if self._c.execute(select(*table.primary_key.columns).where(cond)).first():
            self._c.execute(update(table).where(cond).values(**values))
        else:
            self._c.execute(insert(table).values(**key, **values))

    # configuration ---------------------------------------------------------------------

    def put_queue(self, queue: QueueSettings) -> None:
        self._upsert(
            t.center_queues,
            {"id": queue.id},
            {
                "name": queue.name,
                "client_account_id": queue.client_account_id,
                "routing": queue.routing,
                "wrap_up_codes": [{"code": c.code, "label": c.label} for c in queue.wrap_up_codes],
                "wrap_up_required": queue.wrap_up_required,
                "threshold_seconds": queue.threshold_seconds,
                "escalation_queue_id": queue.escalation_queue_id,
                "first_response_seconds": queue.first_response_seconds,
                "next_response_seconds": queue.next_response_seconds,
            },
        )

    def remove_queue(self, queue_id: str) -> None:
        self.writes += 1
        self._c.execute(delete(t.center_queues).where(t.center_queues.c.id == queue_id))

    def queues(self) -> list[QueueSettings]:
        rows = self._c.execute(select(t.center_queues).order_by(t.center_queues.c.name))
        return [_queue(r) for r in rows]

    def put_channel(self, channel: Channel) -> None:
        try:
            with self._c.begin_nested():
                self._upsert(
                    t.channels,
                    {"id": channel.id},
                    {
                        "slug": channel.slug,
                        "name": channel.name,
                        "kind": channel.kind.value,
                        "client_account_id": channel.client_account_id,
                        "queue_id": channel.queue_id,
                        "greeting": channel.greeting,
                        "enabled": channel.enabled,
                        "address": channel.address,
                        "settings": dict(channel.settings),
                    },
                )
        except IntegrityError:
            raise Conflict(f"the channel slug {channel.slug!r} is taken") from None

    def remove_channel(self, channel_id: str) -> None:
        self.writes += 1
        self._c.execute(delete(t.channels).where(t.channels.c.id == channel_id))

    def channels(self) -> list[Channel]:
        rows = self._c.execute(select(t.channels).order_by(t.channels.c.slug))
        return [
            Channel(
                r.id,
                r.slug,
                r.name,
                ChannelKind(r.kind),
                r.client_account_id,
                r.queue_id,
                r.greeting,
                r.enabled,
                r.address,
                dict(r.settings),
            )
            for r in rows
        ]

    def put_agent_profile(self, profile: AgentProfile) -> None:
        self._upsert(
            t.agent_profiles,
            {"user_id": profile.user_id},
            {"attributes": profile.attributes, "capacity": profile.capacity},
        )

    def agent_profiles(self) -> list[AgentProfile]:
        rows = self._c.execute(select(t.agent_profiles).order_by(t.agent_profiles.c.user_id))
        return [AgentProfile(r.user_id, dict(r.attributes), dict(r.capacity)) for r in rows]

    def put_reason(self, reason: NotReadyReason) -> None:
        self._upsert(t.not_ready_reasons, {"code": reason.code}, {"label": reason.label})

    def remove_reason(self, code: str) -> None:
        self._c.execute(delete(t.not_ready_reasons).where(t.not_ready_reasons.c.code == code))

    def reasons(self) -> list[NotReadyReason]:
        rows = self._c.execute(select(t.not_ready_reasons).order_by(t.not_ready_reasons.c.code))
        return [NotReadyReason(r.code, r.label) for r in rows]

    def client_account_names(self) -> dict[str, str]:
        rows = self._c.execute(select(tables.client_accounts.c.id, tables.client_accounts.c.name))
        return {r.id: r.name for r in rows}

    # contacts --------------------------------------------------------------------------

    def add_contact(self, contact: Contact) -> None:
        self.writes += 1
        self._new_contacts.append(
            {
                "id": contact.id,
                "client_account_id": contact.client_account_id,
                "name": contact.name,
                "custom_fields": contact.custom_fields,
                "created_at": contact.created_at,
            }
        )
        ov = self._overlay
        for identity in contact.identities:
            self._new_identities.append(
                {
                    "client_account_id": contact.client_account_id,
                    "kind": identity.kind.value,
                    "value": identity.value,
                    "contact_id": contact.id,
                }
            )
            ov.identities[(contact.client_account_id, identity.kind.value, identity.value)] = (
                contact.id
            )
        ov.contacts[contact.id] = contact
        ov.history[contact.id] = []
        ov.follow_ups[contact.id] = []

    def contact(self, contact_id: str) -> Contact | None:
        known: Contact | None = self._known("contacts", contact_id)
        if known is not None:
            return known
        r = self._c.execute(_SELECT_CONTACT, {"id": contact_id}).first()
        if r is None:
            return None
        ids = self._c.execute(_SELECT_IDENTITIES, {"id": contact_id})
        contact = self._overlay.contacts[contact_id] = Contact(
            r.id,
            r.client_account_id,
            r.name,
            r.created_at,
            tuple(Identity(IdentityKind(i.kind), i.value) for i in ids),
            dict(r.custom_fields),
            r.merged_into,
        )
        return contact

    def contact_by_identity(
        self, client_account_id: str, kind: IdentityKind, value: str
    ) -> Contact | None:
        key = (client_account_id, kind.value, value)
        contact_id = self._known("identities", key)
        if contact_id is None:
            # Contacts held for the flush are in the overlay: no need to write them first.
            r = self._c.execute(
                _SELECT_CONTACT_BY_IDENTITY,
                {"account": client_account_id, "kind": kind.value, "value": value},
            ).first()
            if r is None:
                return None
            contact_id = self._overlay.identities[key] = r.contact_id
        return self.contact(contact_id)

    def add_identity(self, contact_id: str, identity: Identity) -> None:
        contact = self.contact(contact_id)
        if contact is None:
            raise Conflict(f"contact {contact_id!r} not found")
        self.writes += 1
        self._flush()
        self._c.execute(
            insert(t.contact_identities).values(
                client_account_id=contact.client_account_id,
                kind=identity.kind.value,
                value=identity.value,
                contact_id=contact_id,
            )
        )
        key = (contact.client_account_id, identity.kind.value, identity.value)
        self._overlay.identities[key] = contact_id
        self._overlay.contacts[contact_id] = _GONE

    def consents_of(self, contact_id: str) -> list[ConsentRecord]:
        x = t.contact_consents
        rows = self._c.execute(
            select(x).where(x.c.contact_id == contact_id).order_by(x.c.channel_id)
        )
        return [
            ConsentRecord(r.contact_id, r.channel_id, r.opted_in, r.keyword, r.changed_at)
            for r in rows
        ]

    def merge_contact(self, absorbed_id: str, survivor_id: str) -> None:
        absorbed = self.contact(absorbed_id)
        survivor = self.contact(survivor_id)
        if absorbed is None or survivor is None:
            raise Conflict("both contacts must exist to be merged")
        moved = self.conversations_of_contact(absorbed_id)
        self.writes += 1
        self._flush()
        c = self._c
        ids = t.contact_identities
        c.execute(update(ids).where(ids.c.contact_id == absorbed_id).values(contact_id=survivor_id))
        convs = t.conversations
        c.execute(
            update(convs).where(convs.c.contact_id == absorbed_id).values(contact_id=survivor_id)
        )
        fu = t.follow_ups
        c.execute(update(fu).where(fu.c.contact_id == absorbed_id).values(contact_id=survivor_id))
        consents = t.contact_consents
        c.execute(delete(consents).where(consents.c.contact_id == absorbed_id))
        c.execute(
            update(t.contacts).where(t.contacts.c.id == absorbed_id).values(merged_into=survivor_id)
        )
        ov = self._overlay
        for identity in absorbed.identities:
            key = (absorbed.client_account_id, identity.kind.value, identity.value)
            ov.identities[key] = survivor_id
        for conversation in moved:
            ov.conversations[conversation.id] = _GONE
        for contact_id in (absorbed_id, survivor_id):
            ov.contacts[contact_id] = _GONE
            ov.history[contact_id] = _GONE
            ov.follow_ups[contact_id] = _GONE

    # reachability ----------------------------------------------------------------------

    def consent(self, contact_id: str, channel_id: str) -> ConsentRecord | None:
        x = t.contact_consents
        r = self._c.execute(
            select(x).where(x.c.contact_id == contact_id, x.c.channel_id == channel_id)
        ).first()
        if r is None:
            return None
        return ConsentRecord(r.contact_id, r.channel_id, r.opted_in, r.keyword, r.changed_at)

    def put_consent(self, record: ConsentRecord) -> None:
        self._flush()  # the contact may be new in this transaction
        self._upsert(
            t.contact_consents,
            {"contact_id": record.contact_id, "channel_id": record.channel_id},
            {
                "opted_in": record.opted_in,
                "keyword": record.keyword,
                "changed_at": record.changed_at,
            },
        )

    @staticmethod
    def _address_key(client_account_id: str, kind: IdentityKind, value: str) -> Any:
        x = t.undeliverable_addresses
        return and_(
            x.c.client_account_id == client_account_id,
            x.c.kind == kind.value,
            x.c.value == value,
        )

    def undeliverable(
        self, client_account_id: str, kind: IdentityKind, value: str
    ) -> UndeliverableAddress | None:
        x = t.undeliverable_addresses
        r = self._c.execute(
            select(x).where(self._address_key(client_account_id, kind, value))
        ).first()
        if r is None:
            return None
        return UndeliverableAddress(
            r.client_account_id,
            IdentityKind(r.kind),
            r.value,
            r.status_code,
            r.reason,
            r.marked_at,
            r.channel_id,
        )

    def mark_undeliverable(self, record: UndeliverableAddress) -> None:
        self._upsert(
            t.undeliverable_addresses,
            {
                "client_account_id": record.client_account_id,
                "kind": record.kind.value,
                "value": record.value,
            },
            {
                "channel_id": record.channel_id,
                "status_code": record.status_code,
                "reason": record.reason,
                "marked_at": record.marked_at,
            },
        )

    def clear_undeliverable(self, client_account_id: str, kind: IdentityKind, value: str) -> bool:
        result = self._c.execute(
            delete(t.undeliverable_addresses).where(
                self._address_key(client_account_id, kind, value)
            )
        )
        if not result.rowcount:
            return False
        self.writes += 1
        return True

    def auto_replies_since(self, channel_id: str, address: str, since: datetime) -> list[datetime]:
        x = t.auto_replies
        rows = self._c.execute(
            select(x.c.sent_at)
            .where(x.c.channel_id == channel_id, x.c.address == address, x.c.sent_at > since)
            .order_by(x.c.sent_at)
        ).scalars()
        return list(rows)

    def add_auto_reply(self, channel_id: str, address: str, at: datetime) -> None:
        self.writes += 1
        x = t.auto_replies
        self._c.execute(
            delete(x).where(
                x.c.channel_id == channel_id,
                x.c.address == address,
                x.c.sent_at < at - AUTO_REPLY_WINDOW,
            )
        )
        self._c.execute(insert(x).values(channel_id=channel_id, address=address, sent_at=at))

    # conversations ---------------------------------------------------------------------

    def add_conversation(self, conversation: Conversation) -> None:
        self.writes += 1
        ov = self._overlay
        self._new_conversations[conversation.id] = conversation
        ov.conversations[conversation.id] = conversation
        ov.messages[conversation.id] = []
        history: list[str] | None = self._known("history", conversation.contact_id)
        if history is not None:
            ov.history[conversation.contact_id] = [conversation.id, *history]

    def save_conversation(self, conversation: Conversation) -> None:
        self.writes += 1
        if conversation.id in self._new_conversations:
            self._new_conversations[conversation.id] = conversation
        else:
            self._changed_conversations[conversation.id] = conversation
        self._overlay.conversations[conversation.id] = conversation

    def conversation(self, conversation_id: str) -> Conversation | None:
        known: Conversation | None = self._known("conversations", conversation_id)
        if known is not None:
            return known
        r = self._c.execute(_SELECT_CONVERSATION, {"id": conversation_id}).first()
        if r is None:
            return None
        conversation = self._overlay.conversations[conversation_id] = _conversation(r)
        return conversation

    def conversation_by_token(self, token_hash: str) -> Conversation | None:
        self._flush()
        r = self._c.execute(
            select(t.conversations).where(t.conversations.c.customer_token_hash == token_hash)
        ).first()
        return self._loaded(_conversation(r)) if r else None

    def _loaded(self, conversation: Conversation) -> Conversation:
        """A conversation read by a query: the overlay's version wins (it is newer)."""
        known: Conversation | None = self._overlay.conversations.get(conversation.id)
        if known is not None:
            return known
        self._overlay.conversations[conversation.id] = conversation
        return conversation

    def conversations_of_contact(self, contact_id: str) -> list[Conversation]:
        history: list[str] | None = self._known("history", contact_id)
        if history is not None:
            found = [self._known("conversations", i) for i in history]
            if all(c is not None for c in found):
                return found  # type: ignore[return-value]
        self._flush()
        rows = self._c.execute(_SELECT_CONVERSATIONS_OF_CONTACT, {"id": contact_id})
        conversations = [self._loaded(_conversation(r)) for r in rows]
        self._overlay.history[contact_id] = [c.id for c in conversations]
        return conversations

    def open_conversations(self) -> list[Conversation]:
        self._flush()
        rows = self._c.execute(
            select(t.conversations)
            .where(
                or_(
                    t.conversations.c.state != ConversationState.RESOLVED.value,
                    t.conversations.c.needs_wrap_up.is_(True),
                )
            )
            .order_by(t.conversations.c.created_at)
        )
        return [self._loaded(_conversation(r)) for r in rows]

    def inbox_conversations(
        self,
        channel_kinds: Collection[str],
        states: Collection[ConversationState],
        client_account_ids: Collection[str] | None,
        resolved_since: datetime,
    ) -> list[Conversation]:
        self._flush()
        c = t.conversations.c
        query = select(t.conversations).where(
            c.state.in_([s.value for s in states]),
            t.conversations.c.channel_id.in_(
                select(t.channels.c.id).where(t.channels.c.kind.in_(list(channel_kinds)))
            ),
            or_(c.resolved_at.is_(None), c.resolved_at >= resolved_since),
        )
        if client_account_ids is not None:
            query = query.where(c.client_account_id.in_(list(client_account_ids)))
        rows = self._c.execute(query.order_by(c.created_at, c.id))
        return [self._loaded(_conversation(r)) for r in rows]

    def messages_of(self, conversation_ids: Collection[str]) -> dict[str, list[Message]]:
        self._flush()
        found: dict[str, list[Message]] = {i: [] for i in conversation_ids}
        ids = list(found)
        for start in range(0, len(ids), 500):
            rows = self._c.execute(
                select(t.messages)
                .where(t.messages.c.conversation_id.in_(ids[start : start + 500]))
                .order_by(t.messages.c.seq)
            )
            for r in rows:
                found[r.conversation_id].append(_message(r))
        return found

    def add_message(self, message: Message) -> None:
        self.writes += 1
        self._new_messages.append(
            {
                "id": message.id,
                "conversation_id": message.conversation_id,
                "author_kind": message.author_kind.value,
                "author_id": message.author_id,
                "author_name": message.author_name,
                "text": message.text,
                "internal": message.internal,
                "client_id": message.client_id,
                "at": message.at,
            }
        )
        known: list[Message] | None = self._known("messages", message.conversation_id)
        if known is not None:
            self._overlay.messages[message.conversation_id] = [*known, message]

    def message_by_client_id(self, conversation_id: str, client_id: str) -> Message | None:
        known: list[Message] | None = self._known("messages", conversation_id)
        if known is None:
            known = self.messages(conversation_id)
        return next((m for m in known if m.client_id == client_id), None)

    def messages(self, conversation_id: str) -> list[Message]:
        known: list[Message] | None = self._known("messages", conversation_id)
        if known is not None:
            return known
        self._flush()
        rows = self._c.execute(_SELECT_MESSAGES, {"id": conversation_id})
        found = self._overlay.messages[conversation_id] = [_message(r) for r in rows]
        return found

    def redact_message(self, conversation_id: str, message_id: str, text: str) -> None:
        self.writes += 1
        self._flush()
        self._c.execute(update(t.messages).where(t.messages.c.id == message_id).values(text=text))
        tl = t.conversation_timeline
        rows = self._c.execute(
            select(tl.c.id, tl.c.detail).where(tl.c.conversation_id == conversation_id)
        )
        for row in rows.fetchall():
            detail = dict(row.detail)
            if detail.get("message_id") == message_id and "text" in detail:
                detail["text"] = text[:200]
                self._c.execute(update(tl).where(tl.c.id == row.id).values(detail=detail))
        known: list[Message] | None = self._known("messages", conversation_id)
        if known is not None:
            self._overlay.messages[conversation_id] = [
                replace(m, text=text) if m.id == message_id else m for m in known
            ]

    def redaction_policies(self) -> dict[str, RedactionPolicy]:
        rows = self._c.execute(select(t.redaction_policies))
        return {r.client_account_id: policy_from_dict(dict(r.policy)) for r in rows}

    def save_redaction_policy(
        self, client_account_id: str, policy: RedactionPolicy, at: datetime
    ) -> None:
        self.writes += 1
        rp = t.redaction_policies
        values = {"policy": policy_to_dict(policy), "updated_at": at}
        done = self._c.execute(
            update(rp).where(rp.c.client_account_id == client_account_id).values(**values)
        )
        if not done.rowcount:
            self._c.execute(insert(rp).values(client_account_id=client_account_id, **values))

    def add_external_id(
        self, channel_id: str, external_id: str, conversation_id: str, message_id: str
    ) -> None:
        self.writes += 1
        self._flush()
        self._c.execute(
            insert(t.message_external_ids).values(
                channel_id=channel_id,
                external_id=external_id,
                conversation_id=conversation_id,
                message_id=message_id,
            )
        )

    def conversation_by_external_id(self, channel_id: str, external_id: str) -> str | None:
        x = t.message_external_ids
        found = self._c.execute(
            select(x.c.conversation_id).where(
                x.c.channel_id == channel_id, x.c.external_id == external_id
            )
        ).scalar()
        return str(found) if found is not None else None

    def external_ids(self, conversation_id: str) -> list[str]:
        self._flush()
        x, m = t.message_external_ids, t.messages
        rows = self._c.execute(
            select(x.c.external_id)
            .join(m, m.c.id == x.c.message_id)
            .where(x.c.conversation_id == conversation_id)
            .order_by(m.c.seq)
        ).scalars()
        return list(rows)

    def add_delivery(self, delivery: Delivery) -> None:
        self.writes += 1
        self._flush()
        self._c.execute(insert(t.deliveries).values(**delivery_row(delivery)))

    def deliveries_of(self, conversation_id: str) -> list[Delivery]:
        self._flush()
        d = t.deliveries
        rows = self._c.execute(
            select(d).where(d.c.conversation_id == conversation_id).order_by(d.c.created_at)
        )
        return [delivery_from_row(r) for r in rows]

    def delivery_conversation(self, channel_id: str, external_id: str) -> str | None:
        d = t.deliveries
        found = self._c.execute(
            select(d.c.conversation_id).where(
                d.c.channel_id == channel_id, d.c.external_id == external_id
            )
        ).scalar()
        return str(found) if found is not None else None

    def fail_delivery(
        self, channel_id: str, external_id: str, at: datetime, error: str, code: str
    ) -> None:
        self.writes += 1
        d = t.deliveries
        self._c.execute(
            update(d)
            .where(d.c.channel_id == channel_id, d.c.external_id == external_id)
            .values(status="failed", error=error, error_code=code, updated_at=at)
        )

    def append_timeline(self, entry: TimelineEntry) -> None:
        self.writes += 1
        self._new_timeline.append(
            {
                "conversation_id": entry.conversation_id,
                "at": entry.at,
                "kind": entry.kind,
                "actor": entry.actor,
                "detail": entry.detail,
            }
        )

    def timeline(self, conversation_id: str) -> list[TimelineEntry]:
        self._flush()
        rows = self._c.execute(
            select(t.conversation_timeline)
            .where(t.conversation_timeline.c.conversation_id == conversation_id)
            .order_by(t.conversation_timeline.c.id)
        )
        return [
            TimelineEntry(r.conversation_id, r.at, r.kind, r.actor, dict(r.detail), r.id)
            for r in rows
        ]

    # follow-ups ------------------------------------------------------------------------

    def add_follow_up(self, follow_up: FollowUp) -> None:
        self.writes += 1
        self._new_follow_ups.append(
            {
                "id": follow_up.id,
                "contact_id": follow_up.contact_id,
                "conversation_id": follow_up.conversation_id,
                "due_at": follow_up.due_at,
                "note": follow_up.note,
                "created_by": follow_up.created_by,
                "created_at": follow_up.created_at,
                "done": follow_up.done,
                "routed_conversation_id": follow_up.routed_conversation_id,
            }
        )
        self._overlay.follow_ups[follow_up.contact_id] = _GONE

    def open_follow_ups(self, contact_id: str) -> list[FollowUp]:
        known: list[FollowUp] | None = self._known("follow_ups", contact_id)
        if known is not None:
            return known
        self._flush()
        rows = self._c.execute(_SELECT_OPEN_FOLLOW_UPS, {"id": contact_id})
        found = self._overlay.follow_ups[contact_id] = [_follow_up(r) for r in rows]
        return found

    def due_follow_ups(self, now: datetime) -> list[FollowUp]:
        self._flush()
        rows = self._c.execute(
            select(t.follow_ups)
            .where(
                t.follow_ups.c.due_at <= now,
                t.follow_ups.c.done.is_(False),
                t.follow_ups.c.routed_conversation_id.is_(None),
            )
            .order_by(t.follow_ups.c.due_at)
        )
        return [_follow_up(r) for r in rows]

    def save_follow_up(self, follow_up: FollowUp) -> None:
        self.writes += 1
        self._changed_follow_ups[follow_up.id] = follow_up
        self._overlay.follow_ups[follow_up.contact_id] = _GONE

    # routing log -----------------------------------------------------------------------

    def append_routing_events(
        self,
        events: Sequence[dict[str, Any]],
        dimensions: Sequence[Mapping[str, str | None]] | None = None,
    ) -> int:
        if not events:
            return 0
        self.writes += 1
        rows = [
            {**_NO_DIMENSIONS, "type": e["type"], "at": float(e["at"]), "payload": e}
            for e in events
        ]
        if dimensions is not None:
            for row, dims in zip(rows, dimensions, strict=True):
                row.update((k, dims.get(k)) for k in _NO_DIMENSIONS)
        result = self._c.execute(_INSERT_ROUTING_EVENTS, rows)
        return max(int(r.seq) for r in result)

    def _routing_events(self, condition: Any) -> list[tuple[int, dict[str, Any]]]:
        rows = self._c.execute(
            select(t.routing_events.c.seq, t.routing_events.c.payload)
            .where(condition)
            .order_by(t.routing_events.c.seq)
        )
        return [(int(r.seq), dict(r.payload)) for r in rows]

    def routing_events_after(self, seq: int) -> list[tuple[int, dict[str, Any]]]:
        return self._routing_events(t.routing_events.c.seq > seq)

    def routing_events_since(self, at: float) -> list[tuple[int, dict[str, Any]]]:
        return self._routing_events(t.routing_events.c.at >= at)

    def latest_routing_snapshot(self) -> tuple[int, dict[str, Any]] | None:
        r = self._c.execute(
            select(t.routing_snapshots).order_by(t.routing_snapshots.c.seq.desc()).limit(1)
        ).first()
        return (int(r.seq), dict(r.data)) if r else None

    def save_routing_snapshot(self, seq: int, data: dict[str, Any]) -> None:
        self.writes += 1
        self._c.execute(insert(t.routing_snapshots).values(seq=seq, data=data))
        # Keep the newest few; older ones are never read.
        self._c.execute(delete(t.routing_snapshots).where(t.routing_snapshots.c.seq < seq))

    # attachments -----------------------------------------------------------------------

    def add_attachment(self, attachment: Attachment) -> None:
        self.writes += 1
        self._flush()  # its conversation first
        self._c.execute(
            insert(t.attachments).values(
                id=attachment.id,
                conversation_id=attachment.conversation_id,
                message_id=attachment.message_id,
                position=attachment.position,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                state=attachment.state.value,
                media_ref=attachment.media_ref,
                created_at=attachment.created_at,
            )
        )

    def attachments(self, conversation_id: str) -> list[Attachment]:
        self._flush()
        x = t.attachments
        rows = self._c.execute(
            select(x)
            .where(x.c.conversation_id == conversation_id)
            .order_by(x.c.created_at, x.c.message_id, x.c.position)
        )
        return [_attachment(r) for r in rows]

    def attachment(self, attachment_id: str) -> Attachment | None:
        self._flush()
        row = self._c.execute(select(t.attachments).where(t.attachments.c.id == attachment_id))
        found = row.first()
        return None if found is None else _attachment(found)


def _attachment(r: Any) -> Attachment:
    return Attachment(
        id=r.id,
        conversation_id=r.conversation_id,
        message_id=r.message_id,
        position=r.position,
        filename=r.filename,
        content_type=r.content_type,
        size=int(r.size),
        state=AttachmentState(r.state),
        created_at=r.created_at,
        sha256=r.sha256,
        media_ref=r.media_ref,
    )


class SqlLiveUnitOfWorkFactory:
    """Units of work sharing one live cache (one factory per live center)."""

    def __init__(self, engine: Engine, cache_limit: int = CACHE_LIMIT) -> None:
        self.engine = engine
        self.cache = LiveCache(cache_limit)

    def __call__(self) -> SqlLiveUnitOfWork:
        return SqlLiveUnitOfWork(self.engine, self.cache)
