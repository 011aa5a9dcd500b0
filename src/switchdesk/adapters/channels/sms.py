"""Twilio-style SMS: the ``X-Twilio-Signature`` check, inbound and status callbacks to
channel-neutral values, and the Messages API sender.

The signature covers the URL Twilio called. Behind a proxy or TLS offloader the request's
own host and scheme differ from it, so the caller passes the channel's CONFIGURED public
webhook URL (plus the query string, if it configured one), never one rebuilt from the
request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from switchdesk.adapters.channels import _http
from switchdesk.adapters.channels.parsed import ParsedItems, as_dict
from switchdesk.domain.conversations.channels import (
    ConsentChange,
    DeliveryFailed,
    DeliveryStatus,
    InboundMessage,
    OutboundMessage,
    SendResult,
    StatusReport,
)
from switchdesk.domain.conversations.consent import consent_keyword, normalise_keyword
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint

SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_API_BASE = "https://api.twilio.com"

_STATUSES = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_OPT_OUT_TYPES = {"STOP": False, "START": True}
_PERMANENT_ERRORS = {"21610": "opted_out", "21211": "invalid_number", "21614": "invalid_number"}


def twilio_signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """base64(HMAC-SHA1(auth token, url + name+value of each POST parameter by name))."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_signature(
    public_url: str, params: Mapping[str, str], header: str | None, tokens: Sequence[str]
) -> bool:
    """Whether ``header`` signs ``params`` posted to ``public_url`` (the configured public
    URL) under one of ``tokens`` (the auth token; two during a rotation)."""
    if not header:
        return False
    given = header.strip().encode()
    ok = False
    for token in tokens:
        if token:
            expected = twilio_signature(public_url, params, token).encode()
            ok = hmac.compare_digest(expected, given) or ok
    return ok


def parse_twilio_sms(
    params: Mapping[str, str], *, channel_for: Callable[[str], str | None], now: datetime
) -> ParsedItems:
    """An inbound SMS callback: the ``InboundMessage`` (sender ``Identity(PHONE, From)``,
    ``external_id`` = ``MessageSid``, channel by the ``To`` number), then a
    ``ConsentChange`` when Twilio reports ``OptOutType`` STOP/START or the body is an
    opt-out/opt-in keyword. Twilio sends no time, so ``now`` is the received time."""
    items = ParsedItems()
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender, to = params.get("From", ""), params.get("To", "")
    if not (sid and sender and to):
        items.skip("sms without MessageSid, From or To")
        return items
    channel_id = channel_for(to)
    if channel_id is None:
        items.skip("unknown To number")
        return items
    body = params.get("Body", "")
    media = []
    try:
        count = int(params.get("NumMedia", "0") or 0)
    except ValueError:
        count = 0
    for n in range(min(count, 10)):
        url = params.get(f"MediaUrl{n}")
        if url:
            media.append({"url": url, "content_type": params.get(f"MediaContentType{n}", "")})
    extra: dict[str, Any] = {"media": media} if media else {}
    text = body or " ".join("[media]" for _ in media)
    identity = Identity(IdentityKind.PHONE, sender)
    items.append(
        InboundMessage(
            channel_id, identity, params.get("ProfileName", ""), text, sid, now, extra=extra
        )
    )
    opt_type = params.get("OptOutType", "").strip().upper()
    opted_in = _OPT_OUT_TYPES.get(opt_type) if opt_type else consent_keyword(body)
    if opted_in is not None:
        keyword = normalise_keyword(body) or opt_type
        items.append(ConsentChange(channel_id, identity, opted_in, now, keyword=keyword))
    return items


def parse_twilio_status(
    params: Mapping[str, str], *, channel_for: Callable[[str], str | None], now: datetime
) -> ParsedItems:
    """A status callback for one of our messages: a ``StatusReport`` (queued, sent,
    delivered, undelivered and failed -> FAILED, with ``ErrorCode``), channel by our
    ``From`` number."""
    items = ParsedItems()
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = _STATUSES.get(params.get("MessageStatus") or params.get("SmsStatus") or "")
    if not sid or status is None:
        items.skip("status without MessageSid or known MessageStatus")
        return items
    channel_id = channel_for(params.get("From", ""))
    if channel_id is None:
        items.skip("unknown From number")
        return items
    code = params.get("ErrorCode", "")
    error = " ".join(w for w in (code, params.get("ErrorMessage", "")) if w)
    items.append(StatusReport(channel_id, sid, status, now, error=error))
    return items


class TwilioSmsSender:
    """Sends an SMS: form POST to ``{api_base_url}/2010-04-01/Accounts/{account_sid}/
    Messages.json`` with basic auth (``account_sid`` setting, ``auth_token`` secret), From
    the channel's ``address`` (or the ``messaging_service_sid`` setting), and the
    ``status_callback_url`` setting as StatusCallback when present."""

    kind = ChannelKind.SMS

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        settings = endpoint.channel.settings
        account_sid = str(settings.get("account_sid", ""))
        token = endpoint.secret("auth_token")
        if not account_sid or not token:
            raise DeliveryFailed(
                "SMS channel has no account sid or auth token",
                permanent=True,
                code="not_configured",
            )
        form = {"To": message.to.value, "Body": message.text}
        service = settings.get("messaging_service_sid")
        if service:
            form["MessagingServiceSid"] = str(service)
        else:
            form["From"] = endpoint.channel.address
        if settings.get("status_callback_url"):
            form["StatusCallback"] = str(settings["status_callback_url"])
        base = str(settings.get("api_base_url") or DEFAULT_API_BASE).rstrip("/")
        answer = _http.post(
            self._client,
            f"{base}/2010-04-01/Accounts/{account_sid}/Messages.json",
            read_error=_twilio_error,
            data=form,
            auth=(account_sid, token),
        )
        sid = answer.get("sid")
        if not isinstance(sid, str) or not sid:
            raise DeliveryFailed(
                "Twilio accepted the message without a sid", permanent=False, code="bad_answer"
            )
        return SendResult(sid, _STATUSES.get(str(answer.get("status")), DeliveryStatus.QUEUED))


def _twilio_error(status: int, body: Any) -> tuple[str, str]:
    error = as_dict(body)
    code = str(error.get("code", "")) if error else ""
    message = str(error.get("message", "")) if error else ""
    if not code:
        return f"Twilio answered HTTP {status}", f"http_{status}"
    return f"Twilio error {code}: {message}", _PERMANENT_ERRORS.get(code, f"twilio_{code}")
