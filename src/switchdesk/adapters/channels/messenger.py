"""Messenger and Instagram messaging (Messenger Platform): webhook events to inbound
values, and the Send API sender.

Verify ``X-Hub-Signature-256`` with :func:`switchdesk.adapters.channels.meta.verify_meta_signature`
first. Limitation: a Messenger ``read`` event carries only a ``watermark`` (everything sent
before that time was read), not message ids; :func:`parse_messenger` reports statuses only
for the ids an event lists (``delivery.mids``, Instagram's ``read.mid``), so a
watermark-only read yields no ``StatusReport``. Such events are returned, by page, in
``ParsedItems.watermarks`` for a core that can mark by time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from switchdesk.adapters.channels import _http
from switchdesk.adapters.channels.meta import META_TEMPORARY_CODES, api_url, graph_error
from switchdesk.adapters.channels.parsed import ParsedItems, as_dict, as_list, epoch
from switchdesk.domain.conversations.channels import (
    DeliveryFailed,
    DeliveryStatus,
    InboundAttachment,
    InboundMessage,
    OutboundMessage,
    SendResult,
    StatusReport,
)
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint

HUMAN_AGENT = "HUMAN_AGENT"
_OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2018108, 2534022})


class MessengerItems(ParsedItems):
    """``ParsedItems`` plus the watermark-only read receipts:
    (channel id, contact PSID, read everything up to this time)."""

    def __init__(self) -> None:
        super().__init__()
        self.watermarks: list[tuple[str, str, datetime]] = []


def parse_messenger(
    payload: dict[str, Any], *, channel_for: Callable[[str], str | None]
) -> MessengerItems:
    """Messages, postbacks, deliveries and reads in a ``page`` or ``instagram`` webhook.

    ``channel_for`` maps the page (or Instagram account) id, ``recipient.id``, to our
    channel id. Echoes of our own messages are ignored. Never raises: malformed events and
    events for unknown pages are counted in ``skipped``.
    """
    items = MessengerItems()
    if not isinstance(payload, dict) or payload.get("object") not in ("page", "instagram"):
        items.skip("not a page or instagram payload")
        return items
    for entry in as_list(payload.get("entry")):
        for event in as_list(as_dict(entry).get("messaging")):
            _event(items, as_dict(event), channel_for)
    return items


def _event(
    items: MessengerItems, event: dict[str, Any], channel_for: Callable[[str], str | None]
) -> None:
    message = as_dict(event.get("message"))
    if message.get("is_echo"):
        return
    sender_id = as_dict(event.get("sender")).get("id")
    page_id = as_dict(event.get("recipient")).get("id")
    at = epoch(event.get("timestamp"), millis=True)
    if not (isinstance(sender_id, str) and sender_id and isinstance(page_id, str)):
        items.skip("event without sender or recipient")
        return
    channel_id = channel_for(page_id)
    if channel_id is None:
        items.skip("unknown page id")
        return
    if at is None:
        items.skip("event without timestamp")
        return
    sender = Identity(IdentityKind.MESSENGER, sender_id)
    if message:
        _message(items, channel_id, sender, at, message)
    elif "postback" in event:
        postback = as_dict(event.get("postback"))
        mid = postback.get("mid")
        title = postback.get("title")
        if not isinstance(mid, str) or not mid:
            mid = f"postback:{sender_id}:{event.get('timestamp')}"
        items.append(
            InboundMessage(
                channel_id,
                sender,
                "",
                str(title) if title else "[postback]",
                mid,
                at,
                extra={"type": "postback", "payload": postback.get("payload")},
            )
        )
    elif "delivery" in event:
        delivery = as_dict(event.get("delivery"))
        _statuses(items, channel_id, at, DeliveryStatus.DELIVERED, delivery)
        if not as_list(delivery.get("mids")):
            _watermark(items, channel_id, sender_id, delivery, status="delivery")
    elif "read" in event:
        read = as_dict(event.get("read"))
        if not _statuses(items, channel_id, at, DeliveryStatus.READ, read):
            _watermark(items, channel_id, sender_id, read, status="read")
    else:
        items.skip("unsupported event")


def _message(
    items: MessengerItems,
    channel_id: str,
    sender: Identity,
    at: datetime,
    message: dict[str, Any],
) -> None:
    mid = message.get("mid")
    if not isinstance(mid, str) or not mid:
        items.skip("message without mid")
        return
    text = message.get("text")
    extra: dict[str, Any] = {}
    attachments = [as_dict(a) for a in as_list(message.get("attachments"))]
    if attachments:
        extra["attachments"] = [
            {"type": a.get("type"), "url": as_dict(a.get("payload")).get("url")}
            for a in attachments
        ]
    if not isinstance(text, str) or not text:
        kinds = [str(a.get("type") or "attachment") for a in attachments] or ["empty"]
        text = " ".join(f"[{k}]" for k in kinds)
        extra["type"] = kinds[0]
    media = tuple(
        InboundAttachment(
            str(a.get("type") or "attachment"),
            "application/octet-stream",  # Messenger names a kind (image...), no MIME type
            media_ref=url,
        )
        for a in attachments
        if isinstance(url := as_dict(a.get("payload")).get("url"), str) and url
    )  # not downloaded: recorded ``not_fetched`` with the provider's URL
    quick = as_dict(message.get("quick_reply")).get("payload")
    if quick is not None:
        extra["quick_reply"] = quick
    reply_to = as_dict(message.get("reply_to")).get("mid")
    items.append(
        InboundMessage(
            channel_id,
            sender,
            "",
            text,
            mid,
            at,
            replies_to=(reply_to,) if isinstance(reply_to, str) and reply_to else (),
            attachments=media,
            extra=extra,
        )
    )


def _statuses(
    items: MessengerItems,
    channel_id: str,
    at: datetime,
    status: DeliveryStatus,
    body: dict[str, Any],
) -> bool:
    mids = [m for m in as_list(body.get("mids")) if isinstance(m, str) and m]
    if isinstance(body.get("mid"), str) and body["mid"]:
        mids.append(body["mid"])
    for mid in mids:
        items.append(StatusReport(channel_id, mid, status, at))
    return bool(mids)


def _watermark(
    items: MessengerItems, channel_id: str, psid: str, body: dict[str, Any], *, status: str
) -> None:
    mark = epoch(body.get("watermark"), millis=True)
    if mark is None:
        items.skip(f"{status} without mids or watermark")
    elif status == "read":
        items.watermarks.append((channel_id, psid, mark))


class MessengerSender:
    """Sends through the Send API: POST ``{api_base_url}/{api_version}/me/messages`` with
    the page access token (secret ``access_token``) in the ``Authorization`` header, not
    the URL (so it stays out of access logs).

    Inside the window: ``messaging_type: RESPONSE``. With ``message.message_tag`` set (the
    core sets ``HUMAN_AGENT`` after 24 h): ``MESSAGE_TAG`` + the tag; a ``HUMAN_AGENT``
    tag on a message no person wrote (``human_agent=False``) is refused, permanently.
    """

    kind = ChannelKind.MESSENGER

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        token = endpoint.secret("access_token")
        if not token:
            raise DeliveryFailed(
                "Messenger channel has no page access token", permanent=True, code="not_configured"
            )
        body: dict[str, Any] = {"recipient": {"id": message.to.value}}
        if message.message_tag:
            if message.message_tag == HUMAN_AGENT and not message.human_agent:
                raise DeliveryFailed(
                    "HUMAN_AGENT may only carry a reply a person wrote",
                    permanent=True,
                    code="window_closed",
                )
            body["messaging_type"] = "MESSAGE_TAG"
            body["tag"] = message.message_tag
        else:
            body["messaging_type"] = "RESPONSE"
        body["message"] = {"text": message.text}
        answer = _http.post(
            self._client,
            api_url(endpoint.channel.settings, "me/messages"),
            read_error=_messenger_error,
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            temporary_codes=META_TEMPORARY_CODES,
        )
        external_id = answer.get("message_id")
        if not isinstance(external_id, str) or not external_id:
            raise DeliveryFailed(
                "Messenger accepted the message without an id", permanent=False, code="bad_answer"
            )
        return SendResult(external_id)


def _messenger_error(status: int, body: Any) -> tuple[str, str]:
    detail, code = graph_error(status, body)
    sub = as_dict(as_dict(body).get("error")).get("error_subcode")
    return detail, ("window_closed" if sub in _OUTSIDE_WINDOW_SUBCODES else code)
