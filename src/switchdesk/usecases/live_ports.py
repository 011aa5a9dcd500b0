"""Ports of the live center: its storage (one transaction per command) and its publisher."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from switchdesk.domain.conversations.attachments import Attachment
from switchdesk.domain.conversations.model import (
    AgentProfile,
    Channel,
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
)
from switchdesk.domain.conversations.reachability import ConsentRecord, UndeliverableAddress
from switchdesk.domain.privacy.policy import RedactionPolicy
from switchdesk.usecases.deliveries import Delivery


class LiveUnitOfWork(Protocol):
    """One transaction over the center's conversations, configuration and routing log.

    Writes may be held until a query needs them or the commit; ``writes`` counts the
    changes asked for so far."""

    writes: int

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    # configuration
    def put_queue(self, queue: QueueSettings) -> None: ...
    def queues(self) -> Sequence[QueueSettings]: ...
    def remove_queue(self, queue_id: str) -> None: ...
    def put_channel(self, channel: Channel) -> None: ...
    def channels(self) -> Sequence[Channel]: ...
    def remove_channel(self, channel_id: str) -> None: ...
    def put_agent_profile(self, profile: AgentProfile) -> None: ...
    def agent_profiles(self) -> Sequence[AgentProfile]: ...
    def put_reason(self, reason: NotReadyReason) -> None: ...
    def remove_reason(self, code: str) -> None: ...
    def reasons(self) -> Sequence[NotReadyReason]: ...
    def client_account_names(self) -> dict[str, str]:
        """Client account id -> name (the accounts' own tables, read only)."""
        ...

    # contacts
    def add_contact(self, contact: Contact) -> None: ...
    def contact(self, contact_id: str) -> Contact | None: ...
    def contact_by_identity(
        self, client_account_id: str, kind: IdentityKind, value: str
    ) -> Contact | None: ...
    def add_identity(self, contact_id: str, identity: Identity) -> None:
        """Give a contact one more identity (one no contact of its account has)."""
        ...

    def merge_contact(self, absorbed_id: str, survivor_id: str) -> None:
        """Move the absorbed contact's identities, conversations and follow-ups to the
        survivor, drop its consent records (the caller put the merged ones on the
        survivor) and point it at the survivor (``merged_into``)."""
        ...

    # reachability: consent, bounced addresses, our automatic mail
    def consent(self, contact_id: str, channel_id: str) -> ConsentRecord | None: ...
    def consents_of(self, contact_id: str) -> Sequence[ConsentRecord]: ...
    def put_consent(self, record: ConsentRecord) -> None:
        """Replace the contact's consent state on the record's channel."""
        ...

    def undeliverable(
        self, client_account_id: str, kind: IdentityKind, value: str
    ) -> UndeliverableAddress | None: ...
    def mark_undeliverable(self, record: UndeliverableAddress) -> None:
        """Mark (or mark again, with the newer bounce's status) an address."""
        ...

    def clear_undeliverable(self, client_account_id: str, kind: IdentityKind, value: str) -> bool:
        """Lift the mark; False when the address was not marked."""
        ...

    def auto_replies_since(self, channel_id: str, address: str, since: datetime) -> list[datetime]:
        """When our automatic mails to ``address`` on the channel went, after ``since``."""
        ...

    def add_auto_reply(self, channel_id: str, address: str, at: datetime) -> None:
        """Log one automatic mail (rows older than the limit's window may be dropped)."""
        ...

    # conversations
    def add_conversation(self, conversation: Conversation) -> None: ...
    def save_conversation(self, conversation: Conversation) -> None: ...
    def conversation(self, conversation_id: str) -> Conversation | None: ...
    def conversation_by_token(self, token_hash: str) -> Conversation | None: ...
    def conversations_of_contact(self, contact_id: str) -> Sequence[Conversation]: ...
    def open_conversations(self) -> Sequence[Conversation]:
        """Every conversation not resolved, or resolved but still waiting for wrap-up."""
        ...

    def inbox_conversations(
        self,
        channel_kinds: Collection[str],
        states: Collection[ConversationState],
        client_account_ids: Collection[str] | None,
        resolved_since: datetime,
    ) -> Sequence[Conversation]:
        """Conversations on channels of ``channel_kinds`` in ``states`` (resolved ones
        only when resolved after ``resolved_since``), of those client accounts (None:
        every one), oldest first."""
        ...

    def messages_of(self, conversation_ids: Collection[str]) -> dict[str, list[Message]]:
        """The messages of each conversation, in order (one query per few hundred)."""
        ...

    def add_message(self, message: Message) -> None: ...
    def message_by_client_id(self, conversation_id: str, client_id: str) -> Message | None: ...
    def messages(self, conversation_id: str) -> Sequence[Message]: ...
    def redact_message(self, conversation_id: str, message_id: str, text: str) -> None:
        """Replace a stored message's text (and its timeline excerpt) with ``text``: a
        later message showed that it held the start of a card number."""
        ...

    def redaction_policies(self) -> Mapping[str, RedactionPolicy]:
        """Each client account's redaction policy (accounts without one use the default)."""
        ...

    def save_redaction_policy(
        self, client_account_id: str, policy: RedactionPolicy, at: datetime
    ) -> None: ...
    def add_external_id(
        self, channel_id: str, external_id: str, conversation_id: str, message_id: str
    ) -> None:
        """Record a provider's id for a message (each id once per channel)."""
        ...

    def conversation_by_external_id(self, channel_id: str, external_id: str) -> str | None: ...
    def external_ids(self, conversation_id: str) -> list[str]:
        """Providers' ids of the conversation's messages, oldest first."""
        ...

    def add_delivery(self, delivery: Delivery) -> None:
        """Queue an outbound message (sent after the commit by the dispatcher)."""
        ...

    def deliveries_of(self, conversation_id: str) -> Sequence[Delivery]:
        """The conversation's deliveries, oldest first."""
        ...

    def delivery_conversation(self, channel_id: str, external_id: str) -> str | None:
        """The conversation of the delivery the provider knows as ``external_id``."""
        ...

    def fail_delivery(
        self, channel_id: str, external_id: str, at: datetime, error: str, code: str
    ) -> None:
        """End that delivery as failed (a bounce after the provider accepted it)."""
        ...

    # attachments (their bytes are in the blob store)
    def add_attachment(self, attachment: Attachment) -> None: ...
    def attachments(self, conversation_id: str) -> Sequence[Attachment]:
        """The conversation's attachments, oldest first."""
        ...

    def attachment(self, attachment_id: str) -> Attachment | None: ...

    def append_timeline(self, entry: TimelineEntry) -> None: ...
    def timeline(self, conversation_id: str) -> Sequence[TimelineEntry]: ...

    # follow-ups
    def add_follow_up(self, follow_up: FollowUp) -> None: ...
    def open_follow_ups(self, contact_id: str) -> Sequence[FollowUp]: ...
    def due_follow_ups(self, now: datetime) -> Sequence[FollowUp]: ...
    def save_follow_up(self, follow_up: FollowUp) -> None: ...

    # the routing engine's event log (outbox) and snapshots
    def append_routing_events(
        self,
        events: Sequence[dict[str, Any]],
        dimensions: Sequence[Mapping[str, str | None]] | None = None,
    ) -> int:
        """Append events (wire dicts) in order, each with its KPI dimensions (client
        account, queue, agent, team...: see ``fact_dimensions.py``); returns the sequence
        number of the last."""
        ...

    def routing_events_after(self, seq: int) -> Sequence[tuple[int, dict[str, Any]]]: ...
    def routing_events_since(self, at: float) -> Sequence[tuple[int, dict[str, Any]]]: ...
    def latest_routing_snapshot(self) -> tuple[int, dict[str, Any]] | None: ...
    def save_routing_snapshot(self, seq: int, data: dict[str, Any]) -> None: ...


class LiveUnitOfWorkFactory(Protocol):
    def __call__(self) -> LiveUnitOfWork: ...


class LivePublisher(Protocol):
    """Delivers messages to whoever listens on a topic (sockets, other nodes later).

    Topics: ``agent:<user id>``, ``conversation:<conversation id>`` (the customer) and
    ``supervisor``. Must not block and must be safe to call from any thread.
    """

    def publish(self, topic: str, message: dict[str, Any]) -> None: ...

    def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Deliver messages in order (one hand-over to the sockets)."""
        ...

    def listeners(self, topic: str) -> int:
        """How many listen on ``topic`` (rows nobody listens to are not built)."""
        ...
