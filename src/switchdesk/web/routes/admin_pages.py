"""Admin pages for the live center's configuration (the API does the work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.channel_settings import KINDS
from switchdesk.domain.conversations.model import AgentProfile, QueueSettings
from switchdesk.domain.routing import Strategy
from switchdesk.usecases.live.capacity import DEFAULT_CAPACITY_PROFILE
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import templates
from switchdesk.web.routes.center_config import ChannelOut
from switchdesk.web.security import require

router = APIRouter(tags=["admin pages"])


def _queue_form(q: QueueSettings) -> dict[str, Any]:
    """What the queue form needs to edit a queue (the same fields as ``PUT /queues/{id}``)."""
    return {
        "id": q.id,
        "name": q.name,
        "client_account_id": q.client_account_id or "",
        "eligibility": q.routing.get("eligibility", "true"),
        "strategy": q.routing.get("strategy", Strategy.LONGEST_IDLE.value),
        "offer_timeout_seconds": q.routing.get("offer_timeout_seconds", 30),
        "after_contact_work_seconds": q.routing.get("after_contact_work_seconds", 30),
        "threshold_seconds": q.threshold_seconds,
        "escalation_queue_id": q.escalation_queue_id or "",
        "wrap_up_codes": ", ".join(
            c.code if c.label in ("", c.code) else f"{c.code}={c.label}" for c in q.wrap_up_codes
        ),
        "wrap_up_required": q.wrap_up_required,
    }


def _profile_form(p: AgentProfile) -> dict[str, Any]:
    return {
        "user_id": p.user_id,
        "skills": p.attributes.get("skills", {}),
        "languages": p.attributes.get("languages", []),
        "capacity": p.capacity,
    }


def _channel_kinds(profiles: list[AgentProfile]) -> list[str]:
    """The kinds the capacity editor offers: the defaults and any an agent already has."""
    kinds: set[str] = set(DEFAULT_CAPACITY_PROFILE["costs"])
    for p in profiles:
        kinds.update(p.capacity.get("costs", {}), p.capacity.get("maximum", {}))
    return sorted(kinds)


@router.get("/admin/center", response_class=HTMLResponse, include_in_schema=False)
def center_page(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> Response:
    runtime = request.app.state.runtime
    live = runtime.live
    accounts = runtime.accounts
    users = (
        {u.id: u for u in accounts.list_users(principal)}
        if principal.can(Permission.USERS_READ)
        else {}
    )
    client_accounts = {a.id: a.name for a in accounts.list_client_accounts(principal)}
    queues = live.queues(principal)
    profiles = live.agent_profiles(principal)
    return templates.TemplateResponse(
        request,
        "admin_center.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "queues": queues,
            "queue_names": {q.id: q.name for q in queues},
            "queue_forms": {q.id: _queue_form(q) for q in queues},
            "queue_warnings": {q.id: live.queue_warnings(q) for q in queues},
            "channels": [
                ChannelOut.of(c, live.secret_status(c), runtime.settings.public_url)
                for c in live.channels(principal)
            ],
            "channel_address_labels": {k.value: spec.address_label for k, spec in KINDS.items()},
            "public_url": runtime.settings.public_url.rstrip("/"),
            "profiles": profiles,
            "profile_forms": {p.user_id: _profile_form(p) for p in profiles},
            "channel_kinds": _channel_kinds(profiles),
            "default_capacity": DEFAULT_CAPACITY_PROFILE,
            "reasons": live.reasons(),
            "users": users,
            "client_accounts": client_accounts,
            "strategies": [s.value for s in Strategy],
            "shows_kept_mail": principal.can(Permission.MAIL_UNPARSED_READ),
        },
    )


@router.get("/admin/voice-flows", response_class=HTMLResponse, include_in_schema=False)
def voice_flows_page(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> Response:
    """IVR flows: the newest version of each, an editor that checks and stores versions
    through the flow API (``/api/v1/voice/flows``)."""
    flows = request.app.state.runtime.voice_flows.list(principal)
    return templates.TemplateResponse(
        request,
        "admin_voice_flows.html",
        {
            "user": principal.user,
            "csrf_token": principal.csrf_token or "",
            "flows": flows,
        },
    )
