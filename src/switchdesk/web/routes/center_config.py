"""Configuration of the live center: queues, channels, agent profiles, not-ready reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.channel_settings import (
    SECRETS_KEY,
    secret_names,
    webhook_path,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind, QueueSettings
from switchdesk.domain.routing import Strategy
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require, require_any

router = APIRouter(prefix="/api/v1", tags=["configuration"])


class WrapUpCodeIn(Strict):
    code: str = Field(min_length=1, max_length=64)
    """Lowercase letters, digits, ``-`` and ``_``."""
    label: str = Field(default="", max_length=200)


class QueueIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    """Unique (ignoring case) among the client account's queues."""
    client_account_id: str | None = None
    eligibility: str = Field(default="true", max_length=2000)
    strategy: Strategy = Strategy.LONGEST_IDLE
    offer_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    after_contact_work_seconds: float = Field(default=30.0, ge=0, le=3600)
    threshold_seconds: float = Field(default=20.0, gt=0, le=86400)
    wrap_up_codes: list[WrapUpCodeIn] = Field(default_factory=list, max_length=100)
    wrap_up_required: bool = False
    escalation_queue_id: str | None = None
    first_response_seconds: float | None = Field(default=None, gt=0, le=30 * 86400)
    """The inbox's first-response target (empty: 8 h for email, 1 h for messaging)."""
    next_response_seconds: float | None = Field(default=None, gt=0, le=30 * 86400)
    """The inbox's next-response target (empty: the channel kind's default)."""


class QueueOut(BaseModel):
    id: str
    name: str
    client_account_id: str | None
    routing: dict[str, Any]
    wrap_up_codes: list[dict[str, str]]
    wrap_up_required: bool
    threshold_seconds: float
    escalation_queue_id: str | None
    first_response_seconds: float | None = None
    next_response_seconds: float | None = None
    warnings: list[str] = Field(default_factory=list)
    """What keeps the queue from routing now, e.g. a skill no agent has yet."""

    @classmethod
    def of(cls, q: QueueSettings, warnings: list[str] | None = None) -> QueueOut:
        return cls(
            warnings=list(warnings or []),
            id=q.id,
            name=q.name,
            client_account_id=q.client_account_id,
            routing=q.routing,
            wrap_up_codes=[{"code": c.code, "label": c.label} for c in q.wrap_up_codes],
            wrap_up_required=q.wrap_up_required,
            threshold_seconds=q.threshold_seconds,
            escalation_queue_id=q.escalation_queue_id,
            first_response_seconds=q.first_response_seconds,
            next_response_seconds=q.next_response_seconds,
        )


class ChannelIn(Strict):
    slug: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    queue_id: str = Field(min_length=1, max_length=64)
    kind: ChannelKind = ChannelKind.WEB_CHAT
    address: str = Field(default="", max_length=320)
    settings: dict[str, Any] = Field(default_factory=dict, max_length=50)
    greeting: str = Field(default="", max_length=1000)


class ChannelPatch(Strict):
    """Fields left out stay as they are; ``settings`` replaces the settings as a whole."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    queue_id: str | None = Field(default=None, min_length=1, max_length=64)
    enabled: bool | None = None
    address: str | None = Field(default=None, max_length=320)
    settings: dict[str, Any] | None = Field(default=None, max_length=50)
    greeting: str | None = Field(default=None, max_length=1000)


class SecretStatus(BaseModel):
    """A secret's name and whether the server has it; never its value."""

    name: str
    configured: bool


