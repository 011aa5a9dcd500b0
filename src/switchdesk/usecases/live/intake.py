"""Inbound traffic from any channel adapter, channel-neutral: find or create the contact
by the sender's identity, drop duplicates by the provider's id, choose the conversation
(``domain/conversations/threading.py``), store the message, and route what needs a person.
A session channel (web chat) names the conversation it authenticated instead: no identity
lookup or threading, duplicates dropped by the sender's idempotency key in it.

Runs inside the live center's writer, in the batch's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from switchdesk.domain.conversations.channels import (
    ROUTING_KIND,
    Bounce,
    ConsentChange,
    InboundItem,
    InboundMessage,
)
from switchdesk.domain.conversations.contact_matching import (
    SAME_PHONE,
    linked_identities,
    pick_unique,
)
from switchdesk.domain.conversations.model import (
    AuthorKind,
    Channel,
    ChannelKind,
    Contact,
    Conversation,
    ConversationState,
    Identity,
    IdentityKind,
    Message,
)
from switchdesk.domain.conversations.reachability import (
    AUTO_REPLY_WINDOW,
    ConsentRecord,
    UndeliverableAddress,
    consent_changes,
    may_auto_reply,
)
from switchdesk.domain.conversations.threading import (
    REFERENCE_THREADED,
    Candidate,
    choose_thread,
)
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.usecases.live.attachments import (
    AttachmentCore,
    attachment_view,
    store_attachments,
)
from switchdesk.usecases.live.conversations import (
    ConversationCore,
    add_message,
    add_timeline,
    at_time,
    enqueue,
    move,
    open_conversation,
)
from switchdesk.usecases.live.outbound import queue_reply, refusal_for
from switchdesk.usecases.live.views import delivery_frame, message_view
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork

NAME_MAX_CHARS = 200
TEXT_MAX_CHARS = 100_000
"""Longer inbound text (a long mail) is kept up to here, with a note that it was cut."""
AUTO_ACKNOWLEDGE_SETTING = "auto_acknowledge"
"""An email channel's setting: the text of the acknowledgement sent when a person's mail
starts a new conversation (empty or absent: none is sent)."""
KEYWORD_MAX_CHARS = 64
DIAGNOSTIC_MAX_CHARS = 2000
SESSION_KEY_MAX_CHARS = 100
"""The longest idempotency key of a session channel's message (``messages.client_id``)."""


@dataclass(frozen=True, slots=True)
class Received:
    """What the core did with one inbound item: the conversation it went to (None: none,
    e.g. a provider's retry) and, for a message, the stored message (for a session
    channel's repeat: the one stored the first time)."""

    conversation_id: str | None
    message: Message | None = None


class IntakeCore(ConversationCore, AttachmentCore, Protocol):
    """The parts of the live center that inbound handling uses."""

    def channel_by_id(self, channel_id: str) -> Channel | None: ...


def receive_item(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, out: Outbox, item: InboundItem
) -> Received:
    """Handle one item, from any channel's adapter (see :class:`Received`)."""
    if isinstance(item, ConsentChange):
        return Received(record_consent(core, uow, now, item))
    if isinstance(item, Bounce):
        return Received(record_bounce(core, uow, now, item, out))
    if not isinstance(item, InboundMessage):
        raise ValidationFailed(
            f"{type(item).__name__} is not handled by the conversation core yet",
            code="inbound_item_unsupported",
        )
    message = receive_message(core, uow, now, out, item)
    return Received(message.conversation_id if message else None, message)


def _channel(core: IntakeCore, channel_id: str) -> Channel:
    channel = core.channel_by_id(channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id!r} not found", code="channel_not_found")
    return channel


