"""WhatsApp Cloud API: webhook payloads to inbound values, and the sender.

Route the webhook with :func:`switchdesk.adapters.channels.meta.verify_meta_signature`
over the raw body first, then :func:`parse_whatsapp`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from switchdesk.adapters.channels import _http
from switchdesk.adapters.channels.meta import META_TEMPORARY_CODES, api_url, graph_error
from switchdesk.adapters.channels.parsed import ParsedItems, as_dict, as_list, epoch
from switchdesk.domain.conversations.channels import (
    ConsentChange,
    DeliveryFailed,
    DeliveryStatus,
    InboundAttachment,
    InboundMessage,
    OutboundMessage,
    SendResult,
    StatusReport,
)
from switchdesk.domain.conversations.consent import consent_keyword, normalise_keyword
from switchdesk.domain.conversations.model import ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint

_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}

_MEDIA_KINDS = frozenset({"image", "video", "audio", "document", "sticker"})
"""Message types that carry a media id (an attachment recorded ``not_fetched``)."""
_OUTSIDE_WINDOW_CODES = frozenset({"meta_131047"})
"""Meta's "re-engagement message": more than 24 hours since the customer last replied."""


def parse_whatsapp(
    payload: dict[str, Any], *, channel_for: Callable[[str], str | None]
) -> ParsedItems:
    """The messages, consent changes and statuses in a webhook POST (already verified).

    ``channel_for`` maps ``metadata.phone_number_id`` to our channel id (``None``: not
    ours, its items are skipped). Never raises: malformed entries are counted in
    ``skipped``. Text that is exactly an opt-out/opt-in keyword yields a
    ``ConsentChange`` after its ``InboundMessage``.
    """
    items = ParsedItems()
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        items.skip("not a whatsapp_business_account payload")
        return items
    for entry in as_list(payload.get("entry")):
        for change in as_list(as_dict(entry).get("changes")):
            change = as_dict(change)
            if change.get("field") != "messages":
                continue  # template status updates and other fields: not ours here
            value = as_dict(change.get("value"))
            phone_number_id = str(as_dict(value.get("metadata")).get("phone_number_id", ""))
            channel_id = channel_for(phone_number_id) if phone_number_id else None
            messages = as_list(value.get("messages"))
            statuses = as_list(value.get("statuses"))
            if channel_id is None:
                for _ in range(len(messages) + len(statuses)):
                    items.skip("unknown phone_number_id")
                continue
            names = _contact_names(value)
            for raw in messages:
                _message(items, channel_id, as_dict(raw), names)
            for raw in statuses:
                _status(items, channel_id, as_dict(raw))
    return items