class ChannelOut(BaseModel):
    id: str
    slug: str
    name: str
    kind: str
    client_account_id: str
    queue_id: str
    greeting: str
    enabled: bool
    address: str
    settings: dict[str, Any]
    """The non-secret settings (secret names are under ``secrets``)."""
    secrets: dict[str, SecretStatus]
    url: str | None
    """The customer chat page (web chat only)."""
    webhook_url: str | None
    """What to give the provider (WhatsApp, Messenger, SMS): the public URL when the
    server knows it (``SWITCHDESK_PUBLIC_URL``), else the path."""
    status_webhook_url: str | None
    """SMS: the delivery status callback; voice: the call status callback."""

    @classmethod
    def of(cls, c: Channel, configured: dict[str, bool], public_url: str = "") -> ChannelOut:
        base = public_url.rstrip("/")
        hook = webhook_path(c.kind, c.slug)
        names = secret_names(c.settings)
        return cls(
            id=c.id,
            slug=c.slug,
            name=c.name,
            kind=c.kind.value,
            client_account_id=c.client_account_id,
            queue_id=c.queue_id,
            greeting=c.greeting,
            enabled=c.enabled,
            address=c.address,
            settings={k: v for k, v in c.settings.items() if k != SECRETS_KEY},
            secrets={
                role: SecretStatus(name=name, configured=configured.get(role, False))
                for role, name in names.items()
            },
            url=f"/chat/{c.slug}" if c.kind is ChannelKind.WEB_CHAT else None,
            webhook_url=base + hook if hook else None,
            status_webhook_url=(
                f"{base}/webhooks/{c.kind.value}-status/{c.slug}"
                if c.kind in (ChannelKind.SMS, ChannelKind.VOICE)
                else None
            ),
        )


class ProfileIn(Strict):
    skills: dict[str, int] = Field(default_factory=dict, max_length=100)
    languages: list[str] = Field(default_factory=list, max_length=50)
    capacity: dict[str, Any] | None = None


class ProfileOut(BaseModel):
    user_id: str
    attributes: dict[str, Any]
    capacity: dict[str, Any]


class ReasonIn(Strict):
    code: str = Field(min_length=1, max_length=64)
    """Lowercase letters, digits, ``-`` and ``_``."""
    label: str = Field(default="", max_length=200)
    """Required: what agents read."""


def _live(request: Request) -> Any:
    return request.app.state.runtime.live


def _queue_args(body: QueueIn) -> dict[str, Any]:
    return {
        "name": body.name,
        "client_account_id": body.client_account_id,
        "eligibility": body.eligibility,
        "strategy": body.strategy,
        "offer_timeout_seconds": body.offer_timeout_seconds,
        "after_contact_work_seconds": body.after_contact_work_seconds,
        "threshold_seconds": body.threshold_seconds,
        "wrap_up_codes": [(c.code, c.label) for c in body.wrap_up_codes],
        "wrap_up_required": body.wrap_up_required,
        "escalation_queue_id": body.escalation_queue_id,
        "first_response_seconds": body.first_response_seconds,
        "next_response_seconds": body.next_response_seconds,
    }


@router.get("/queues")
def list_queues(
    request: Request,
    principal: Principal = require_any(
        Permission.ROUTING_CONFIGURE, Permission.CONVERSATIONS_HANDLE, Permission.TEAM_MONITOR
    ),
) -> list[QueueOut]:
    """The queues of the caller's client accounts (agents, supervisors and configurers)."""
    live = _live(request)
    return [QueueOut.of(q, live.queue_warnings(q)) for q in live.queues(principal)]


