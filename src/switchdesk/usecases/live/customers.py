"""The web chat customer's side: starting a chat (the pre-chat form), resuming it with
its token, the page's view after (re)connecting, messages, typing, leaving and rating.

This module is web chat's channel adapter. Starting a chat (the pre-chat form, the
contact, the resume token) is session establishment and stays here, with typing, leaving
and rating; the customer's later messages are translated into an ``InboundMessage``
naming the conversation the token opened (and the page's ``client_id`` as the
idempotency key) and go through the channel-neutral ``intake.receive_item``, as every
other channel's do."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Protocol

from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import (
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    ConversationState,
    Identity,
    IdentityKind,
    Message,
    clean_text,
)
from switchdesk.domain.errors import Conflict, NotFound, ValidationFailed
from switchdesk.usecases.live.commands import CommandCore, finish_assigned
from switchdesk.usecases.live.conversations import (
    add_message,
    add_timeline,
    at_time,
    enqueue,
    move,
    open_conversation,
)
from switchdesk.usecases.live.intake import SESSION_KEY_MAX_CHARS, receive_item
from switchdesk.usecases.live.views import (
    conversation_or_404,
    ewt_unit,
    message_view,
    queue_frame,
)
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LivePublisher, LiveUnitOfWork, LiveUnitOfWorkFactory
from switchdesk.usecases.ports import SecretFactory

CHAT_KIND = "chat"
"""The engine's capacity kind of a web chat."""
CLIENT_ID_MAX_CHARS = SESSION_KEY_MAX_CHARS


class CustomerCore(CommandCore, Protocol):
    """The parts of the live center that the customer's side uses."""

    def channel(self, slug: str) -> Channel: ...


def submit_start_chat(
    core: CustomerCore,
    secrets: SecretFactory,
    slug: str,
    *,
    name: str,
    email: str,
    text: str,
    client_id: str | None,
) -> Future[tuple[Conversation, str]]:
    """A customer opens a chat: contact found (by email) or created, conversation
    enqueued. Bad input and ``busy`` raise at once; the future settles after the commit
    with the conversation and the customer's resume token (shown once)."""
    channel = core.channel(slug)
    visitor = name.strip()
    if not visitor or len(visitor) > 200:
        raise ValidationFailed(
            "please give your name (at most 200 characters)", code="name_invalid"
        )
    address = email.strip().lower()
    if address and (len(address) > 320 or "@" not in address or " " in address):
        raise ValidationFailed("that email address does not look right", code="email_invalid")
    first = clean_text(text)
    token = secrets.new_secret()

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> tuple[Conversation, str]:
        at = at_time(now)
        contact = (
            uow.contact_by_identity(channel.client_account_id, IdentityKind.EMAIL, address)
            if address
            else None
        )
        if contact is None:
            identities = [Identity(IdentityKind.CHAT_VISITOR, core.new_id())]
            if address:
                identities.insert(0, Identity(IdentityKind.EMAIL, address))
            contact = Contact(
                core.new_id(), channel.client_account_id, visitor, at, tuple(identities), {}
            )
            uow.add_contact(contact)
        conv = open_conversation(
            core,
            uow,
            contact,
            channel.id,
            CHAT_KIND,
            at,
            customer_token_hash=secrets.digest(token),
        )
        add_timeline(uow, conv, at, "created", "contact", channel=channel.slug)
        add_message(
            core, uow, out, conv, AuthorKind.CONTACT, visitor, first, at, client_id=client_id
        )
        return enqueue(core, uow, now, out, conv, channel.queue_id, CHAT_KIND), token

    return core.writer.submit(body, urgent=False)


def resume_chat(
    core: CustomerCore,
    uows: LiveUnitOfWorkFactory,
    secrets: SecretFactory,
    slug: str,
    token: str,
) -> Conversation:
    """The chat the customer's token opens, on this channel."""
    channel = core.channel(slug)
    with uows() as uow:
        conv = uow.conversation_by_token(secrets.digest(token))
    if conv is None or conv.channel_id != channel.id:
        raise NotFound("this chat cannot be found; start a new one", code="not_found")
    return conv


def answered(conv: Conversation) -> bool:
    """An agent took the chat (who may be rated); a chat abandoned unanswered may not."""
    return bool(conv.agent_id or conv.wrap_up_agent_id)


def submit_customer_view(core: CustomerCore, conversation_id: str) -> Future[dict[str, Any]]:
    """What the customer's page shows after (re)connecting: public messages, the agent,
    the rating and, while waiting, the queue position."""
    # Never refused as ``busy`` (the chat exists already) and cheap: ahead of new chats.
    return core.writer.submit(lambda uow, now, out: customer_view(core, uow, conversation_id))