def _contact_names(value: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in as_list(value.get("contacts")):
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        name = as_dict(contact.get("profile")).get("name")
        if isinstance(wa_id, str) and isinstance(name, str):
            names[wa_id] = name
    return names


def _placeholder(kind: str, body: dict[str, Any]) -> str:
    """A readable text for a message that is not plain text."""
    if kind == "button":
        return str(body.get("text", "")) or "[button]"
    if kind == "interactive":
        reply = as_dict(body.get("button_reply")) or as_dict(body.get("list_reply"))
        return str(reply.get("title", "")) or "[interactive]"
    if kind == "reaction":
        return f"[reaction {body.get('emoji', '')}]".replace(" ]", "]")
    if kind == "location":
        label = body.get("name") or body.get("address") or ""
        where = f"{body.get('latitude', '?')},{body.get('longitude', '?')}"
        return f"[location {label + ' ' if label else ''}{where}]"
    if kind == "system":
        return f"[system] {body.get('body', '')}".strip()
    caption = body.get("caption") or body.get("filename") or ""
    return f"[{kind}] {caption}".strip()


def _message(
    items: ParsedItems, channel_id: str, raw: dict[str, Any], names: dict[str, str]
) -> None:
    wa_id, wamid, kind = raw.get("from"), raw.get("id"), raw.get("type")
    at = epoch(raw.get("timestamp"))
    if not (isinstance(wa_id, str) and wa_id and isinstance(wamid, str) and wamid):
        items.skip("message without from or id")
        return
    if at is None or not isinstance(kind, str):
        items.skip("message without timestamp or type")
        return
    extra: dict[str, Any] = {}
    media: tuple[InboundAttachment, ...] = ()
    if kind == "text":
        text = as_dict(raw.get("text")).get("body")
        if not isinstance(text, str):
            items.skip("text message without body")
            return
    else:
        body = as_dict(raw.get(kind))
        text = _placeholder(kind, body)
        extra["type"] = kind
        if isinstance(body.get("id"), str):
            extra["media_id"] = body["id"]
        if isinstance(body.get("mime_type"), str):
            extra["mime_type"] = body["mime_type"]
        if kind in _MEDIA_KINDS and isinstance(body.get("id"), str) and body["id"]:
            # Not downloaded (that needs the Graph API): recorded by its media id.
            name = body.get("filename")
            media = (
                InboundAttachment(
                    name if isinstance(name, str) and name else kind,
                    str(body.get("mime_type") or "application/octet-stream"),
                    media_ref=body["id"],
                ),
            )
        if kind == "reaction" and isinstance(body.get("message_id"), str):
            extra["reacted_to"] = body["message_id"]
    context_id = as_dict(raw.get("context")).get("id")
    sender = Identity(IdentityKind.WHATSAPP, wa_id)
    items.append(
        InboundMessage(
            channel_id=channel_id,
            sender=sender,
            sender_name=names.get(wa_id, ""),
            text=text,
            external_id=wamid,
            received_at=at,
            replies_to=(context_id,) if isinstance(context_id, str) and context_id else (),
            automatic=kind == "system",
            attachments=media,
            extra=extra,
        )
    )
    if kind == "text":
        opted_in = consent_keyword(text)
        if opted_in is not None:
            items.append(
                ConsentChange(channel_id, sender, opted_in, at, keyword=normalise_keyword(text))
            )


def _status(items: ParsedItems, channel_id: str, raw: dict[str, Any]) -> None:
    external_id, status = raw.get("id"), _STATUSES.get(str(raw.get("status")))
    at = epoch(raw.get("timestamp"))
    if not (isinstance(external_id, str) and external_id) or status is None or at is None:
        items.skip("status without id, known status or timestamp")
        return
    errors = []
    for error in as_list(raw.get("errors")):
        error = as_dict(error)
        words = [str(error.get("code", "")), str(error.get("title", ""))]
        details = as_dict(error.get("error_data")).get("details") or error.get("message")
        if details and details != error.get("title"):
            words.append(str(details))
        errors.append(" ".join(w for w in words if w))
    items.append(StatusReport(channel_id, external_id, status, at, error="; ".join(errors)))


class WhatsAppSender:
    """Sends text (inside the 24-hour window) or a template through the Cloud API.

    POST ``{api_base_url}/{api_version}/{phone_number_id}/messages`` with the channel's
    ``access_token`` secret as bearer token; ``phone_number_id`` is the channel's
    ``address``. Pass ``client`` to share a connection pool (its timeout applies);
    otherwise the sender makes its own with ``timeout`` seconds.
    """

    kind = ChannelKind.WHATSAPP

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutboundMessage, endpoint: ChannelEndpoint) -> SendResult:
        channel = endpoint.channel
        token = endpoint.secret("access_token")
        if not token or not channel.address:
            raise DeliveryFailed(
                "WhatsApp channel has no access token or phone number id",
                permanent=True,
                code="not_configured",
            )
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.value,
        }
        if message.template is not None:
            template: dict[str, Any] = {
                "name": message.template.name,
                "language": {"code": message.template.language},
            }
            if message.template.parameters:
                template["components"] = [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": p} for p in message.template.parameters
                        ],
                    }
                ]
            body["type"] = "template"
            body["template"] = template
        else:
            body["type"] = "text"
            body["text"] = {"body": message.text, "preview_url": False}
        if message.in_reply_to:
            body["context"] = {"message_id": message.in_reply_to}
        answer = _http.post(
            self._client,
            api_url(channel.settings, f"{channel.address}/messages"),
            read_error=_whatsapp_error,
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            temporary_codes=META_TEMPORARY_CODES,
        )
        sent = as_list(answer.get("messages"))
        external_id = as_dict(sent[0]).get("id") if sent else None
        if not isinstance(external_id, str) or not external_id:
            raise DeliveryFailed(
                "WhatsApp accepted the message without an id", permanent=False, code="bad_answer"
            )
        return SendResult(external_id)


def _whatsapp_error(status: int, body: Any) -> tuple[str, str]:
    detail, code = graph_error(status, body)
    return detail, ("window_closed" if code in _OUTSIDE_WINDOW_CODES else code)
