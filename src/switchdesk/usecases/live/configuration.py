"""Configuration of the live center: queues (routing rules, wrap-up codes, service-level
threshold), channels, agents' profiles (skills, languages, capacity), not-ready reasons,
and the channel endpoints that adapters look up.

Checks that need no state run at once; the changes run in the writer, so the engine and
the configuration kept in memory move with the database in the same batch."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from switchdesk.domain.accounts.model import AuditAction, AuditEntry
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.model import (
    AgentProfile,
    Channel,
    ChannelKind,
    ConversationState,
    NotReadyReason,
    QueueSettings,
    WrapUpCode,
)
from switchdesk.domain.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from switchdesk.domain.routing import (
    AttributeSchema,
    QueueConfig,
    Strategy,
    check_attributes,
    compile_expression,
)
from switchdesk.usecases.channel_ports import ChannelEndpoint, SecretSource
from switchdesk.usecases.live.capacity import parse_capacity
from switchdesk.usecases.live.commands import CommandCore
from switchdesk.usecases.live.views import reasons_view
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.ports import UnitOfWorkFactory
from switchdesk.usecases.principal import Principal


class ConfigurationCore(CommandCore, Protocol):
    """The parts of the live center that configuration uses."""

    def replace_reasons(self, reasons: Iterable[NotReadyReason]) -> list[NotReadyReason]: ...


SLA_TARGET_MAX_SECONDS = 30 * 86400.0
"""The longest inbox SLA target a queue may set (first or next response)."""

QUEUE_NAME_MAX_CHARS = 80
CODE_MAX_CHARS = 64
LABEL_MAX_CHARS = 200
CODE_FORMAT = re.compile(r"[a-z0-9][a-z0-9_-]*")
"""Wrap-up and not-ready reason codes: lowercase letters, digits, ``-`` and ``_``, no
spaces (they are kept in the history and in exports; the label is what people read)."""
CODE_RULE = "lowercase letters, digits, '-' or '_', no spaces"

AGENT_ATTRIBUTES: AttributeSchema = {
    "id": None,
    "skills": {"*": None},
    "languages": None,
    "client_accounts": None,
    "role": None,
    "team": None,
    "site": None,
}
"""What ``agent.*`` can read: the attributes ``set_agent_profile`` gives every agent
(skills by name, each a proficiency 1 to 5)."""

INTERACTION_ATTRIBUTES: AttributeSchema = {
    "id": None,
    "channel_kind": None,
    "priority": None,
    "contact_id": None,
    "client_account": None,
}
"""What ``interaction.*`` can read: what the engine gives every interaction and what the
channels set when they enqueue a conversation (``conversations.enqueue``)."""

KNOWN_ATTRIBUTES: Mapping[str, AttributeSchema] = {
    "agent": AGENT_ATTRIBUTES,
    "interaction": INTERACTION_ATTRIBUTES,
}


def check_code(code: str, what: str) -> str:
    """A wrap-up or reason code, stripped; ValidationFailed naming it if it is not one."""
    code = code.strip()
    if not code or len(code) > CODE_MAX_CHARS:
        raise ValidationFailed(f"a {what} has 1 to {CODE_MAX_CHARS} characters")
    if not CODE_FORMAT.fullmatch(code):
        raise ValidationFailed(f"{what} {code!r}: use {CODE_RULE}")
    return code


def check_eligibility(label: str, eligibility: str) -> None:
    """Compile the rule (bad syntax: the position) and check every attribute it reads is
    one agents have (an unknown one is always null: the queue would never route)."""
    where = f"queue {label!r} eligibility"
    compiled = compile_expression(eligibility, where=where, allow_interaction=False)
    check_attributes(compiled, KNOWN_ATTRIBUTES, where=where)


def unknown_skills(core: CommandCore, queue: QueueSettings) -> list[str]:
    """Skills the queue's rule reads that no agent has yet (the queue cannot route until
    an agent gets one): a warning, not a refusal, since skills are made by giving them."""
    source = str(queue.routing.get("eligibility", "true"))
    try:
        compiled = compile_expression(source, allow_interaction=False)
    except ValidationFailed:
        return []
    have: set[str] = set()
    for profile in list(core.profiles.values()):
        have.update(profile.attributes.get("skills", {}))
    wanted = {
        keys[1]
        for root, keys in compiled.paths
        if root == "agent" and len(keys) > 1 and keys[0] == "skills"
    }
    return sorted(wanted - have)


def configure_queue(
    core: ConfigurationCore,
    actor: Principal,
    *,
    name: str,
    client_account_id: str | None,
    eligibility: str,
    strategy: Strategy | str,
    offer_timeout_seconds: float,
    after_contact_work_seconds: float,
    threshold_seconds: float,
    wrap_up_codes: Iterable[tuple[str, str]],
    wrap_up_required: bool,
    escalation_queue_id: str | None,
    queue_id: str | None,
    first_response_seconds: float | None = None,
    next_response_seconds: float | None = None,
) -> QueueSettings:
    """Create (or, with ``queue_id``, replace) a queue. Bad expressions are refused."""
    actor.require(Permission.ROUTING_CONFIGURE)
    label = " ".join(name.split())
    if not label or len(label) > QUEUE_NAME_MAX_CHARS:
        raise ValidationFailed(
            f"a queue name has 1 to {QUEUE_NAME_MAX_CHARS} characters (this one has {len(label)})",
            field="name",
        )
    if not actor.sees_client_account(client_account_id):
        raise NotFound(f"client account {client_account_id!r} not found")
    codes = tuple(
        WrapUpCode(check_code(c, "wrap-up code"), lb.strip() or c.strip())
        for c, lb in wrap_up_codes
    )
    if any(len(c.label) > LABEL_MAX_CHARS for c in codes):
        raise ValidationFailed(f"a wrap-up label has at most {LABEL_MAX_CHARS} characters")
    listed = [c.code for c in codes]
    if len(set(listed)) != len(listed):
        twice = sorted({c for c in listed if listed.count(c) > 1})
        raise ValidationFailed(
            f"wrap-up code listed twice: {', '.join(twice)}", field="wrap_up_codes"
        )
    if wrap_up_required and not codes:
        raise ValidationFailed("a queue that requires wrap-up needs wrap-up codes")
    if threshold_seconds <= 0:
        raise ValidationFailed("the service-level threshold is positive")
    for target in (first_response_seconds, next_response_seconds):
        if target is not None and not 0 < target <= SLA_TARGET_MAX_SECONDS:
            raise ValidationFailed(
                "an inbox SLA target is positive and at most 30 days", code="sla_target_invalid"
            )
    try:
        strategy = Strategy(strategy)
    except ValueError:
        allowed = ", ".join(s.value for s in Strategy)
        raise ValidationFailed(f"unknown strategy; expected one of: {allowed}") from None
    check_eligibility(label, eligibility)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> QueueSettings:
        qid = queue_id or core.new_id()
        if queue_id is not None and queue_id not in core.queue_map:
            raise NotFound(f"queue {queue_id!r} not found")
        if escalation_queue_id is not None and escalation_queue_id not in core.queue_map:
            raise NotFound(f"queue {escalation_queue_id!r} not found")
        if escalation_queue_id is not None and escalation_queue_id == queue_id:
            raise ValidationFailed(
                f"queue {label!r} cannot escalate to itself", field="escalation_queue_id"
            )
        same = next(
            (
                q
                for q in core.queue_map.values()
                if q.id != qid
                and q.client_account_id == client_account_id
                and q.name.casefold() == label.casefold()
            ),
            None,
        )
        if same is not None:
            raise Conflict(
                f"a queue named {same.name!r} exists already in this client account",
                code="queue_name_taken",
                field="name",
            )
        if (
            client_account_id is not None
            and core.client_account_name(uow, client_account_id) is None
        ):
            # Refused before the engine moves (the row would fail its foreign key).
            raise NotFound(f"client account {client_account_id!r} not found")
        config = QueueConfig(
            id=qid,
            eligibility=eligibility,
            strategy=strategy,
            offer_timeout_seconds=offer_timeout_seconds,
            after_contact_work_seconds=after_contact_work_seconds,
        )
        try:
            core.route(uow, now, out, lambda t: core.engine.configure_queue(config, t))
        except ConfigurationError as error:
            # The engine knows queues by id only; people know them by name (an unsaved
            # queue's id was made up a moment ago). The engine changed nothing.
            raise ConfigurationError(
                error.detail.replace(f"queue {qid!r}", f"queue {label!r}"),
                code=error.code,
                **{**error.extra, "where": f"queue {label!r}"},
            ) from None
        settings = QueueSettings(
            qid,
            label,
            client_account_id,
            config.to_dict(),
            codes,
            wrap_up_required,
            threshold_seconds,
            escalation_queue_id,
            first_response_seconds,
            next_response_seconds,
        )
        uow.put_queue(settings)
        core.queue_map[qid] = settings
        out.queues.add(qid)
        return settings

    return core.writer.run(body)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def delete_queue(
    core: ConfigurationCore,
    accounts: UnitOfWorkFactory,
    clock: Callable[[], float],
    actor: Principal,
    queue_id: str,
) -> QueueSettings:
    """Remove a queue nothing needs any more, from routing (a ``QueueRemoved`` event in
    the routing log, so a rebuild removes it too) and from storage; audited.

    Refused with 409 ``queue_not_empty`` while conversations wait in it or are handled
    from it, and ``queue_in_use`` while a channel, another queue's escalation or a
    workflow points at it."""
    actor.require(Permission.ROUTING_CONFIGURE)
    found = core.queue_map.get(queue_id)
    if found is None or not actor.sees_client_account(found.client_account_id):
        raise NotFound(f"queue {queue_id!r} not found")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> QueueSettings:
        queue = core.queue_map.get(queue_id)
        if queue is None:
            raise NotFound(f"queue {queue_id!r} not found")
        mine = [c for c in uow.open_conversations() if c.queue_id == queue_id]
        waiting = sum(1 for c in mine if c.state is ConversationState.WAITING)
        active = len(mine) - waiting
        dependents = core.engine.queue_dependents(queue_id)
        routed = {c.interaction_id for c in mine}
        others = [i for i in dependents["interactions"] if i not in routed]
        if waiting or active or others:
            raise Conflict(
                f"queue {queue.name!r} has {_plural(waiting, 'waiting conversation')} and "
                f"{active + len(others)} being handled: transfer or close them before "
                "deleting it",
                code="queue_not_empty",
                waiting=waiting,
                active=active + len(others),
            )
        uses = [f"channel {c.name!r}" for c in core.channel_map.values() if c.queue_id == queue_id]
        uses += [
            f"queue {q.name!r} (escalates to it)"
            for q in core.queue_map.values()
            if q.escalation_queue_id == queue_id and q.id != queue_id
        ]
        uses += [f"workflow {w!r}" for w in dependents["workflows"]]
        uses += [f"queue {core.queue_name(q)!r} (overflows to it)" for q in dependents["queues"]]
        if uses:
            raise Conflict(
                f"queue {queue.name!r} is used by {', '.join(uses)}: change "
                f"{'that' if len(uses) == 1 else 'them'} first",
                code="queue_in_use",
                used_by=uses,
            )
        uow.remove_queue(queue_id)
        core.route(uow, now, out, lambda t: core.engine.remove_queue(queue_id, t))
        del core.queue_map[queue_id]
        return queue

    queue = core.writer.run(body)
    detail = {"name": queue.name, "client_account_id": queue.client_account_id}
    with accounts() as unit:
        unit.audit.append(
            AuditEntry(
                datetime.fromtimestamp(clock(), UTC),
                AuditAction.QUEUE_DELETED,
                actor.name,
                f"queue:{queue.id}",
                detail,
            )
        )
        unit.commit()
    return queue


def create_channel(
    core: ConfigurationCore,
    actor: Principal,
    *,
    slug: str,
    name: str,
    queue_id: str,
    greeting: str,
    kind: ChannelKind,
    address: str,
    settings: dict[str, Any] | None,
) -> Channel:
    """Add a channel in front of a queue (its client account is the queue's)."""
    actor.require(Permission.ROUTING_CONFIGURE)
    address = address.strip()
    if kind is not ChannelKind.WEB_CHAT and not address:
        raise ValidationFailed(
            "this channel needs its address at the provider", code="channel_address_missing"
        )
    if len(address) > 320:
        raise ValidationFailed("a channel address has at most 320 characters")
    slug = slug.strip().lower()
    if not slug or len(slug) > 100 or not all(c.isalnum() or c == "-" for c in slug):
        raise ValidationFailed("a channel slug has 1 to 100 letters, digits or dashes")
    queue = core.queue_map.get(queue_id)
    if queue is None or not actor.sees_client_account(queue.client_account_id):
        raise NotFound(f"queue {queue_id!r} not found")
    if queue.client_account_id is None:
        raise ValidationFailed("a channel's queue belongs to a client account")
    channel = Channel(
        core.new_id(),
        slug,
        name.strip() or slug,
        kind,
        queue.client_account_id,
        queue_id,
        greeting.strip(),
        address=address.lower() if kind is ChannelKind.EMAIL else address,
        settings=dict(settings or {}),
    )

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> Channel:
        if slug in core.channel_map:
            raise Conflict(f"the channel slug {slug!r} is taken")
        if address and any(
            c.kind is kind and c.address == channel.address for c in core.channel_map.values()
        ):
            raise Conflict(
                f"another {kind.value} channel has the address {address!r}",
                code="channel_address_taken",
            )
        uow.put_channel(channel)
        core.channel_map[slug] = channel
        return channel

    return core.writer.run(body)


def set_agent_profile(
    core: ConfigurationCore,
    accounts: UnitOfWorkFactory,
    actor: Principal,
    user_id: str,
    *,
    skills: dict[str, int],
    languages: Iterable[str],
    capacity: dict[str, Any] | None,
) -> AgentProfile:
    """Make a user routable (skills 1-5, languages, capacity) or update them."""
    actor.require(Permission.ROUTING_CONFIGURE)
    for skill, level in skills.items():
        if not skill or not isinstance(level, int) or not 1 <= level <= 5:
            raise ValidationFailed(f"skill {skill!r}: proficiency is an integer 1 to 5")
    cap = parse_capacity(capacity)
    with accounts() as unit:
        user = unit.users.get(user_id)
    if user is None or not actor.sees_client_account(
        next(iter(sorted(user.client_account_ids)), None)
    ):
        raise NotFound(f"user {user_id!r} not found")
    attributes = {
        "skills": dict(sorted(skills.items())),
        "languages": sorted(set(languages)),
        "client_accounts": sorted(user.client_account_ids),
        "role": user.role.value,
        "team": user.team_id,
        "site": user.site_id,
    }
    profile = AgentProfile(user_id, attributes, cap.to_dict())

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> AgentProfile:
        engine = core.engine
        known = core.profiles.get(user_id)
        if known is not None:
            core.route(
                uow, now, out, lambda t: engine.update_agent_attributes(user_id, attributes, t)
            )
            if dict(known.capacity) != profile.capacity:
                core.route(uow, now, out, lambda t: engine.set_capacity(user_id, cap, t))
        else:
            core.route(
                uow,
                now,
                out,
                lambda t: engine.register_agent(user_id, t, attributes=attributes, capacity=cap),
            )
        uow.put_agent_profile(profile)
        core.profiles[user_id] = profile
        core.names[user_id] = user.display_name
        core.roles[user_id] = user.role.value
        out.agents.add(user_id)
        return profile

    return core.writer.run(body)


def set_not_ready_reasons(
    core: ConfigurationCore, actor: Principal, reasons: Iterable[tuple[str, str]]
) -> None:
    """Replace the list: codes left out are removed (past events keep their code)."""
    actor.require(Permission.ROUTING_CONFIGURE)
    given = [(c.strip(), " ".join(lb.split())) for c, lb in reasons]
    if not given:
        raise ValidationFailed("keep at least one not-ready reason", code="reasons_invalid")
    for code, _ in given:
        if not code or len(code) > CODE_MAX_CHARS:
            raise ValidationFailed(
                f"a reason code has 1 to {CODE_MAX_CHARS} characters", code="reasons_invalid"
            )
        if not CODE_FORMAT.fullmatch(code):
            raise ValidationFailed(f"reason code {code!r}: use {CODE_RULE}", code="reasons_invalid")
    codes = [code for code, _ in given]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise ValidationFailed(
            f"reason code listed twice: {', '.join(twice)}", code="reasons_invalid"
        )
    if any(len(label) > LABEL_MAX_CHARS for _, label in given):
        raise ValidationFailed(
            f"a reason label has at most {LABEL_MAX_CHARS} characters", code="reasons_invalid"
        )
    unlabelled = [code for code, label in given if not label]
    if unlabelled:
        raise ValidationFailed(
            f"give a label (what agents read) to the reason {unlabelled[0]!r}",
            code="reasons_invalid",
        )
    items = [NotReadyReason(code, label) for code, label in given]

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        for old in uow.reasons():
            if old.code not in codes:
                uow.remove_reason(old.code)
        for reason in items:
            uow.put_reason(reason)
        frame = {"type": "reasons", "reasons": reasons_view(core.replace_reasons(uow.reasons()))}
        for agent_id in list(core.profiles):  # open desks update their status menu
            out.send(f"agent:{agent_id}", frame)

    core.writer.run(body)


def visible_queues(core: CommandCore, actor: Principal) -> list[QueueSettings]:
    """The queues of the actor's client accounts (agents and supervisors see them too)."""
    if not (
        actor.can(Permission.ROUTING_CONFIGURE)
        or actor.can(Permission.CONVERSATIONS_HANDLE)
        or actor.can(Permission.TEAM_MONITOR)
    ):
        actor.require(Permission.ROUTING_CONFIGURE)
    # Configuration in memory is replaced, never changed in place: copy, then filter.
    return [
        q for q in list(core.queue_map.values()) if actor.sees_client_account(q.client_account_id)
    ]


def visible_channels(core: CommandCore, actor: Principal) -> list[Channel]:
    """The channels of the actor's client accounts."""
    actor.require(Permission.ROUTING_CONFIGURE)
    return [
        c for c in list(core.channel_map.values()) if actor.sees_client_account(c.client_account_id)
    ]


def visible_profiles(core: CommandCore, actor: Principal) -> list[AgentProfile]:
    """Profiles of the agents who serve the actor's client accounts (all of them for
    someone who sees every client account)."""
    actor.require(Permission.ROUTING_CONFIGURE)
    return [p for p in list(core.profiles.values()) if core.may_see_agent(actor, p.user_id)]


def chat_channel(channels: Mapping[str, Channel], slug: str) -> Channel:
    """The public face of a chat channel (for the customer page)."""
    # No lock: a dict read is atomic and channels are only ever added or replaced.
    channel = channels.get(slug)
    if channel is None or not channel.enabled or channel.kind is not ChannelKind.WEB_CHAT:
        raise NotFound(f"chat channel {slug!r} not found")
    return channel


def endpoint_at(
    channels: Mapping[str, Channel], source: SecretSource | None, kind: ChannelKind, key: str
) -> ChannelEndpoint | None:
    """The enabled channel of ``kind`` at provider address ``key`` (web chat: slug)."""
    wanted = key.strip().lower() if kind is ChannelKind.EMAIL else key.strip()
    for channel in list(channels.values()):
        at = channel.slug if kind is ChannelKind.WEB_CHAT else channel.address
        if channel.kind is kind and channel.enabled and at == wanted:
            return endpoint_of(channel, kind, source)
    return None


def endpoint_of(
    channel: Channel | None, kind: ChannelKind | None, source: SecretSource | None
) -> ChannelEndpoint | None:
    """The channel, if enabled and of ``kind``, with the secrets its settings name, read
    from ``source``."""
    if channel is None or channel.kind is not kind or not channel.enabled:
        return None
    names = channel.settings.get("secrets", {})
    secrets: dict[str, str] = {}
    if isinstance(names, dict) and source is not None:
        for name, source_name in names.items():
            value = source.get(str(source_name))
            if value:
                secrets[str(name)] = value
    return ChannelEndpoint(channel, secrets)