def customer_view(core: CustomerCore, uow: LiveUnitOfWork, conversation_id: str) -> dict[str, Any]:
    """The customer's view, inside the writer's batch."""
    conv = conversation_or_404(uow, conversation_id)
    messages = [message_view(m) for m in uow.messages(conv.id) if not m.internal]
    view: dict[str, Any] = {
        "type": "history",
        "state": conv.state.value,
        "messages": messages,
        "agent_name": core.names.get(conv.agent_id) if conv.agent_id else None,
        "rated": conv.csat_score,
        "rateable": answered(conv),
        "queue": None,
    }
    if conv.state is ConversationState.WAITING and conv.interaction_id:
        try:
            position = core.engine.position(conv.interaction_id)
        except (Conflict, NotFound):
            return view  # offered or assigned a moment ago: the feed will say
        unit = ewt_unit(core, conv.queue_id or "")
        view["queue"] = queue_frame(position, unit)
    return view


def customer_message(
    core: CustomerCore, conversation_id: str, text: str, client_id: str | None
) -> Message:
    """The customer writes in their chat: the web chat adapter's translation of the
    page's ``message`` frame into an :class:`InboundMessage` for the channel-neutral
    intake, naming the conversation the chat token opened and keying repeats by the
    page's ``client_id``. A repeated send is answered with the stored message; writing
    after the end reopens the chat (``intake.receive_in_session``)."""
    body_text = clean_text(text)
    if client_id is not None and (not client_id or len(client_id) > CLIENT_ID_MAX_CHARS):
        raise ValidationFailed("client_id has 1 to 100 characters")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> Message:
        conv = conversation_or_404(uow, conversation_id)
        item = InboundMessage(
            conv.channel_id,
            Identity(IdentityKind.CHAT_VISITOR, ""),
            "Customer",
            body_text,
            client_id or "",
            at_time(now),
            conversation_id=conv.id,
        )
        received = receive_item(core, uow, now, out, item)
        assert received.message is not None  # a session's message is always answered
        return received.message

    return core.writer.run(body, urgent=False)


def customer_typing(uows: LiveUnitOfWorkFactory, publisher: LivePublisher, conv_id: str) -> None:
    """Tell the agent the customer is typing (published at once, outside the writer)."""
    with uows() as uow:
        conv = uow.conversation(conv_id)
    if conv is not None and conv.agent_id:
        publisher.publish(f"agent:{conv.agent_id}", {"type": "typing", "conversation_id": conv.id})


def customer_leave(core: CustomerCore, conversation_id: str) -> None:
    """The customer closes the chat: an assigned one ends as if by the agent (with
    after-contact work), a waiting one is abandoned."""

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        conv = conversation_or_404(uow, conversation_id)
        if conv.state in (ConversationState.RESOLVED,):
            return
        at = at_time(now)
        if conv.state is ConversationState.ASSIGNED and conv.interaction_id:
            finish_assigned(core, uow, now, out, conv, by="contact")
            return
        if conv.interaction_id and conv.state is ConversationState.WAITING:
            core.route(uow, now, out, lambda t: core.engine.abandon(conv.interaction_id or "", t))
        fresh = uow.conversation(conv.id) or conv
        uow.save_conversation(move(fresh, ConversationState.RESOLVED, at, resolved_at=at))
        core.forget_interaction(conv.interaction_id or "")
        out.send(f"conversation:{conv.id}", {"type": "ended", "by": "contact", "rateable": False})

    core.writer.run(body)


def rate(core: CustomerCore, conversation_id: str, score: int, comment: str) -> None:
    """The customer rates an ended chat once (1 to 5, with an optional comment)."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("a rating is a whole number from 1 to 5", code="rating_invalid")
    remark = comment.strip()
    if len(remark) > 2000:
        raise ValidationFailed("a comment has at most 2000 characters", code="message_too_long")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
        conv = conversation_or_404(uow, conversation_id)
        if conv.state is not ConversationState.RESOLVED:
            raise Conflict("a chat is rated after it ends", code="not_ended")
        if conv.csat_score is not None:
            raise Conflict("this chat has been rated already", code="already_rated")
        if not answered(conv):
            raise Conflict("this chat ended before anyone answered it", code="not_answered")
        at = at_time(now)
        uow.save_conversation(replace(conv, csat_score=score, csat_comment=remark, updated_at=at))
        add_timeline(uow, conv, at, "rated", "contact", score=score, comment=remark)
        out.send(f"conversation:{conv.id}", {"type": "rated", "score": score})

    core.writer.run(body, urgent=False)
