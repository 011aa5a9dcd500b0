"""The live center: conversations routed by the ACD engine, stored, and published live.

One ``LiveCenter`` per workspace holds the routing engine in memory. Commands go to one
writer (``writer.py``) that runs them in batches, one transaction each: the engine
decides, the reactions to its events (``reactions.py``) update conversations, and the
events themselves are appended to the routing log (the outbox) in the SAME transaction;
only after the commit are live messages published. In-memory figures follow the events
(``projections.py``). On start the engine is rebuilt from the newest snapshot plus the
events after it, so waiting interactions keep their order across restarts.

The handlers live in modules named after what they hold (``configuration.py``,
``customers.py``, ``desk.py``, ``follow_ups.py``, ``views.py``, ``intake.py``), each taking
a small protocol of this center's parts; ``LiveCenter`` keeps the public methods as thin
delegations, the batch runner, the engine runner and the rebuild.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any, TypeVar

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.attachments import Attachment
from switchdesk.domain.conversations.channels import InboundItem, OutboundMessage
from switchdesk.domain.conversations.model import (
    AgentProfile,
    Channel,
    ChannelKind,
    Contact,
    Conversation,
    FollowUp,
    Message,
    NotReadyReason,
    QueueSettings,
)
from switchdesk.domain.errors import (
    NotFound,
    SwitchdeskError,
)
from switchdesk.domain.privacy.policy import Redaction, RedactionPolicy
from switchdesk.domain.routing import (
    AfterContactWorkStarted,
    RoutingEngine,
    RoutingEvent,
    RoutingSettings,
    Strategy,
    event_from_dict,
    event_to_dict,
)
from switchdesk.usecases.blob_ports import BlobStore
from switchdesk.usecases.channel_ports import ChannelEndpoint, SecretSource
from switchdesk.usecases.deliveries import Delivery
from switchdesk.usecases.live import (
    attachments,
    calls,
    channel_admin,
    configuration,
    contacts,
    customers,
    desk,
    follow_ups,
    inbox,
    privacy,
    supervision,
    views,
)
from switchdesk.usecases.live.connections import Connections, ConnectionSettings
from switchdesk.usecases.live.fact_dimensions import FactStamper
from switchdesk.usecases.live.headline import AccountHeadline, headline_figures
from switchdesk.usecases.live.intake import receive_item
from switchdesk.usecases.live.outbound import delivery_refusal
from switchdesk.usecases.live.projections import Projections
from switchdesk.usecases.live.reactions import EVENT_HANDLERS, after_contact_work_started
from switchdesk.usecases.live.writer import CommandWriter, Job, Outbox
from switchdesk.usecases.live_ports import LivePublisher, LiveUnitOfWork, LiveUnitOfWorkFactory
from switchdesk.usecases.ports import Clock, SecretFactory, UnitOfWorkFactory
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.privacy_ports import Redactor

T = TypeVar("T")

SNAPSHOT_EVERY_EVENTS = 10_000
"""Events between engine snapshots: a snapshot of a large center takes tens of
milliseconds (the writer waits meanwhile); a restart replays at most this many."""


class LiveCenter:
    """One workspace's live center: the engine in memory, one writer, the parts' state."""

    def __init__(
        self,
        uow: LiveUnitOfWorkFactory,
        accounts: UnitOfWorkFactory,
        publisher: LivePublisher,
        clock: Clock,
        secrets: SecretFactory,
        settings: RoutingSettings | None = None,
        secret_source: SecretSource | None = None,
        blobs: BlobStore | None = None,
        connections: ConnectionSettings | None = None,
        *,
        redactor: Redactor,
        default_policy: RedactionPolicy | None = None,
    ) -> None:
        self._blobs = blobs
        self._connections = Connections(connections)
        self._redactor = redactor
        self._default_policy = default_policy or RedactionPolicy()
        self._policies: dict[str, RedactionPolicy] = {}
        self._secret_source = secret_source
        self._uow = uow
        self._accounts = accounts
        self._publisher = publisher
        self._clock = clock
        self._secrets = secrets
        self._settings = settings or RoutingSettings(max_missed_offers=3)
        self._lock = threading.RLock()
        self._engine = RoutingEngine(self._settings)
        self._queues: dict[str, QueueSettings] = {}
        self._channels: dict[str, Channel] = {}
        self._profiles: dict[str, AgentProfile] = {}
        self._names: dict[str, str] = {}
        self._roles: dict[str, str] = {}
        self._account_names: dict[str, str] = {}
        self._reasons: list[NotReadyReason] = []
        self._ix_to_conv: dict[str, str] = {}
        self._figures = Projections(self._threshold)
        self._last_seq = 0
        self._snapshot_seq = 0
        self._next_follow_up_check = 0.0
        self._pending: list[RoutingEvent] = []
        self._stamps: list[dict[str, str | None]] = []
        self._org: dict[str, tuple[str | None, str | None]] = {}
        self._stamper = FactStamper(self._queue_account, self._agent_org)
        self._staffing = views.StaffingCounts()
        self._writer = CommandWriter(self._run_batch, self._lock)

    # ================================================================== start and time

    def start(self) -> None:
        """Load configuration and rebuild the engine from the routing log."""
        with self._lock:
            self._rebuild()
            self._load_names()
        self.tick()
        self._connections.start_timers(self).result()

    def _rebuild(self) -> None:
        """Everything in memory, from the database: config, engine, projections."""
        self._figures.reset(self._now())
        self._ix_to_conv.clear()
        self._stamper.clear()
        with self._uow() as uow:
            self._load_config(uow)
            self._account_names = dict(uow.client_account_names())
            snapshot = uow.latest_routing_snapshot()
            self._engine = RoutingEngine(self._settings)
            self._snapshot_seq = self._last_seq = 0
            if snapshot is not None:
                self._engine = RoutingEngine.from_snapshot(snapshot[1])
                self._snapshot_seq = self._last_seq = snapshot[0]
            for seq, data in uow.routing_events_after(self._snapshot_seq):
                self._engine.apply(event_from_dict(data))
                self._last_seq = seq
            # Today's figures from today's events; then what is pending now, from the engine.
            for _, data in uow.routing_events_since(self._figures.day_start):
                self._figures.remember(event_from_dict(data))
            self._figures.adopt_pending(self._engine.snapshot())
            for conversation in uow.open_conversations():
                if conversation.interaction_id:
                    self._ix_to_conv[conversation.interaction_id] = conversation.id

    def _load_config(self, uow: LiveUnitOfWork) -> None:
        self._queues = {q.id: q for q in uow.queues()}
        self._channels = {c.slug: c for c in uow.channels()}
        self._profiles = {p.user_id: p for p in uow.agent_profiles()}
        self._reasons = list(uow.reasons())
        self._policies = dict(uow.redaction_policies())

    def _load_names(self) -> None:
        with self._accounts() as accounts:
            users = accounts.users.list()
        self._names = {u.id: u.display_name for u in users}
        self._roles = {u.id: u.role.value for u in users}
        self._org = {u.id: (u.team_id, u.site_id) for u in users}

    def _queue_account(self, queue_id: str) -> str | None:
        queue = self._queues.get(queue_id)
        return queue.client_account_id if queue else None

    def _agent_org(self, agent_id: str) -> tuple[str | None, str | None]:
        """The team and site of an agent (an agent created since start reloads once)."""
        if agent_id not in self._org:
            self._load_names()
            self._org.setdefault(agent_id, (None, None))
        return self._org[agent_id]

    def client_account_name(self, uow: LiveUnitOfWork, client_account_id: str) -> str | None:
        """Client account names are kept in memory; an unknown id (an account created
        since) reloads them once, in the caller's transaction."""
        name = self._account_names.get(client_account_id)
        if name is None:
            self._account_names = dict(uow.client_account_names())
            name = self._account_names.get(client_account_id)
        return name

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def next_deadline(self) -> float | None:
        return self._read(lambda: self._engine.next_deadline())

    def tick(self) -> None:
        """Run due timers (offer expiry, after-contact work...) and due follow-ups."""
        self.submit_tick().result()

    def submit_tick(self) -> Future[None]:
        # Every batch of commands runs due timers first; this one also turns the day and
        # routes due follow-ups.
        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            self._figures.turn_day(now)
            if now >= self._next_follow_up_check:
                self._next_follow_up_check = now + 5.0
                follow_ups.route_due_follow_ups(self, uow, now, out)

        return self._writer.submit(body)

    def _read(self, view: Callable[[], T]) -> T:
        """Run ``view`` (no changes) through the writer: it sees committed state only."""
        return self._writer.run(lambda uow, now, out: view())

    # ================================================================== command runner

    def _run_batch(self, batch: list[Job]) -> None:
        """One transaction for the whole batch. A command refused before it changed
        anything gets its error and the others go on; one that fails after changing
        something rolls the batch back, and each command is then run on its own."""
        now = self._now()
        out = Outbox()
        self._pending = []
        self._stamps = []
        outcomes: list[tuple[Job, Any, BaseException | None]] = []
        try:
            with self._uow() as uow:
                self.route(uow, now, out, self._engine.advance)
                for job in batch:
                    mark = (len(self._pending), uow.writes, len(out.messages))
                    try:
                        outcomes.append((job, job.body(uow, now, out), None))
                    except SwitchdeskError as exc:
                        if (len(self._pending), uow.writes) != mark[:2]:
                            raise
                        del out.messages[mark[2] :]
                        outcomes.append((job, None, exc))
                if self._pending:
                    wire = [event_to_dict(e) for e in self._pending]
                    self._last_seq = uow.append_routing_events(wire, self._stamps)
                    if self._last_seq - self._snapshot_seq >= SNAPSHOT_EVERY_EVENTS:
                        uow.save_routing_snapshot(self._last_seq, self._engine.snapshot())
                        self._snapshot_seq = self._last_seq
                self._collect_rows(out)
                uow.commit()
        except BaseException as exc:
            # The engine (and the caches) may have moved on but the database did not:
            # rebuild from the log.
            self._pending = []
            self._stamps = []
            try:
                self._rebuild()
            except BaseException:
                for job in batch:
                    job.future.set_exception(exc)
                raise
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
            else:
                for job in batch:
                    self._run_batch([job])
            return
        finally:
            self._pending = []
            self._stamps = []
        self._publisher.publish_many(out.messages)
        for job, result, error in outcomes:
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)

    def route(
        self,
        uow: LiveUnitOfWork,
        now: float,
        out: Outbox,
        action: Callable[[float], list[RoutingEvent]],
    ) -> None:
        """Run one engine command and react to each event it produced, in order."""
        events = action(now)
        for event in events:
            self._pending.append(event)
            ix = getattr(event, "interaction_id", None)
            conv = self._ix_to_conv.get(ix) if ix else None
            self._stamps.append(self._stamper.stamp(uow, event, conv))
            self._figures.remember(event)
            self._react(uow, event, out)

    # ================================================================== projections

    def _threshold(self, queue_id: str) -> float:
        queue = self._queues.get(queue_id)
        return queue.threshold_seconds if queue else 20.0

    def _react(self, uow: LiveUnitOfWork, event: RoutingEvent, out: Outbox) -> None:
        """Conversations, timeline and live messages that follow from one routing event."""
        agent_id = getattr(event, "agent_id", None)
        if agent_id:
            out.agents.add(agent_id)
        for attr in ("queue_id", "to_queue_id", "from_queue_id"):
            if getattr(event, attr, None):
                out.queues.add(getattr(event, attr))
        if isinstance(event, AfterContactWorkStarted):
            after_contact_work_started(self, event, out)
            return
        handler = EVENT_HANDLERS.get(type(event))
        if handler is None:
            return
        conv_id = self._ix_to_conv.get(getattr(event, "interaction_id", ""), "")
        conv = uow.conversation(conv_id) if conv_id else None
        if conv is not None:
            handler(self, uow, event, conv, out)

    # ------------------------------------------------------------------ for the parts

    @property
    def engine(self) -> RoutingEngine:
        return self._engine

    @property
    def figures(self) -> Projections:
        return self._figures

    @property
    def queue_map(self) -> dict[str, QueueSettings]:
        """Queues by id (entries are replaced, never changed in place)."""
        return self._queues

    @property
    def channel_map(self) -> dict[str, Channel]:
        """Channels by slug (entries are replaced, never changed in place)."""
        return self._channels

    @property
    def profiles(self) -> dict[str, AgentProfile]:
        """Agent profiles by user id."""
        return self._profiles

    @property
    def names(self) -> dict[str, str]:
        """Users' display names by id."""
        return self._names

    @property
    def roles(self) -> dict[str, str]:
        """Users' roles by id (``agent``, ``team_leader``...)."""
        return self._roles

    @property
    def writer(self) -> CommandWriter:
        return self._writer

    def redact(
        self, client_account_id: str, text: str, *, before: str | None, same_author: bool
    ) -> Redaction:
        return self._redactor.redact(
            text, self.redaction_policy(client_account_id), before=before, same_author=same_author
        )

    def redaction_policy(self, client_account_id: str) -> RedactionPolicy:
        return self._policies.get(client_account_id, self._default_policy)

    def use_redaction_policy(self, client_account_id: str, policy: RedactionPolicy) -> None:
        self._policies[client_account_id] = policy

    def get_redaction_policy(self, actor: Principal, client_account_id: str) -> RedactionPolicy:
        return privacy.get_policy(self, actor, client_account_id)

    def set_redaction_policy(
        self,
        actor: Principal,
        client_account_id: str,
        policy: RedactionPolicy,
    ) -> RedactionPolicy:
        return privacy.set_policy(self, self._accounts, actor, client_account_id, policy)

    def check_redaction_policy(self, policy: RedactionPolicy) -> None:
        self._redactor.check_policy(policy)

    def remember_interaction(self, interaction_id: str, conversation_id: str) -> None:
        self._ix_to_conv[interaction_id] = conversation_id

    def forget_interaction(self, interaction_id: str) -> None:
        self._ix_to_conv.pop(interaction_id, None)

    def agent_name(self, agent_id: str | None) -> str:
        return self._names.get(agent_id or "", agent_id or "")

    def conversation_of(self, interaction_id: str) -> str | None:
        return self._ix_to_conv.get(interaction_id)

    def offer_end_reason(self, offer_id: str) -> str:
        return self._figures.ended_offers.get(offer_id, "cancelled")

    def may_see_agent(self, actor: Principal, agent_id: str) -> bool:
        """A supervisor sees agents who serve one of their client accounts."""
        if actor.user is None or actor.user.sees_every_client_account():
            return True
        profile = self._profiles.get(agent_id)
        served = set(profile.attributes.get("client_accounts", [])) if profile else set()
        return bool(served & actor.user.client_account_ids)

    def _collect_rows(self, out: Outbox) -> None:
        views.push_rows(self, out, self._publisher.listeners("supervisor") > 0)

    # ================================================================== helpers

    def queue_name(self, queue_id: str | None) -> str:
        queue = self._queues.get(queue_id or "")
        return queue.name if queue else (queue_id or "")

    def staffing(self, fresh: bool = False) -> dict[str, list[int]]:
        return self._staffing.counts(self, self._now(), fresh)

    # ================================================================== configuration
    # (configuration.py)

    def configure_queue(
        self,
        actor: Principal,
        *,
        name: str,
        client_account_id: str | None,
        eligibility: str = "true",
        strategy: Strategy | str = Strategy.LONGEST_IDLE,
        offer_timeout_seconds: float = 30.0,
        after_contact_work_seconds: float = 30.0,
        threshold_seconds: float = 20.0,
        wrap_up_codes: Iterable[tuple[str, str]] = (),
        wrap_up_required: bool = False,
        escalation_queue_id: str | None = None,
        queue_id: str | None = None,
        first_response_seconds: float | None = None,
        next_response_seconds: float | None = None,
    ) -> QueueSettings:
        """Create (or, with ``queue_id``, replace) a queue. Bad expressions are refused."""
        return configuration.configure_queue(
            self,
            actor,
            name=name,
            client_account_id=client_account_id,
            eligibility=eligibility,
            strategy=strategy,
            offer_timeout_seconds=offer_timeout_seconds,
            after_contact_work_seconds=after_contact_work_seconds,
            threshold_seconds=threshold_seconds,
            wrap_up_codes=wrap_up_codes,
            wrap_up_required=wrap_up_required,
            escalation_queue_id=escalation_queue_id,
            queue_id=queue_id,
            first_response_seconds=first_response_seconds,
            next_response_seconds=next_response_seconds,
        )

    def delete_queue(self, actor: Principal, queue_id: str) -> QueueSettings:
        """Remove a queue nothing needs any more (``configuration.delete_queue``)."""
        return configuration.delete_queue(self, self._accounts, self._now, actor, queue_id)

    def queue_warnings(self, queue: QueueSettings) -> list[str]:
        """What keeps a saved queue from routing now (skills no agent has yet)."""
        return [
            f"no agent has the skill {skill!r} yet: the queue routes once one does"
            for skill in configuration.unknown_skills(self, queue)
        ]

    def create_channel(
        self,
        actor: Principal,
        *,
        slug: str,
        name: str,
        queue_id: str,
        greeting: str = "",
        kind: ChannelKind = ChannelKind.WEB_CHAT,
        address: str = "",
        settings: dict[str, Any] | None = None,
    ) -> Channel:
        return configuration.create_channel(
            self,
            actor,
            slug=slug,
            name=name,
            queue_id=queue_id,
            greeting=greeting,
            kind=kind,
            address=address,
            settings=settings,
        )

    def set_agent_profile(
        self,
        actor: Principal,
        user_id: str,
        *,
        skills: dict[str, int],
        languages: Iterable[str] = (),
        capacity: dict[str, Any] | None = None,
    ) -> AgentProfile:
        """Make a user routable (skills 1-5, languages, capacity) or update them."""
        return configuration.set_agent_profile(
            self,
            self._accounts,
            actor,
            user_id,
            skills=skills,
            languages=languages,
            capacity=capacity,
        )

    def set_not_ready_reasons(self, actor: Principal, reasons: Iterable[tuple[str, str]]) -> None:
        """Replace the list: codes left out are removed (past events keep their code)."""
        configuration.set_not_ready_reasons(self, actor, reasons)

    def replace_reasons(self, reasons: Iterable[NotReadyReason]) -> list[NotReadyReason]:
        self._reasons = list(reasons)
        return self._reasons

    def headline(self, actor: Principal) -> list[AccountHeadline]:
        """Waiting now and today's service level per client account the actor sees."""
        actor.require(Permission.REPORTS_READ)

        def view(uow: LiveUnitOfWork, now: float, out: Outbox) -> list[AccountHeadline]:
            return headline_figures(self, actor, lambda a: self.client_account_name(uow, a) or a)

        return self._writer.run(view)

    def queues(self, actor: Principal) -> list[QueueSettings]:
        return configuration.visible_queues(self, actor)

    def channels(self, actor: Principal) -> list[Channel]:
        return configuration.visible_channels(self, actor)

    def agent_profiles(self, actor: Principal) -> list[AgentProfile]:
        """Profiles of the agents who serve the actor's client accounts."""
        return configuration.visible_profiles(self, actor)

    def reasons(self) -> list[NotReadyReason]:
        return list(self._reasons)

    def channel(self, slug: str) -> Channel:
        """The public face of a chat channel (for the customer page)."""
        return configuration.chat_channel(self._channels, slug)

    # ================================================================== other channels

    def endpoint(self, kind: ChannelKind, key: str) -> ChannelEndpoint | None:
        """The enabled channel of ``kind`` at provider address ``key`` (web chat: slug)."""
        return configuration.endpoint_at(self._channels, self._secret_source, kind, key)

    def endpoint_by_slug(self, kind: ChannelKind, slug: str) -> ChannelEndpoint | None:
        """The enabled channel of ``kind`` named ``slug`` (webhook URLs carry the slug)."""
        channel = self._channels.get(slug)
        return configuration.endpoint_of(channel, kind, self._secret_source)

    def endpoint_by_id(self, channel_id: str) -> ChannelEndpoint | None:
        channel = self.channel_by_id(channel_id)
        return configuration.endpoint_of(
            channel, channel.kind if channel else None, self._secret_source
        )

    def channel_by_id(self, channel_id: str) -> Channel | None:
        return next((c for c in list(self._channels.values()) if c.id == channel_id), None)

    def receive(self, items: Sequence[InboundItem]) -> Future[None]:
        """Store and route what a channel adapter received (see ``intake.py``); the future
        settles after the commit. Duplicates by external id are dropped."""
        batch = list(items)

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
            for item in batch:
                receive_item(self, uow, now, out, item)

        return self._writer.submit(body, urgent=False)

    def new_id(self) -> str:
        return self._secrets.new_id()

    # ================================================================== voice calls (calls.py)

    def conversation_of_external_id(self, channel_id: str, external_id: str) -> str | None:
        """The conversation an inbound item with this provider id went to (a call's id)."""
        with self._uow() as uow:
            return uow.conversation_by_external_id(channel_id, external_id)

    def submit_call_wait(self, conversation_id: str) -> Future[calls.CallWait]:
        """Where a call's conversation stands, for its caller's next announcement."""
        return self._writer.submit(
            lambda uow, now, out: calls.call_wait(self, uow, conversation_id)
        )

    def submit_request_callback(self, conversation_id: str) -> Future[None]:
        return self._writer.submit(
            lambda uow, now, out: calls.request_callback(self, uow, now, out, conversation_id)
        )

    def submit_requeue_call(self, conversation_id: str) -> Future[None]:
        return self._writer.submit(
            lambda uow, now, out: calls.requeue_call(self, uow, now, out, conversation_id)
        )

    def submit_note_call(
        self, conversation_id: str, kind: str, detail: dict[str, Any]
    ) -> Future[None]:
        return self._writer.submit(
            lambda uow, now, out: calls.note_call(uow, now, conversation_id, kind, detail)
        )

    # ================================================================== the customer
    # (customers.py)

    def start_chat(
        self, slug: str, *, name: str, email: str, text: str, client_id: str | None = None
    ) -> tuple[Conversation, str]:
        """A customer opens a chat: contact found or created, conversation enqueued.
        Returns the conversation and the customer's resume token (shown once)."""
        return self.submit_start_chat(
            slug, name=name, email=email, text=text, client_id=client_id
        ).result()

    def submit_start_chat(
        self, slug: str, *, name: str, email: str, text: str, client_id: str | None = None
    ) -> Future[tuple[Conversation, str]]:
        """``start_chat`` without waiting: bad input and ``busy`` raise at once, the rest
        settles the future after the commit (for callers on an event loop)."""
        return customers.submit_start_chat(
            self, self._secrets, slug, name=name, email=email, text=text, client_id=client_id
        )

    def resume_chat(self, slug: str, token: str) -> Conversation:
        return customers.resume_chat(self, self._uow, self._secrets, slug, token)

    def customer_view(self, conversation_id: str) -> dict[str, Any]:
        """What the customer's page shows after (re)connecting."""
        return self.submit_customer_view(conversation_id).result()

    def submit_customer_view(self, conversation_id: str) -> Future[dict[str, Any]]:
        return customers.submit_customer_view(self, conversation_id)

    def customer_message(
        self, conversation_id: str, text: str, client_id: str | None = None
    ) -> Message:
        return customers.customer_message(self, conversation_id, text, client_id)

    def customer_typing(self, conversation_id: str) -> None:
        customers.customer_typing(self._uow, self._publisher, conversation_id)

    def customer_leave(self, conversation_id: str) -> None:
        customers.customer_leave(self, conversation_id)

    def rate(self, conversation_id: str, score: int, comment: str = "") -> None:
        customers.rate(self, conversation_id, score, comment)

    # ================================================================== connections
    # (connections.py)

    @property
    def connections(self) -> Connections:
        return self._connections

    def desk_opened(self, agent_id: str) -> Future[None]:
        """A desk socket of the agent opened (a pending disconnection timer is dropped)."""
        return self._connections.desk_opened(self, agent_id)

    def desk_closed(self, agent_id: str) -> Future[None]:
        """A desk socket closed; the last one starts the agent's grace period."""
        return self._connections.desk_closed(self, agent_id)

    def chat_page_opened(self, conversation_id: str) -> Future[None]:
        """The customer's page of a chat is connected (started or resumed)."""
        return self._connections.page_opened(self, conversation_id)

    def chat_page_closed(self, conversation_id: str) -> Future[None]:
        """The customer's page went away; the last one starts their grace period."""
        return self._connections.page_closed(self, conversation_id)

    def set_agent_presence(
        self, actor: Principal, agent_id: str, presence: str, reason: str | None = None
    ) -> dict[str, Any]:
        """A supervisor sets an agent's state or signs them out (``supervision.py``)."""
        return supervision.set_agent_presence(
            self, self._accounts, actor, agent_id, presence, reason
        )

    # ================================================================== the agent (desk.py)

    def require_agent(self, actor: Principal) -> str:
        """The caller's agent id; PermissionDenied (``no_agent_profile``) if not an agent."""
        return desk.require_agent(self, actor)

    def presence_of(self, agent_id: str) -> tuple[str, str | None] | None:
        """An agent's presence and not-ready reason; None for someone with no agent
        profile (the pages' header shows it read-only)."""
        if agent_id not in self._profiles:
            return None

        def view() -> tuple[str, str | None] | None:
            try:
                status = self._engine.agent_status(agent_id)
            except NotFound:
                return None
            return status["presence"], status["reason"]

        return self._read(view)

    def agent_snapshot(self, actor: Principal) -> dict[str, Any]:
        return self.submit_agent_snapshot(actor).result()

    def submit_agent_snapshot(self, actor: Principal) -> Future[dict[str, Any]]:
        return desk.submit_agent_snapshot(self, actor)

    def set_presence(
        self, actor: Principal, presence: str, reason: str | None = None
    ) -> dict[str, Any]:
        return self.submit_set_presence(actor, presence, reason).result()

    def submit_set_presence(
        self, actor: Principal, presence: str, reason: str | None = None
    ) -> Future[dict[str, Any]]:
        return desk.submit_set_presence(self, actor, presence, reason)

    def accept_offer(self, actor: Principal, offer_id: str) -> dict[str, Any]:
        return self.submit_accept_offer(actor, offer_id).result()

    def submit_accept_offer(self, actor: Principal, offer_id: str) -> Future[dict[str, Any]]:
        return desk.submit_accept_offer(self, actor, offer_id)

    def decline_offer(self, actor: Principal, offer_id: str) -> None:
        desk.decline_offer(self, actor, offer_id)

    def agent_message(
        self, actor: Principal, conversation_id: str, text: str, internal: bool = False
    ) -> dict[str, Any]:
        return desk.agent_message(self, actor, conversation_id, text, internal)

    def agent_typing(self, actor: Principal, conversation_id: str) -> None:
        desk.agent_typing(self, self._uow, self._publisher, actor, conversation_id)

    def transfer(
        self,
        actor: Principal,
        conversation_id: str,
        *,
        queue_id: str | None = None,
        agent_id: str | None = None,
        note: str = "",
        escalate: bool = False,
    ) -> None:
        desk.transfer(
            self,
            actor,
            conversation_id,
            queue_id=queue_id,
            agent_id=agent_id,
            note=note,
            escalate=escalate,
        )

    def end_conversation(self, actor: Principal, conversation_id: str) -> None:
        self.submit_end_conversation(actor, conversation_id).result()

    def submit_end_conversation(self, actor: Principal, conversation_id: str) -> Future[None]:
        return desk.submit_end_conversation(self, actor, conversation_id)

    def wrap_up(self, actor: Principal, conversation_id: str, code: str, notes: str = "") -> None:
        desk.wrap_up(self, actor, conversation_id, code, notes)

    def end_after_contact_work(self, actor: Principal) -> None:
        desk.end_after_contact_work(self, actor)

    # ================================================================== follow-ups
    # (follow_ups.py)

    def create_follow_up(
        self,
        actor: Principal,
        contact_id: str,
        due_at: datetime,
        note: str,
        conversation_id: str | None = None,
    ) -> FollowUp:
        return follow_ups.create_follow_up(self, actor, contact_id, due_at, note, conversation_id)

    # ================================================================== reading

    def conversation_detail(self, actor: Principal, conversation_id: str) -> dict[str, Any]:
        actor.require(Permission.CONTACTS_READ)
        with self._uow() as uow:
            conv = views.conversation_or_404(uow, conversation_id, actor)
            return views.conversation_detail(self, uow, conv)

    @property
    def blobs(self) -> BlobStore | None:
        """Where attachments' bytes are kept (None: attachments with bytes are refused)."""
        return self._blobs

    def attachment_download(self, actor: Principal, attachment_id: str) -> tuple[Attachment, bytes]:
        """A stored attachment and its bytes (see ``attachments.download``)."""
        with self._uow() as uow:
            return attachments.download(uow, self._blobs, actor, attachment_id)

    def contact_card(self, actor: Principal, contact_id: str) -> dict[str, Any]:
        """The card; an id merged into another contact answers with that contact's card
        and ``merged_from`` (``contacts.resolve``)."""
        actor.require(Permission.CONTACTS_READ)
        with self._uow() as uow:
            contact = contacts.resolve(uow, contact_id, actor)
            card = views.contact_card(self, uow, contact.id)
            if contact.id != contact_id:
                card["merged_from"] = contact_id
            return card

    def contact_timeline(
        self, actor: Principal, contact_id: str, cursor: str | None = None, limit: int = 30
    ) -> dict[str, Any]:
        actor.require(Permission.CONTACTS_READ)
        with self._uow() as uow:
            contact = contacts.resolve(uow, contact_id, actor)
            return contacts.timeline(self, uow, contact, cursor=cursor, limit=limit)

    def contact_duplicates(self, actor: Principal, contact_id: str) -> list[dict[str, Any]]:
        actor.require(Permission.CONTACTS_READ)
        with self._uow() as uow:
            return contacts.duplicates(uow, contacts.resolve(uow, contact_id, actor))

    def merge_contacts(
        self, actor: Principal, contact_id: str, other_contact_id: str
    ) -> dict[str, Any]:
        """Fold ``other_contact_id`` into ``contact_id`` (``contacts.merge``), audited."""
        actor.require(Permission.CONTACTS_MERGE)

        def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> tuple[Contact, Contact]:
            return contacts.merge(uow, now, actor, contact_id, other_contact_id)

        merged, absorbed = self._writer.run(body)
        contacts.audit_merge(self._accounts, self._now(), actor, merged, absorbed)
        return self.contact_card(actor, merged.id)

    def supervisor_snapshot(self, actor: Principal) -> dict[str, Any]:
        actor.require(Permission.TEAM_MONITOR)
        snapshot = self._read(lambda: views.supervisor_snapshot(self, actor))
        snapshot["reasons"] = views.reasons_view(self._reasons)
        return snapshot

    def engine_snapshot(self) -> dict[str, Any]:
        """The routing engine's state, for tests and diagnostics."""
        return self._read(self._engine.snapshot)

    def waiting(self, queue_id: str) -> list[str]:
        """Conversation ids waiting in a queue, in the order they will be served."""
        return self._read(
            lambda: [self._ix_to_conv.get(i, i) for i in self._engine.waiting(queue_id)]
        )

    def delivery_refusal(self, message: OutboundMessage) -> tuple[str, str] | None:
        """The dispatcher's check just before a send (see ``outbound.delivery_refusal``):
        reads committed state in its own transaction, off the writer."""
        with self._uow() as uow:
            return delivery_refusal(uow, message)

    def delivery_changed(self, delivery: Delivery) -> None:
        """Tell the desk of the conversation's agent that a reply's delivery moved (the
        dispatcher calls this after each attempt and status report, off the writer)."""
        with self._uow() as uow:
            conv = uow.conversation(delivery.message.conversation_id)
        agent = (conv.agent_id or conv.wrap_up_agent_id) if conv else None
        if agent:
            self._publisher.publish(f"agent:{agent}", views.delivery_frame(delivery))

    # ================================================================== channel administration

    def add_channel(
        self,
        actor: Principal,
        *,
        kind: ChannelKind,
        slug: str,
        name: str,
        queue_id: str,
        address: str = "",
        settings: dict[str, Any] | None = None,
        greeting: str = "",
    ) -> Channel:
        """A channel of any kind, checked for its kind and audited (``channel_admin.py``)."""
        return channel_admin.add_channel(
            self,
            self._accounts,
            self._now,
            actor,
            kind=kind,
            slug=slug,
            name=name,
            queue_id=queue_id,
            address=address,
            settings=settings,
            greeting=greeting,
        )

    def update_channel(
        self,
        actor: Principal,
        channel_id: str,
        *,
        name: str | None = None,
        queue_id: str | None = None,
        enabled: bool | None = None,
        address: str | None = None,
        settings: dict[str, Any] | None = None,
        greeting: str | None = None,
    ) -> Channel:
        return channel_admin.update_channel(
            self,
            self._accounts,
            self._now,
            actor,
            channel_id,
            name=name,
            queue_id=queue_id,
            enabled=enabled,
            address=address,
            settings=settings,
            greeting=greeting,
        )

    def delete_channel(self, actor: Principal, channel_id: str) -> Channel:
        """Remove a channel with no open conversations (``channel_admin.delete_channel``)."""
        return channel_admin.delete_channel(self, self._accounts, self._now, actor, channel_id)

    def secret_status(self, channel: Channel) -> dict[str, bool]:
        return channel_admin.secret_status(self._secret_source, channel)

    # ================================================================== the shared inbox
    # (inbox.py)

    def inbox(self, actor: Principal, filters: inbox.InboxFilter) -> dict[str, Any]:
        with self._uow() as uow:
            return inbox.list_inbox(self, uow, actor, filters, self._clock.now())

    def inbox_assign(
        self, actor: Principal, conversation_id: str, agent_id: str | None = None
    ) -> dict[str, Any]:
        return inbox.assign(self, actor, conversation_id, agent_id)

    def inbox_set_pending(self, actor: Principal, conversation_id: str) -> dict[str, Any]:
        return inbox.set_pending(self, actor, conversation_id)

    def inbox_resolve(
        self, actor: Principal, conversation_id: str, code: str | None, notes: str = ""
    ) -> dict[str, Any]:
        return inbox.resolve(self, actor, conversation_id, code, notes)
