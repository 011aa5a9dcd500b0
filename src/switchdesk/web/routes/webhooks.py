"""Messaging providers' webhooks: ``/webhooks/<kind>/<slug>`` for each channel.

Public (providers have no account here), but every POST is verified by the provider's
signature over the raw body before anything is parsed; the work is done by the channel
adapters behind ``WebhookHandler`` (``adapters/channels/webhooks.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from switchdesk.domain.errors import NotFound
from switchdesk.usecases.channel_ports import WebhookHandler, WebhookRequest
from switchdesk.web.errors import problem
from switchdesk.web.openapi import problem_responses
from switchdesk.web.security import public

router = APIRouter(tags=["webhooks"])

PROVIDERS = "messaging providers call these; each POST is verified by its signature"


# A provider's webhook can also be told 405 (a handshake where none exists) and 503 (the
# core refused the items for now, e.g. ``busy``: the provider retries).
ALSO = {
    200: {
        "description": "taken: plain text (a handshake's challenge, ``ok``), or XML (TwiML)",
        "content": {"text/plain": {"schema": {"type": "string"}}, "application/xml": {}},
    },
    **problem_responses(405, 503),
}


@router.get("/webhooks/{kind}/{slug}", responses=ALSO, dependencies=[public(PROVIDERS)])
async def webhook_handshake(kind: str, slug: str, request: Request) -> Response:
    """Meta's verification handshake (WhatsApp, Messenger)."""
    return await _handle(kind, slug, request)


@router.post("/webhooks/{kind}/{slug}", responses=ALSO, dependencies=[public(PROVIDERS)])
async def webhook(kind: str, slug: str, request: Request) -> Response:
    """WhatsApp (`whatsapp`), Messenger (`messenger`), SMS (`sms`, and `sms-status` for
    status callbacks), Twilio voice (`voice`, answered with TwiML, and `voice-status`)."""
    return await _handle(kind, slug, request)


async def _handle(kind: str, slug: str, request: Request) -> Response:
    runtime = request.app.state.runtime
    handler: WebhookHandler | None = runtime.webhooks.get(kind)
    if handler is None:
        raise NotFound(f"no webhook for {kind!r}")
    base = runtime.settings.public_url.rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    answer = await handler.handle(
        slug,
        WebhookRequest(
            method=request.method,
            public_url=f"{base}{request.url.path}{query}" if base else "",
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params),
            body=await request.body(),
        ),
    )
    if answer.status >= 400:
        return problem(answer.status, answer.code or "bad_request", answer.body)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
