"""Replies that leave through a channel adapter: an agent's message on an email, WhatsApp,
Messenger or SMS conversation is queued for delivery in the same transaction as the
message (``usecases/deliveries.py`` sends it after the commit). Web chat needs no
delivery: its customer reads the conversation's live feed."""

from __future__ import annotations

from datetime import datetime

from switchdesk.domain.conversations.channels import OutboundMessage
from switchdesk.domain.conversations.model import (
    AuthorKind,
    Channel,
    ChannelKind,
    Contact,
    Conversation,
    Identity,
    IdentityKind,
    Message,
)
from switchdesk.domain.conversations.reachability import REFUSAL_TEXT, send_refusal
from switchdesk.domain.conversations.windows import ReplyMode, reply_allowance
from switchdesk.domain.errors import Conflict
from switchdesk.usecases.deliveries import Delivery
from switchdesk.usecases.live_ports import LiveUnitOfWork

IDENTITY_OF_CHANNEL = {
    ChannelKind.EMAIL: IdentityKind.EMAIL,
    ChannelKind.WHATSAPP: IdentityKind.WHATSAPP,
    ChannelKind.MESSENGER: IdentityKind.MESSENGER,
    ChannelKind.SMS: IdentityKind.PHONE,
}
REFERENCES_KEPT = 20
REFUSALS = {
    "template_required": "the 24-hour window has closed: only an approved template can be sent now",
    "window_closed": "the messaging window has closed: this contact must write first",
    **REFUSAL_TEXT,
}
"""What the desk shows for each reason a reply is refused: ``reply_allowance``'s window
reasons, and ``contact_opted_out`` / ``address_undeliverable`` (``reachability.py``)."""


def subject_of(uow: LiveUnitOfWork, conv: Conversation) -> str:
    """The subject the conversation started with (email), from its timeline."""
    for entry in uow.timeline(conv.id):
        subject = entry.detail.get("subject")
        if isinstance(subject, str) and subject:
            return subject
    return ""


def queue_reply(
    uow: LiveUnitOfWork,
    channel: Channel,
    conv: Conversation,
    contact: Contact,
    message: Message,
    at: datetime,
    *,
    automatic: bool = False,
) -> Delivery | None:
    """Queue ``message`` for ``channel``'s sender; None for web chat. ``automatic`` marks
    mail no person wrote (an acknowledgement): it carries ``Auto-Submitted``."""
    kind = IDENTITY_OF_CHANNEL.get(channel.kind)
    if kind is None:
        return None
    address = contact.identity(kind)
    if address is None:
        raise Conflict(
            f"this contact has no {kind.value} address to answer to", code="no_reply_address"
        )
    refused = refusal_for(uow, channel.id, conv, Identity(kind, address))
    if refused is not None:
        raise Conflict(REFUSALS[refused], code=refused)
    inbound = [m for m in uow.messages(conv.id) if m.author_kind is AuthorKind.CONTACT]
    human = message.author_kind is AuthorKind.AGENT
    allowance = reply_allowance(channel.kind, inbound[-1].at if inbound else None, at, human=human)
    if allowance.mode in (ReplyMode.TEMPLATE_ONLY, ReplyMode.REFUSED):
        raise Conflict(REFUSALS[allowance.reason], code=allowance.reason)
    references = uow.external_ids(conv.id)
    outbound = OutboundMessage(
        delivery_id=message.id,
        message_id=message.id,
        conversation_id=conv.id,
        channel_id=channel.id,
        to=Identity(kind, address),
        to_name=contact.name,
        text=message.text,
        subject=subject_of(uow, conv),
        in_reply_to=references[-1] if references else None,
        references=tuple(references[-REFERENCES_KEPT:]),
        automatic=automatic,
        human_agent=human and not automatic,
        message_tag="HUMAN_AGENT" if allowance.mode is ReplyMode.HUMAN_AGENT_TAG else "",
        quoted=inbound[-1].text if inbound and channel.kind is ChannelKind.EMAIL else "",
    )
    delivery = Delivery(outbound, at, at)
    uow.add_delivery(delivery)
    return delivery


def refusal_for(
    uow: LiveUnitOfWork, channel_id: str, conv: Conversation, to: Identity
) -> str | None:
    """Why nothing may be sent to ``to`` on the channel now (None: it may): the contact's
    opt-out on that channel, or a permanent bounce of the address."""
    consent = uow.consent(conv.contact_id, channel_id)
    bounced = uow.undeliverable(conv.client_account_id, to.kind, to.value)
    return send_refusal(consent, bounced)


def delivery_refusal(uow: LiveUnitOfWork, message: OutboundMessage) -> tuple[str, str] | None:
    """The dispatcher's check at send time (a reply queued before a STOP or a bounce
    arrived): ``(code, text)`` when the message must not go, None when it may."""
    conv = uow.conversation(message.conversation_id)
    if conv is None:
        return None
    code = refusal_for(uow, message.channel_id, conv, message.to)
    return (code, REFUSALS[code]) if code is not None else None