def record_consent(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, change: ConsentChange
) -> str | None:
    """Record an opt-out (STOP) or opt-in (START) as the contact's consent state on the
    channel (enforced before every send), and note it on the contact's newest
    conversation on that channel, where agents and reports see it. Returns that
    conversation (None when the contact has none on the channel).

    A known contact with no conversation gets only the consent record. An opt-out from a
    sender we do not know yet creates the contact (identity only, no conversation), so the
    opt-out holds when they or we write later; an opt-in from an unknown sender changes
    nothing (no record already means consent). A change older than the recorded one (a
    provider's late retry) is ignored; a repeated STOP is noted but changes no record."""
    channel = _channel(core, change.channel_id)
    at = at_time(now)
    contact, _ = known_contact(uow, channel.client_account_id, change.sender)
    if contact is None:
        if change.opted_in:
            return None
        contact = Contact(
            core.new_id(),
            channel.client_account_id,
            change.sender.value[:NAME_MAX_CHARS],
            at,
            (change.sender,),
            {},
        )
        uow.add_contact(contact)
    current = uow.consent(contact.id, channel.id)
    if current is not None and change.at < current.changed_at:
        return None  # a provider's late retry of an older change
    keyword = change.keyword[:KEYWORD_MAX_CHARS]
    if consent_changes(current, change.opted_in, change.at):
        record = ConsentRecord(contact.id, channel.id, change.opted_in, keyword, change.at)
        uow.put_consent(record)
    mine = [c for c in uow.conversations_of_contact(contact.id) if c.channel_id == channel.id]
    if not mine:
        return None
    conv = max(mine, key=lambda c: c.updated_at)
    at = at_time(now)
    add_timeline(
        uow,
        conv,
        at,
        "opted_in" if change.opted_in else "opted_out",
        "contact",
        channel=channel.slug,
        keyword=keyword,
    )
    return conv.id


def _bounced_conversation(
    uow: LiveUnitOfWork, channel: Channel, bounce: Bounce, recipient: str, delivered: str | None
) -> Conversation | None:
    """The conversation whose mail bounced: the one of the bounced delivery, else the
    adapter's hint (our Message-ID pattern); only on this channel, and only when its
    contact has the bounced address (no address given: the conversation's own)."""
    candidates = [delivered] if delivered else []
    if bounce.conversation_hint:
        candidates.append(bounce.conversation_hint)
    for conv_id in candidates:
        conv = uow.conversation(conv_id)
        if conv is None or conv.channel_id != channel.id:
            continue
        contact = uow.contact(conv.contact_id)
        if contact is None:
            continue
        if not recipient or contact.identity(IdentityKind.EMAIL) == recipient:
            return conv
    return None


def _tell_delivery(
    uow: LiveUnitOfWork, out: Outbox, conversation_id: str, external_id: str
) -> None:
    """The desk of the conversation's agent hears that a delivery moved (a bounce)."""
    conv = uow.conversation(conversation_id)
    agent = (conv.agent_id or conv.wrap_up_agent_id) if conv else None
    found = [d for d in uow.deliveries_of(conversation_id) if d.external_id == external_id]
    if agent and found:
        out.send(f"agent:{agent}", delivery_frame(found[0]))


def record_bounce(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, bounce: Bounce, out: Outbox
) -> str | None:
    """A delivery report about one of our mails. A permanent one (5.x.x) marks the address
    undeliverable for the channel's client account (sends refused with
    ``address_undeliverable`` until a person writes from it again); a temporary one
    (4.x.x) is only noted. A permanent bounce of one of our deliveries also ends that
    delivery ``failed`` (code ``bounced``). Either is noted on the conversation whose mail
    bounced when it can be found (returned). The report is never routed to anyone."""
    channel = _channel(core, bounce.channel_id)
    at = at_time(now)
    recipient = bounce.recipient.strip().lower()
    diagnostic = bounce.diagnostic[:DIAGNOSTIC_MAX_CHARS]
    original = bounce.original_external_id
    delivered = uow.delivery_conversation(channel.id, original) if original else None
    if bounce.permanent and original and delivered:
        # Accepted by the first server, bounced later: the delivery failed after all.
        detail = f"bounced ({bounce.status_code}) {diagnostic}".strip()
        uow.fail_delivery(channel.id, original, at, detail, "bounced")
        _tell_delivery(uow, out, delivered, original)
    conv = _bounced_conversation(uow, channel, bounce, recipient, delivered)
    if not recipient and conv is not None:
        contact = uow.contact(conv.contact_id)
        recipient = (contact.identity(IdentityKind.EMAIL) or "") if contact else ""
    if bounce.permanent and recipient:
        uow.mark_undeliverable(
            UndeliverableAddress(
                channel.client_account_id,
                IdentityKind.EMAIL,
                recipient,
                bounce.status_code,
                diagnostic,
                at,
                channel.id,
            )
        )
    if conv is None:
        return None
    add_timeline(
        uow,
        conv,
        at,
        "bounced" if bounce.permanent else "delivery_delayed",
        "system",
        channel=channel.slug,
        recipient=recipient,
        status=bounce.status_code,
        diagnostic=diagnostic,
        permanent=bounce.permanent,
        original_external_id=bounce.original_external_id or "",
    )
    return conv.id


