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
}
"""What the desk shows for each reason ``reply_allowance`` refuses a free-text reply."""


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
) -> Delivery | None:
    """Queue ``message`` for ``channel``'s sender; None for web chat."""
    kind = IDENTITY_OF_CHANNEL.get(channel.kind)
    if kind is None:
        return None
    address = contact.identity(kind)
    if address is None:
        raise Conflict(
            f"this contact has no {kind.value} address to answer to", code="no_reply_address"
        )
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
        human_agent=human,
        message_tag="HUMAN_AGENT" if allowance.mode is ReplyMode.HUMAN_AGENT_TAG else "",
        quoted=inbound[-1].text if inbound and channel.kind is ChannelKind.EMAIL else "",
    )
    delivery = Delivery(outbound, at, at)
    uow.add_delivery(delivery)
    return delivery
