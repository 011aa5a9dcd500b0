"""What the command modules (``configuration.py``, ``customers.py``, ``desk.py``,
``follow_ups.py``) use of the live center: :class:`CommandCore`, the views' and the
intake's parts plus the writer and the engine runner; and what they share: ending an
assigned conversation."""

from __future__ import annotations

from typing import Protocol

from switchdesk.domain.conversations.model import (
    AgentProfile,
    Channel,
    Conversation,
    ConversationState,
    QueueSettings,
)
from switchdesk.usecases.live.conversations import add_timeline, at_time, move
from switchdesk.usecases.live.intake import IntakeCore
from switchdesk.usecases.live.views import ViewCore, conversation_view
from switchdesk.usecases.live.writer import CommandWriter, Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork

WRAP_UP_HOLD_SECONDS = 1800.0
"""After-contact work while a mandatory wrap-up is pending on a queue with no after-contact
work time of its own (the form ends it)."""


class CommandCore(ViewCore, IntakeCore, Protocol):
    """The parts of the live center that command handlers use."""

    @property
    def writer(self) -> CommandWriter: ...
    @property
    def queue_map(self) -> dict[str, QueueSettings]: ...
    @property
    def channel_map(self) -> dict[str, Channel]: ...
    @property
    def profiles(self) -> dict[str, AgentProfile]: ...
    @property
    def names(self) -> dict[str, str]: ...
    @property
    def roles(self) -> dict[str, str]: ...
    def forget_interaction(self, interaction_id: str) -> None: ...


def finish_assigned(
    core: CommandCore, uow: LiveUnitOfWork, now: float, out: Outbox, conv: Conversation, by: str
) -> None:
    """End an assigned conversation (``by`` the agent or the contact): the interaction
    completes into the queue's after-contact work time (a mandatory wrap-up on a queue
    without one holds the agent until the form is in)."""
    queue = core.queue_map.get(conv.queue_id or "")
    acw = float(queue.routing.get("after_contact_work_seconds", 0.0)) if queue else 0.0
    required = bool(queue and queue.wrap_up_required)
    if required and acw <= 0:
        acw = WRAP_UP_HOLD_SECONDS
    ix_id = conv.interaction_id or ""
    agent_id = conv.agent_id
    core.route(
        uow,
        now,
        out,
        lambda t: core.engine.complete(ix_id, t, after_contact_work_seconds=float(acw)),
    )
    at = at_time(now)
    fresh = uow.conversation(conv.id) or conv
    resolved = move(
        fresh,
        ConversationState.RESOLVED,
        at,
        resolved_at=at,
        agent_id=None,
        needs_wrap_up=required,
        wrap_up_agent_id=agent_id,
    )
    uow.save_conversation(resolved)
    add_timeline(uow, conv, at, "ended", by)
    out.send(f"conversation:{conv.id}", {"type": "ended", "by": by})
    if agent_id:
        if by == "contact":
            out.send(f"agent:{agent_id}", {"type": "contact_left", "conversation_id": conv.id})
        out.send(
            f"agent:{agent_id}",
            {"type": "assigned", "conversation": conversation_view(core, uow, resolved)},
        )
        if not required:
            out.send(f"agent:{agent_id}", {"type": "ended", "conversation_id": conv.id})
    core.forget_interaction(ix_id)
