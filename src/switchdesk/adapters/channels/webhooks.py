"""The messaging providers' webhooks behind one shape (``WebhookHandler``): verify the
signature over the raw body before anything else, normalise with the provider's parser,
hand messages to the conversation core and statuses to the delivery dispatcher, answer.

Each channel has its own URL, ``/webhooks/<kind>/<slug>``, and its own secrets (two may be
configured during a rotation: ``app_secret`` and ``app_secret_previous``)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from switchdesk.adapters.channels.messenger import parse_messenger
from switchdesk.adapters.channels.meta import (
    SIGNATURE_HEADER,
    answer_challenge,
    verify_meta_signature,
)
from switchdesk.adapters.channels.parsed import ParsedItems
from switchdesk.adapters.channels.sms import (
    SIGNATURE_HEADER as TWILIO_HEADER,
)
from switchdesk.adapters.channels.sms import (
    parse_twilio_sms,
    parse_twilio_status,
    verify_twilio_signature,
)
from switchdesk.adapters.channels.whatsapp import parse_whatsapp
from switchdesk.domain.conversations.channels import InboundItem, StatusReport
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.errors import SwitchdeskError
from switchdesk.usecases.channel_ports import (
    ChannelEndpoint,
    WebhookAnswer,
    WebhookRequest,
)

log = logging.getLogger("switchdesk.webhooks")


class Intake:
    """What the handlers need from the core (the live center and the dispatcher)."""

    def __init__(
        self,
        endpoint_by_slug: Callable[[ChannelKind, str], ChannelEndpoint | None],
        receive: Callable[[Sequence[InboundItem]], Future[None]],
        apply_status: Callable[[StatusReport], object],
    ) -> None:
        self.endpoint_by_slug = endpoint_by_slug
        self.receive = receive
        self.apply_status = apply_status

    async def hand_over(self, items: ParsedItems) -> WebhookAnswer:
        statuses = [i for i in items if isinstance(i, StatusReport)]
        others = [i for i in items if not isinstance(i, StatusReport)]
        try:
            if others:
                await asyncio.wrap_future(self.receive(others))
            for report in statuses:
                await asyncio.to_thread(self.apply_status, report)
        except SwitchdeskError as exc:
            # Refused by the core: the provider retries later, nothing is lost.
            log.warning("webhook items refused: %s", exc.code)
            return WebhookAnswer(503, exc.detail, exc.code)
        if items.skipped:
            log.info("webhook: %d item(s) skipped: %s", items.skipped, sorted(set(items.reasons)))
        return WebhookAnswer(200, "ok")


def _only(endpoint: ChannelEndpoint) -> Callable[[str], str | None]:
    """The parsers' channel lookup for a URL that names one channel: the payload's
    provider address must be that channel's, or its items are skipped."""
    channel = endpoint.channel
    return lambda key: channel.id if key == channel.address else None


def _secrets(endpoint: ChannelEndpoint, name: str) -> list[str]:
    return [s for s in (endpoint.secret(name), endpoint.secret(f"{name}_previous")) if s]


class MetaWebhooks:
    """WhatsApp Cloud API and Messenger: the GET verification handshake, then signed POSTs."""

    def __init__(self, kind: ChannelKind, intake: Intake) -> None:
        self.kind = kind
        self._intake = intake

    async def handle(self, slug: str, request: WebhookRequest) -> WebhookAnswer:
        endpoint = self._intake.endpoint_by_slug(self.kind, slug)
        if endpoint is None:
            return WebhookAnswer(404, f"no {self.kind.value} channel {slug!r}", "not_found")
        if request.method == "GET":
            challenge = answer_challenge(request.query, endpoint.secret("verify_token"))
            if challenge is None:
                return WebhookAnswer(403, "the verify token does not match", "verify_token_invalid")
            return WebhookAnswer(200, challenge)
        secrets = _secrets(endpoint, "app_secret")
        if not secrets:
            return WebhookAnswer(403, "this channel has no app secret configured", "not_configured")
        if not verify_meta_signature(
            request.body, request.headers.get(SIGNATURE_HEADER.lower()), secrets
        ):
            return WebhookAnswer(401, "the signature does not match the body", "signature_invalid")
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError):
            return WebhookAnswer(400, "the body is not JSON", "malformed_json")
        parse = parse_whatsapp if self.kind is ChannelKind.WHATSAPP else parse_messenger
        return await self._intake.hand_over(parse(payload, channel_for=_only(endpoint)))


class TwilioSmsWebhooks:
    """Twilio-style SMS: signed form posts for inbound messages and status callbacks."""

    def __init__(self, intake: Intake, *, status: bool) -> None:
        self._intake = intake
        self._status = status

    async def handle(self, slug: str, request: WebhookRequest) -> WebhookAnswer:
        endpoint = self._intake.endpoint_by_slug(ChannelKind.SMS, slug)
        if endpoint is None:
            return WebhookAnswer(404, f"no sms channel {slug!r}", "not_found")
        if request.method != "POST":
            return WebhookAnswer(405, "webhooks are POSTed", "method_not_allowed")
        tokens = _secrets(endpoint, "auth_token")
        if not tokens or not request.public_url:
            return WebhookAnswer(
                403, "this channel has no auth token or public URL configured", "not_configured"
            )
        try:
            params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return WebhookAnswer(400, "the form is not UTF-8", "bad_request")
        header = request.headers.get(TWILIO_HEADER.lower())
        if not verify_twilio_signature(request.public_url, params, header, tokens):
            return WebhookAnswer(401, "the signature does not match", "signature_invalid")
        parse = parse_twilio_status if self._status else parse_twilio_sms
        items = parse(params, channel_for=_only(endpoint), now=datetime.now(UTC))
        answer = await self._intake.hand_over(items)
        if answer.status == 200 and not self._status:
            # An empty TwiML answer: we reply later, from the desk.
            return WebhookAnswer(200, "<Response/>", media_type="application/xml")
        return answer