def known_contact(
    uow: LiveUnitOfWork, client_account_id: str, sender: Identity
) -> tuple[Contact | None, bool]:
    """The contact ``sender`` belongs to, and whether it was linked just now: a sender
    nobody has yet whose identity certainly names a known contact's on another channel
    (``contact_matching.linked_identities``: the same phone number on WhatsApp and SMS)
    becomes that contact's identity, when exactly one contact matches."""
    found = uow.contact_by_identity(client_account_id, sender.kind, sender.value)
    if found is not None:
        return found, False
    target = pick_unique(
        c
        for i in linked_identities(sender)
        if (c := uow.contact_by_identity(client_account_id, i.kind, i.value)) is not None
    )
    if target is None:
        return None, False
    uow.add_identity(target.id, sender)
    return uow.contact(target.id) or target, True


def _contact(
    core: IntakeCore, uow: LiveUnitOfWork, channel: Channel, m: InboundMessage, at: datetime
) -> tuple[Contact, bool]:
    found, linked = known_contact(uow, channel.client_account_id, m.sender)
    if found is not None:
        return found, linked
    name = " ".join(m.sender_name.split())[:NAME_MAX_CHARS] or m.sender.value[:NAME_MAX_CHARS]
    contact = Contact(core.new_id(), channel.client_account_id, name, at, (m.sender,), {})
    uow.add_contact(contact)
    return contact, False


def _text(m: InboundMessage) -> str:
    text = m.text.strip()
    if not text:
        text = f"[{m.subject.strip()}]" if m.subject.strip() else "[no text]"
    if len(text) > TEXT_MAX_CHARS:
        text = text[:TEXT_MAX_CHARS] + "\n[message shortened; the full text is kept with it]"
    return text


def receive_in_session(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, out: Outbox, m: InboundMessage
) -> Message:
    """A session channel's message in the conversation its adapter authenticated
    (``m.conversation_id``, on ``m.channel_id``, else ``not_found``). The conversation's
    contact is the sender; ``m.external_id`` is the sender's idempotency key within the
    conversation (kept in ``messages.client_id``; empty: none): a repeat is answered with
    the stored message, published again on the conversation's feed for the sender that
    waits for it. Writing after the end reopens the conversation. The session outlives a
    later disabling of its channel (which refuses new and resumed sessions only)."""
    assert m.conversation_id is not None
    channel = core.channel_by_id(m.channel_id)
    if channel is None:
        raise NotFound(f"channel {m.channel_id!r} not found", code="channel_not_found")
    conv = uow.conversation(m.conversation_id)
    if conv is None or conv.channel_id != channel.id:
        raise NotFound(f"conversation {m.conversation_id!r} not found")
    key = m.external_id or None
    if key is not None:
        if len(key) > SESSION_KEY_MAX_CHARS:
            raise ValidationFailed(
                f"an idempotency key has 1 to {SESSION_KEY_MAX_CHARS} characters"
            )
        seen = uow.message_by_client_id(conv.id, key)
        if seen is not None:
            out.send(f"conversation:{conv.id}", {"type": "message", **message_view(seen)})
            return seen
    contact = uow.contact(conv.contact_id)
    at = at_time(now)
    attach = None
    if m.attachments:

        def attach(message: Message) -> list[dict[str, Any]]:
            rows = store_attachments(core, uow, conv, message, m.attachments, at)
            return [attachment_view(a) for a in rows]

    return store_in_conversation(
        core,
        uow,
        now,
        out,
        channel,
        conv,
        contact.name if contact else " ".join(m.sender_name.split())[:NAME_MAX_CHARS],
        _text(m),
        reopen=conv.state is ConversationState.RESOLVED and not m.automatic,
        client_id=key,
        attach=attach,
        automatic=m.automatic,
    )


