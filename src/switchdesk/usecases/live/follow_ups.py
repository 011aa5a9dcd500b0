"""Follow-ups: an agent asks to be reminded about a contact at a time; when it is due,
the tick turns it into a task conversation routed like any interaction (to the queue of
the conversation it came from, preferring the agent who asked)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.model import (
    NOTE_MAX_CHARS,
    AuthorKind,
    FollowUp,
    clean_text,
)
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.usecases.live.commands import CommandCore
from switchdesk.usecases.live.conversations import (
    add_message,
    add_timeline,
    at_time,
    enqueue,
    open_conversation,
)
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.principal import Principal

TASK_KIND = "task"
"""The engine's capacity kind of a follow-up task."""


def create_follow_up(
    core: CommandCore,
    actor: Principal,
    contact_id: str,
    due_at: datetime,
    note: str,
    conversation_id: str | None,
) -> FollowUp:
    """Remember to come back to a contact at ``due_at`` (an aware time)."""
    actor.require(Permission.CONVERSATIONS_HANDLE)
    text = clean_text(note, limit=NOTE_MAX_CHARS, what="a follow-up note")
    if due_at.tzinfo is None:
        raise ValidationFailed("due_at needs a time zone")

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> FollowUp:
        contact = uow.contact(contact_id)
        if contact is None or not actor.sees_client_account(contact.client_account_id):
            raise NotFound(f"contact {contact_id!r} not found")
        follow_up = FollowUp(
            core.new_id(), contact_id, due_at, text, actor.name, at_time(now), conversation_id
        )
        uow.add_follow_up(follow_up)
        return follow_up

    return core.writer.run(body)


def route_due_follow_ups(core: CommandCore, uow: LiveUnitOfWork, now: float, out: Outbox) -> None:
    """Turn each due follow-up into a task conversation and enqueue it."""
    for follow_up in uow.due_follow_ups(at_time(now)):
        origin = uow.conversation(follow_up.conversation_id or "")
        contact = uow.contact(follow_up.contact_id)
        if contact is None:
            continue
        queue_id = origin.queue_id if origin else None
        if queue_id is None:
            queue_id = next(
                (
                    q.id
                    for q in core.queue_map.values()
                    if q.client_account_id == contact.client_account_id
                ),
                None,
            )
        if queue_id is None:
            continue
        at = at_time(now)
        task = open_conversation(core, uow, contact, "follow-up", TASK_KIND, at)
        add_timeline(uow, task, at, "created", "system", follow_up_id=follow_up.id)
        add_message(
            core,
            uow,
            out,
            task,
            AuthorKind.SYSTEM,
            "switchdesk",
            f"Follow-up due: {follow_up.note}",
            at,
            internal=True,
        )
        creator = follow_up.created_by.removeprefix("user:")
        preferred = next(
            (uid for uid, n in core.names.items() if uid in core.profiles and n == creator),
            None,
        )
        enqueue(core, uow, now, out, task, queue_id, TASK_KIND, preferred_agent_id=preferred)
        uow.save_follow_up(replace(follow_up, routed_conversation_id=task.id))