@router.post("/queues", status_code=201)
def create_queue(
    body: QueueIn, request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> QueueOut:
    """A bad eligibility expression answers 422 with the position of the error; one that
    reads an attribute agents do not have, 422 ``expression_attribute_unknown`` naming it.
    A name another queue of the client account has (ignoring case) answers 409
    ``queue_name_taken``. A skill no agent has yet is saved, with a warning."""
    live = _live(request)
    queue = live.configure_queue(principal, **_queue_args(body))
    return QueueOut.of(queue, live.queue_warnings(queue))


@router.put("/queues/{queue_id}")
def replace_queue(
    queue_id: str,
    body: QueueIn,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> QueueOut:
    live = _live(request)
    queue = live.configure_queue(principal, queue_id=queue_id, **_queue_args(body))
    return QueueOut.of(queue, live.queue_warnings(queue))


@router.delete("/queues/{queue_id}", status_code=204)
def delete_queue(
    queue_id: str,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> None:
    """Delete a queue. 409 ``queue_not_empty`` (with ``waiting`` and ``active`` counts)
    while conversations wait in it or are handled from it; 409 ``queue_in_use`` (with
    ``used_by``) while a channel, another queue's escalation or a workflow points at it."""
    _live(request).delete_queue(principal, queue_id)


def _channel_out(request: Request, channel: Channel) -> ChannelOut:
    runtime = request.app.state.runtime
    return ChannelOut.of(channel, runtime.live.secret_status(channel), runtime.settings.public_url)


@router.get("/channels")
def list_channels(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> list[ChannelOut]:
    """Channels of every kind; for each secret, its name and whether the server has it."""
    return [_channel_out(request, c) for c in _live(request).channels(principal)]


@router.post("/channels", status_code=201)
def create_channel(
    body: ChannelIn,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> ChannelOut:
    """A channel of any kind. Its address and settings are checked for the kind
    (docs/channels.md): a missing setting answers 422 ``channel_setting_missing``, a bad
    port ``channel_port_invalid``, a bad URL ``channel_url_invalid``, a settings key that
    would hold a secret value ``channel_secret_value_refused`` (secrets are named in
    ``settings.secrets``, never given)."""
    channel = _live(request).add_channel(
        principal,
        kind=body.kind,
        slug=body.slug,
        name=body.name,
        queue_id=body.queue_id,
        address=body.address,
        settings=body.settings,
        greeting=body.greeting,
    )
    return _channel_out(request, channel)


@router.patch("/channels/{channel_id}")
def update_channel(
    channel_id: str,
    body: ChannelPatch,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> ChannelOut:
    """Change a channel's name, queue (same client account), enabled flag, address or
    settings; the slug and kind stay. Checked as on creation."""
    channel = _live(request).update_channel(
        principal,
        channel_id,
        name=body.name,
        queue_id=body.queue_id,
        enabled=body.enabled,
        address=body.address,
        settings=body.settings,
        greeting=body.greeting,
    )
    return _channel_out(request, channel)


@router.delete("/channels/{channel_id}", status_code=204)
def delete_channel(
    channel_id: str,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> None:
    """Delete a channel with no open conversations (past ones keep their history). One
    with open conversations answers 409 ``channel_in_use`` (with ``open_conversations``):
    disable it instead (``PATCH`` with ``enabled: false``)."""
    _live(request).delete_channel(principal, channel_id)


@router.get("/agent-profiles")
def list_profiles(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> list[ProfileOut]:
    return [
        ProfileOut(user_id=p.user_id, attributes=p.attributes, capacity=p.capacity)
        for p in _live(request).agent_profiles(principal)
    ]


@router.put("/agent-profiles/{user_id}")
def set_profile(
    user_id: str,
    body: ProfileIn,
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> ProfileOut:
    """Skills (proficiency 1-5), languages and weighted capacity of an agent.

    ``capacity`` is ``{"total": 1-10000, "costs": {kind: 1-total}, "maximum": {kind: 1-1000}}``
    (default when left out); a bad number answers 422 with the code ``capacity_invalid``."""
    p = _live(request).set_agent_profile(
        principal, user_id, skills=body.skills, languages=body.languages, capacity=body.capacity
    )
    return ProfileOut(user_id=p.user_id, attributes=p.attributes, capacity=p.capacity)


@router.get("/not-ready-reasons")
def list_reasons(
    request: Request,
    principal: Principal = require_any(
        Permission.ROUTING_CONFIGURE, Permission.CONVERSATIONS_HANDLE
    ),
) -> list[ReasonIn]:
    return [ReasonIn(code=r.code, label=r.label) for r in _live(request).reasons()]


@router.put("/not-ready-reasons", status_code=204)
def set_reasons(
    body: list[ReasonIn],
    request: Request,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> None:
    """Replace the whole list: a code left out is removed (past events keep it), a label
    changed is a rename. An empty list or a code listed twice answers 422."""
    _live(request).set_not_ready_reasons(principal, [(r.code, r.label) for r in body])