def receive_message(
    core: IntakeCore, uow: LiveUnitOfWork, now: float, out: Outbox, m: InboundMessage
) -> Message | None:
    """Store one message (None: a provider's retry, dropped)."""
    if m.conversation_id is not None:
        return receive_in_session(core, uow, now, out, m)
    channel = core.channel_by_id(m.channel_id)
    if channel is None or not channel.enabled:
        raise NotFound(f"channel {m.channel_id!r} not found", code="channel_not_found")
    if not m.external_id or len(m.external_id) > 998:
        raise ValidationFailed("an inbound message needs its provider's id (1 to 998 characters)")
    if uow.conversation_by_external_id(channel.id, m.external_id) is not None:
        return None  # a provider's retry: stored already
    at = at_time(now)
    contact, linked = _contact(core, uow, channel, m, at)
    mine = [c for c in uow.conversations_of_contact(contact.id) if c.channel_id == channel.id]
    by_reference = channel.kind in REFERENCE_THREADED  # only they match by provider ids
    candidates = [
        Candidate(
            c.id,
            c.state,
            c.updated_at,
            frozenset(uow.external_ids(c.id)) if by_reference else frozenset(),
            c.resolved_at,
        )
        for c in mine
    ]
    choice = choose_thread(channel.kind, m, candidates)
    text = _text(m)
    kind = ROUTING_KIND[channel.kind]
    subject = core.redact(channel.client_account_id, m.subject, before=None, same_author=False)
    detail = {"channel": channel.slug, "external_id": m.external_id, "subject": subject.text}
    if isinstance(m.extra.get("kept_mail_id"), str):
        detail["kept_mail_id"] = m.extra["kept_mail_id"]  # the raw mail, kept whole
    conv = uow.conversation(choice.conversation_id) if choice.conversation_id else None
    created = conv is None

    def attach(message: Message) -> list[dict[str, Any]]:
        assert conv is not None
        rows = store_attachments(core, uow, conv, message, m.attachments, at)
        return [attachment_view(a) for a in rows]

    if conv is None:
        conv = open_conversation(core, uow, contact, channel.id, kind, at)
        add_timeline(uow, conv, at, "created", "contact", **detail)
        message = add_message(
            core, uow, out, conv, AuthorKind.CONTACT, contact.name, text, at, attach=attach
        )
        if m.automatic:
            # Stored for the record; nobody needs to answer an auto-reply or a newsletter.
            add_timeline(uow, conv, at, "automatic", "system", **detail)
            uow.save_conversation(move(conv, ConversationState.RESOLVED, at, resolved_at=at))
        else:
            enqueue(core, uow, now, out, conv, channel.queue_id, kind)
    else:
        if not choice.reopen:
            uow.save_conversation(replace(conv, updated_at=at))
            add_timeline(
                uow, conv, at, "received", "contact", matched_by=choice.matched_by, **detail
            )
        message = store_in_conversation(
            core,
            uow,
            now,
            out,
            channel,
            conv,
            contact.name,
            text,
            reopen=choice.reopen,
            detail=detail,
            attach=attach,
            automatic=m.automatic,
        )
    uow.add_external_id(channel.id, m.external_id, conv.id, message.id)
    if linked:
        add_timeline(
            uow,
            conv,
            at,
            "identity_linked",
            "system",
            identity_kind=m.sender.kind.value,
            rule=SAME_PHONE,
        )
    if channel.kind is ChannelKind.EMAIL and not m.automatic:
        # A person wrote from this address: it works again.
        if uow.clear_undeliverable(channel.client_account_id, IdentityKind.EMAIL, m.sender.value):
            add_timeline(uow, conv, at, "address_deliverable", "contact", address=m.sender.value)
        if created:
            _acknowledge(core, uow, out, channel, conv, contact, m, at)
    return message


