"""SQL implementation of the live center's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from switchdesk.adapters.db import live_tables as t
from switchdesk.adapters.db.transaction import SqlTransaction
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
from switchdesk.domain.errors import Conflict


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


class SqlLiveUnitOfWork(SqlTransaction):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        # Identity maps for this transaction: a command reads the same conversation once
        # per routing event otherwise.
        self._conversations: dict[str, Conversation] = {}
        self._contacts: dict[str, Contact] = {}

    def _closed(self) -> None:
        self._conversations.clear()
        self._contacts.clear()

    def _upsert(self, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
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
            },
        )

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
                    },
                )
        except IntegrityError:
            raise Conflict(f"the channel slug {channel.slug!r} is taken") from None

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

    # contacts --------------------------------------------------------------------------

    def add_contact(self, contact: Contact) -> None:
        self._c.execute(
            insert(t.contacts).values(
                id=contact.id,
                client_account_id=contact.client_account_id,
                name=contact.name,
                custom_fields=contact.custom_fields,
                created_at=contact.created_at,
            )
        )
        for identity in contact.identities:
            self._c.execute(
                insert(t.contact_identities).values(
                    client_account_id=contact.client_account_id,
                    kind=identity.kind.value,
                    value=identity.value,
                    contact_id=contact.id,
                )
            )

    def contact(self, contact_id: str) -> Contact | None:
        if contact_id in self._contacts:
            return self._contacts[contact_id]
        r = self._c.execute(select(t.contacts).where(t.contacts.c.id == contact_id)).first()
        if r is None:
            return None
        ids = self._c.execute(
            select(t.contact_identities)
            .where(t.contact_identities.c.contact_id == contact_id)
            .order_by(t.contact_identities.c.kind, t.contact_identities.c.value)
        )
        contact = self._contacts[contact_id] = Contact(
            r.id,
            r.client_account_id,
            r.name,
            r.created_at,
            tuple(Identity(IdentityKind(i.kind), i.value) for i in ids),
            dict(r.custom_fields),
        )
        return contact

    def contact_by_identity(
        self, client_account_id: str, kind: IdentityKind, value: str
    ) -> Contact | None:
        r = self._c.execute(
            select(t.contact_identities.c.contact_id).where(
                t.contact_identities.c.client_account_id == client_account_id,
                t.contact_identities.c.kind == kind.value,
                t.contact_identities.c.value == value,
            )
        ).first()
        return self.contact(r.contact_id) if r else None

    # conversations ---------------------------------------------------------------------

    def add_conversation(self, conversation: Conversation) -> None:
        self._c.execute(insert(t.conversations).values(**_conversation_row(conversation)))
        self._conversations[conversation.id] = conversation

    def save_conversation(self, conversation: Conversation) -> None:
        row = _conversation_row(conversation)
        self._c.execute(
            update(t.conversations).where(t.conversations.c.id == conversation.id).values(**row)
        )
        self._conversations[conversation.id] = conversation

    def conversation(self, conversation_id: str) -> Conversation | None:
        if conversation_id in self._conversations:
            return self._conversations[conversation_id]
        r = self._c.execute(
            select(t.conversations).where(t.conversations.c.id == conversation_id)
        ).first()
        if r is None:
            return None
        conversation = self._conversations[conversation_id] = _conversation(r)
        return conversation

    def conversation_by_token(self, token_hash: str) -> Conversation | None:
        r = self._c.execute(
            select(t.conversations).where(t.conversations.c.customer_token_hash == token_hash)
        ).first()
        return _conversation(r) if r else None

    def conversations_of_contact(self, contact_id: str) -> list[Conversation]:
        rows = self._c.execute(
            select(t.conversations)
            .where(t.conversations.c.contact_id == contact_id)
            .order_by(t.conversations.c.created_at.desc())
        )
        return [_conversation(r) for r in rows]

    def open_conversations(self) -> list[Conversation]:
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
        return [_conversation(r) for r in rows]

    def add_message(self, message: Message) -> None:
        self._c.execute(
            insert(t.messages).values(
                id=message.id,
                conversation_id=message.conversation_id,
                author_kind=message.author_kind.value,
                author_id=message.author_id,
                author_name=message.author_name,
                text=message.text,
                internal=message.internal,
                client_id=message.client_id,
                at=message.at,
            )
        )

    def message_by_client_id(self, conversation_id: str, client_id: str) -> Message | None:
        r = self._c.execute(
            select(t.messages).where(
                t.messages.c.conversation_id == conversation_id,
                t.messages.c.client_id == client_id,
            )
        ).first()
        return _message(r) if r else None

    def messages(self, conversation_id: str) -> list[Message]:
        rows = self._c.execute(
            select(t.messages)
            .where(t.messages.c.conversation_id == conversation_id)
            .order_by(t.messages.c.seq)
        )
        return [_message(r) for r in rows]

    def append_timeline(self, entry: TimelineEntry) -> None:
        self._c.execute(
            insert(t.conversation_timeline).values(
                conversation_id=entry.conversation_id,
                at=entry.at,
                kind=entry.kind,
                actor=entry.actor,
                detail=entry.detail,
            )
        )

    def timeline(self, conversation_id: str) -> list[TimelineEntry]:
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
        self._c.execute(
            insert(t.follow_ups).values(
                id=follow_up.id,
                contact_id=follow_up.contact_id,
                conversation_id=follow_up.conversation_id,
                due_at=follow_up.due_at,
                note=follow_up.note,
                created_by=follow_up.created_by,
                created_at=follow_up.created_at,
                done=follow_up.done,
                routed_conversation_id=follow_up.routed_conversation_id,
            )
        )

    def open_follow_ups(self, contact_id: str) -> list[FollowUp]:
        rows = self._c.execute(
            select(t.follow_ups)
            .where(t.follow_ups.c.contact_id == contact_id, t.follow_ups.c.done.is_(False))
            .order_by(t.follow_ups.c.due_at)
        )
        return [_follow_up(r) for r in rows]

    def due_follow_ups(self, now: datetime) -> list[FollowUp]:
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
        self._c.execute(
            update(t.follow_ups)
            .where(t.follow_ups.c.id == follow_up.id)
            .values(done=follow_up.done, routed_conversation_id=follow_up.routed_conversation_id)
        )

    # routing log -----------------------------------------------------------------------

    def append_routing_events(self, events: Sequence[dict[str, Any]]) -> int:
        last = 0
        for event in events:
            result = self._c.execute(
                insert(t.routing_events).values(
                    type=event["type"], at=float(event["at"]), payload=event
                )
            )
            last = int(result.inserted_primary_key[0])
        return last

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
        self._c.execute(insert(t.routing_snapshots).values(seq=seq, data=data))
        # Keep the newest few; older ones are never read.
        self._c.execute(delete(t.routing_snapshots).where(t.routing_snapshots.c.seq < seq))


class SqlLiveUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlLiveUnitOfWork:
        return SqlLiveUnitOfWork(self.engine)
