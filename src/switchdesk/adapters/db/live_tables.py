"""Tables of the live center: configuration, contacts, conversations, routing log."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from switchdesk.adapters.db.tables import metadata
from switchdesk.adapters.db.types import UtcDateTime

_ID = String(64)
_AUTO_ID = BigInteger().with_variant(Integer, "sqlite")

center_queues = Table(
    "center_queues",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), nullable=True),
    Column("routing", JSON, nullable=False),
    Column("wrap_up_codes", JSON, nullable=False),
    Column("wrap_up_required", Boolean, nullable=False),
    Column("threshold_seconds", Float, nullable=False),
    Column("service_level_formula", String(8), nullable=False, server_default="SL5"),
    Column("escalation_queue_id", _ID, nullable=True),
    Column("first_response_seconds", Float, nullable=True),
    Column("next_response_seconds", Float, nullable=True),
)

channels = Table(
    "channels",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), nullable=False),
    Column("queue_id", _ID, ForeignKey("center_queues.id"), nullable=False),
    Column("greeting", String(1000), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("address", String(320), nullable=False, server_default=""),
    Column("settings", JSON, nullable=False, server_default="{}"),
)
Index("ix_channels_kind_address", channels.c.kind, channels.c.address)

message_external_ids = Table(
    "message_external_ids",
    metadata,
    Column("channel_id", _ID, primary_key=True),
    Column("external_id", String(998), primary_key=True),
    Column("conversation_id", _ID, nullable=False, index=True),
    Column("message_id", _ID, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("channel_id", _ID, nullable=False),
    Column("conversation_id", _ID, nullable=False, index=True),
    Column("message_id", _ID, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("external_id", String(998), nullable=True),
    Column("error", Text, nullable=False),
    Column("error_code", String(64), nullable=False),
    Column("message", JSON, nullable=False),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_deliveries_external", deliveries.c.channel_id, deliveries.c.external_id)

agent_profiles = Table(
    "agent_profiles",
    metadata,
    Column("user_id", _ID, ForeignKey("users.id"), primary_key=True),
    Column("attributes", JSON, nullable=False),
    Column("capacity", JSON, nullable=False),
)

not_ready_reasons = Table(
    "not_ready_reasons",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("label", String(200), nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("custom_fields", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("merged_into", _ID, nullable=True),
)

contact_identities = Table(
    "contact_identities",
    metadata,
    Column("client_account_id", _ID, primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("contact_id", _ID, ForeignKey("contacts.id"), nullable=False, index=True),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), nullable=False),
    Column("contact_id", _ID, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("channel_id", _ID, nullable=False),
    Column("channel_kind", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("queue_id", _ID, nullable=True),
    Column("agent_id", _ID, nullable=True),
    Column("interaction_id", String(100), nullable=True),
    Column("interaction_count", Integer, nullable=False),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("needs_wrap_up", Boolean, nullable=False),
    Column("wrap_up_agent_id", _ID, nullable=True),
    Column("disposition", String(64), nullable=True),
    Column("wrap_up_notes", Text, nullable=False),
    Column("csat_score", Integer, nullable=True),
    Column("csat_comment", Text, nullable=False),
    Column("customer_token_hash", String(128), nullable=False, index=True),
)

messages = Table(
    "messages",
    metadata,
    Column("seq", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("id", _ID, nullable=False, unique=True),
    Column("conversation_id", _ID, ForeignKey("conversations.id"), nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("author_id", _ID, nullable=True),
    Column("author_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("client_id", String(100), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
)
Index("ix_messages_conversation_at", messages.c.conversation_id, messages.c.at)

conversation_timeline = Table(
    "conversation_timeline",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("conversation_id", _ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_conversation_timeline_at", conversation_timeline.c.at)

redaction_policies = Table(
    "redaction_policies",
    metadata,
    Column("client_account_id", _ID, ForeignKey("client_accounts.id"), primary_key=True),
    Column("policy", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("contact_id", _ID, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("conversation_id", _ID, nullable=True),
    Column("due_at", UtcDateTime(), nullable=False, index=True),
    Column("note", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("done", Boolean, nullable=False),
    Column("routed_conversation_id", _ID, nullable=True),
)

ROUTING_EVENT_DIMENSIONS = (
    "interaction_id",
    "conversation_id",
    "contact_id",
    "client_account_id",
    "channel_kind",
    "queue_id",
    "agent_id",
    "team_id",
    "site_id",
)
"""What each routing event is stored with for KPIs, as it was when it happened."""

routing_events = Table(
    "routing_events",
    metadata,
    Column("seq", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("interaction_id", String(100), nullable=True),
    Column("conversation_id", _ID, nullable=True),
    Column("contact_id", _ID, nullable=True),
    Column("client_account_id", _ID, nullable=True),
    Column("channel_kind", String(32), nullable=True),
    Column("queue_id", _ID, nullable=True),
    Column("agent_id", _ID, nullable=True),
    Column("team_id", _ID, nullable=True),
    Column("site_id", _ID, nullable=True),
)
Index("ix_routing_events_at", routing_events.c.at)
Index("ix_routing_events_client_at", routing_events.c.client_account_id, routing_events.c.at)

routing_snapshots = Table(
    "routing_snapshots",
    metadata,
    Column("seq", _AUTO_ID, primary_key=True, autoincrement=False),
    Column("data", JSON, nullable=False),
)

contact_consents = Table(
    "contact_consents",
    metadata,
    Column("contact_id", _ID, ForeignKey("contacts.id"), primary_key=True),
    Column("channel_id", _ID, primary_key=True),
    Column("opted_in", Boolean, nullable=False),
    Column("keyword", String(64), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

undeliverable_addresses = Table(
    "undeliverable_addresses",
    metadata,
    Column("client_account_id", _ID, primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("channel_id", _ID, nullable=False),
    Column("status_code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("marked_at", UtcDateTime(), nullable=False),
)

auto_replies = Table(
    "auto_replies",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("channel_id", _ID, nullable=False),
    Column("address", String(320), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)
Index("ix_auto_replies_address", auto_replies.c.channel_id, auto_replies.c.address)

mailbox_cursors = Table(
    "mailbox_cursors",
    metadata,
    Column("channel_id", _ID, primary_key=True),
    Column("mailbox", String(400), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
)

unparsed_mail = Table(
    "unparsed_mail",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False, index=True),
    Column("source", String(16), nullable=False),
    Column("channel_id", _ID, nullable=True),
    Column("client_account_id", _ID, nullable=True),
    Column("recipients", JSON, nullable=False),
    Column("sender", String(998), nullable=False),
    Column("subject", String(998), nullable=False),
    Column("reason", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("digest", String(64), nullable=False, index=True),
    Column("raw", LargeBinary, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("conversation_id", _ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("message_id", _ID, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("media_ref", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