def _acknowledge(
    core: IntakeCore,
    uow: LiveUnitOfWork,
    out: Outbox,
    channel: Channel,
    conv: Conversation,
    contact: Contact,
    m: InboundMessage,
    at: datetime,
) -> None:
    """The channel's automatic acknowledgement of a new conversation started by a person's
    mail (never of automatic mail): marked ``Auto-Submitted: auto-generated``, and at most
    ``AUTO_REPLY_LIMIT`` per address per ``AUTO_REPLY_WINDOW``, so two auto-responders
    cannot keep each other going. Skipped (and noted) when the address may not be sent
    to or the limit is reached."""
    text = channel.settings.get(AUTO_ACKNOWLEDGE_SETTING)
    if not isinstance(text, str) or not text.strip():
        return
    address = m.sender.value
    refused = refusal_for(uow, channel.id, conv, Identity(IdentityKind.EMAIL, address))
    earlier = uow.auto_replies_since(channel.id, address, at - AUTO_REPLY_WINDOW)
    if refused is not None or not may_auto_reply(earlier, at):
        reason = refused or "auto_reply_limit"
        add_timeline(uow, conv, at, "acknowledgement_skipped", "system", reason=reason)
        return
    message = add_message(
        core, uow, out, conv, AuthorKind.SYSTEM, channel.name, text.strip()[:TEXT_MAX_CHARS], at
    )
    queue_reply(uow, channel, conv, contact, message, at, automatic=True)
    uow.add_auto_reply(channel.id, address, at)
    add_timeline(uow, conv, at, "acknowledged", "system", address=address)


def store_in_conversation(
    core: IntakeCore,
    uow: LiveUnitOfWork,
    now: float,
    out: Outbox,
    channel: Channel,
    conv: Conversation,
    author_name: str,
    text: str,
    *,
    reopen: bool,
    client_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    attach: Callable[[Message], Sequence[dict[str, Any]]] | None = None,
    automatic: bool = False,
) -> Message:
    """Store a contact's message in a conversation the core chose (by threading, or the
    one a session channel named). With ``reopen`` the ended conversation opens again and
    is enqueued, preferring the agent who handled it; ``detail`` goes to that timeline entry.
    A person's message on a pending conversation (never an ``automatic`` one) routes it
    again the same way: it is waiting for us once more (docs/inbox.md)."""
    at = at_time(now)
    if not reopen:
        message = add_message(
            core,
            uow,
            out,
            conv,
            AuthorKind.CONTACT,
            author_name,
            text,
            at,
            client_id=client_id,
            attach=attach,
        )
        if conv.state is ConversationState.PENDING and not automatic:
            add_timeline(uow, conv, at, "pending_ended", "contact", **(detail or {}))
            enqueue(
                core,
                uow,
                now,
                out,
                uow.conversation(conv.id) or conv,
                conv.queue_id or channel.queue_id,
                ROUTING_KIND[channel.kind],
                preferred_agent_id=conv.wrap_up_agent_id or None,
            )
        return message
    reopened = move(conv, ConversationState.REOPENED, at, resolved_at=None, csat_score=None)
    uow.save_conversation(reopened)
    add_timeline(uow, conv, at, "reopened", "contact", **(detail or {}))
    message = add_message(
        core,
        uow,
        out,
        reopened,
        AuthorKind.CONTACT,
        author_name,
        text,
        at,
        client_id=client_id,
        attach=attach,
    )
    enqueue(
        core,
        uow,
        now,
        out,
        reopened,
        conv.queue_id or channel.queue_id,
        ROUTING_KIND[channel.kind],
        preferred_agent_id=conv.wrap_up_agent_id or None,
    )
    return message
