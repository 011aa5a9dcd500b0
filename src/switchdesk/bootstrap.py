"""The composition root: settings -> adapters -> runtime. The only module importing adapters."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from switchdesk.adapters.blobs import FileBlobStore
from switchdesk.adapters.channels.email.intake import MailIntake
from switchdesk.adapters.channels.email.service import EmailIntakeService
from switchdesk.adapters.channels.email.smtp_out import SmtpSender
from switchdesk.adapters.channels.messenger import MessengerSender
from switchdesk.adapters.channels.sms import TwilioSmsSender
from switchdesk.adapters.channels.twilio_voice import TwilioVoiceWebhooks
from switchdesk.adapters.channels.webhooks import Intake, MetaWebhooks, TwilioSmsWebhooks
from switchdesk.adapters.channels.whatsapp import WhatsAppSender
from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.knowledge import SqlKnowledgeStore
from switchdesk.adapters.db.live_store import SqlLiveUnitOfWorkFactory
from switchdesk.adapters.db.mailboxes import SqlMailboxCursors, SqlUnparsedMailStore
from switchdesk.adapters.db.migrate import current_revision, head_revision, upgrade
from switchdesk.adapters.db.report_store import SqlRawEvents
from switchdesk.adapters.db.repositories import SqlUnitOfWorkFactory
from switchdesk.adapters.db.voice_store import SqlCallStore, SqlFlowStore
from switchdesk.adapters.redaction import TextRedactor
from switchdesk.adapters.redaction.identifiers import check_schemes
from switchdesk.adapters.security import (
    Argon2PasswordHasher,
    EnvironmentSecrets,
    SystemClock,
    SystemSecrets,
)
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.privacy.policy import RedactionPolicy
from switchdesk.usecases.accounts import Accounts, LoginPolicy
from switchdesk.usecases.channel_ports import ChannelSender, WebhookHandler
from switchdesk.usecases.deliveries import Dispatcher
from switchdesk.usecases.knowledge import KnowledgeBase
from switchdesk.usecases.live.center import LiveCenter
from switchdesk.usecases.live.connections import ConnectionSettings
from switchdesk.usecases.mail import UnparsedMailArchive
from switchdesk.usecases.ports import Clock, PasswordHasher
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.reports import Reports
from switchdesk.usecases.voice.calls import VoiceCalls
from switchdesk.usecases.voice.flows import FlowLibrary
from switchdesk.web.live import LiveHub


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    accounts: Accounts
    clock: Clock
    live: LiveCenter
    hub: LiveHub
    deliveries: Dispatcher
    webhooks: Mapping[str, WebhookHandler]
    mail: UnparsedMailArchive
    email_intake: MailIntake
    voice_flows: FlowLibrary
    voice: VoiceCalls
    reports: Reports
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]]
    """Long-running parts the server starts with its lifespan (the email intake)."""
    knowledge: KnowledgeBase

    def ready(self) -> tuple[bool, str]:
        """Readiness: the database answers and its schema is at the newest migration."""
        try:
            current = current_revision(self.engine)
        except Exception as exc:
            return False, f"database unreachable: {type(exc).__name__}"
        head = head_revision()
        if current != head:
            return False, f"database schema at {current}, expected {head}: run db upgrade"
        return True, "ok"

    def close(self) -> None:
        self.engine.dispose()


def default_redaction_policy(settings: Settings) -> RedactionPolicy:
    """The redaction policy of client accounts that have none of their own."""

    def items(value: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split(",") if v.strip())

    policy = RedactionPolicy(
        redact_phones=settings.redact_phones,
        redact_emails=settings.redact_emails,
        national_ids=items(settings.redact_national_ids),
        phone_regions=items(settings.redact_phone_regions.upper()),
    )
    check_schemes(policy.national_ids)
    return policy


def build_runtime(
    settings: Settings | None = None,
    *,
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    senders: Mapping[ChannelKind, ChannelSender] | None = None,
) -> Runtime:
    """Wire the adapters. Tests may pass cheaper argon2id parameters (``hasher``), a clock
    they move by hand (reply windows, retries) and channel senders of their own (fakes
    that pass the senders' contract) in place of the providers' HTTP and SMTP ones."""
    settings = settings or Settings()
    engine = make_engine(settings.database)
    clock = clock or SystemClock()
    policy = LoginPolicy(
        window=timedelta(minutes=settings.login_window_minutes),
        max_failures_per_username=settings.login_max_failures_per_username,
        max_failures_per_username_total=settings.login_max_failures_per_username_total,
        max_failures_per_source=settings.login_max_failures_per_source,
        delay_base=timedelta(seconds=settings.login_delay_seconds),
        delay_longest=timedelta(seconds=settings.login_delay_max_seconds),
        session_lifetime=timedelta(hours=settings.session_hours),
        reset_link_lifetime=timedelta(hours=settings.password_reset_hours),
    )
    secrets = SystemSecrets()
    accounts_uow = SqlUnitOfWorkFactory(engine)
    accounts = Accounts(accounts_uow, hasher or Argon2PasswordHasher(), secrets, clock, policy)
    hub = LiveHub()
    live = LiveCenter(
        SqlLiveUnitOfWorkFactory(engine),
        accounts_uow,
        hub,
        clock,
        secrets,
        secret_source=EnvironmentSecrets(),
        blobs=FileBlobStore(settings.data_dir / "blobs"),
        redactor=TextRedactor(),
        default_policy=default_redaction_policy(settings),
        connections=ConnectionSettings(
            agent_grace_seconds=settings.agent_grace_seconds,
            contact_grace_seconds=settings.contact_grace_seconds,
        ),
    )
    senders = senders or {
        ChannelKind.EMAIL: SmtpSender(),
        ChannelKind.WHATSAPP: WhatsAppSender(),
        ChannelKind.MESSENGER: MessengerSender(),
        ChannelKind.SMS: TwilioSmsSender(),
    }
    deliveries = Dispatcher(
        SqlDeliveryStore(engine),
        senders,
        live.endpoint_by_id,
        clock,
        refuse=live.delivery_refusal,
        changed=live.delivery_changed,
    )
    intake = Intake(live.endpoint_by_slug, live.receive, deliveries.apply_status)
    webhooks: dict[str, WebhookHandler] = {
        "whatsapp": MetaWebhooks(ChannelKind.WHATSAPP, intake),
        "messenger": MetaWebhooks(ChannelKind.MESSENGER, intake),
        "sms": TwilioSmsWebhooks(intake, status=False),
        "sms-status": TwilioSmsWebhooks(intake, status=True),
    }
    voice_flows = FlowLibrary(
        SqlFlowStore(engine),
        lambda: {q.name for q in live.queue_map.values()},
        settings.voice_transfer_allow_list,
        clock.now,
    )
    voice = VoiceCalls(live, voice_flows, SqlCallStore(engine), clock.now)
    webhooks["voice"] = TwilioVoiceWebhooks(live.endpoint_by_slug, voice, status=False)
    webhooks["voice-status"] = TwilioVoiceWebhooks(live.endpoint_by_slug, voice, status=True)
    unparsed = SqlUnparsedMailStore(engine)
    email_intake = MailIntake(live.endpoint, live.receive, unparsed, secrets.new_id)
    intake_operator = Principal.operator("email-intake")
    email_service = EmailIntakeService(
        email_intake,
        SqlMailboxCursors(engine),
        lambda: live.channels(intake_operator),
        live.endpoint_by_id,
        smtp_host=settings.smtp_inbox_host,
        smtp_port=settings.smtp_inbox_port,
        smtp_max_bytes=settings.smtp_inbox_max_bytes,
        poll_seconds=settings.imap_poll_seconds,
        backoff_max_seconds=settings.imap_backoff_max_seconds,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        accounts=accounts,
        clock=clock,
        live=live,
        hub=hub,
        deliveries=deliveries,
        webhooks=webhooks,
        mail=UnparsedMailArchive(unparsed),
        email_intake=email_intake,
        voice_flows=voice_flows,
        voice=voice,
        reports=Reports(SqlRawEvents(engine), settings.center_timezone),
        background=email_service.parts(),
        knowledge=KnowledgeBase(SqlKnowledgeStore(engine), clock, secrets.new_id),
    )


def migrate(settings: Settings) -> None:
    upgrade(settings.database)
