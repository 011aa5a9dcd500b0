"""What the voice channel asks of the live center for a call that reached a queue: where
its conversation stands (position and estimated wait, or the agent who accepted it), a
callback that keeps its place in line, and notes on its timeline (call legs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from switchdesk.domain.conversations.model import ConversationState
from switchdesk.domain.errors import Conflict, NotFound
from switchdesk.usecases.live.commands import CommandCore
from switchdesk.usecases.live.conversations import add_timeline, at_time
from switchdesk.usecases.live.views import conversation_or_404, ewt_unit
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork


@dataclass(frozen=True, slots=True)
class CallWait:
    """A call's conversation as its waiting caller's next announcement needs it:
    ``position`` and ``estimated_wait_seconds`` while it waits in line (None when it is
    being offered), ``agent_id`` once an agent accepted it."""

    state: ConversationState
    queue_id: str | None
    agent_id: str | None
    position: int | None = None
    estimated_wait_seconds: float | None = None
    entered_at: float | None = None


def call_wait(core: CommandCore, uow: LiveUnitOfWork, conversation_id: str) -> CallWait:
    conv = conversation_or_404(uow, conversation_id)
    wait = CallWait(conv.state, conv.queue_id, conv.agent_id)
    if conv.state is not ConversationState.WAITING or not conv.interaction_id:
        return wait
    try:
        status = core.engine.interaction_status(conv.interaction_id)
        position = core.engine.position(conv.interaction_id)
    except (Conflict, NotFound):
        return wait  # offered a moment ago
    unit = ewt_unit(core, conv.queue_id or "")
    return CallWait(
        conv.state,
        conv.queue_id,
        None,
        position,
        None if unit is None else round(position * unit, 1),
        float(status.get("entered_at") or 0.0) or None,
    )


def request_callback(
    core: CommandCore, uow: LiveUnitOfWork, now: float, out: Outbox, conversation_id: str
) -> None:
    """The waiting caller asks to be called back: the interaction becomes a callback and
    keeps its place in line (``RoutingEngine.request_callback``)."""
    conv = conversation_or_404(uow, conversation_id)
    if conv.state is not ConversationState.WAITING or not conv.interaction_id:
        raise Conflict("only a waiting call can ask for a callback", code="conversation_state")
    ix = conv.interaction_id
    core.route(uow, now, out, lambda t: core.engine.request_callback(ix, t))
    add_timeline(uow, conv, at_time(now), "callback_requested", "contact")


def requeue_call(
    core: CommandCore, uow: LiveUnitOfWork, now: float, out: Outbox, conversation_id: str
) -> None:
    """The accepting agent's phone did not answer: the call goes back to its queue (the
    agent is freed, with no after-contact work) and waits for the next agent."""
    conv = conversation_or_404(uow, conversation_id)
    if conv.state is not ConversationState.ASSIGNED or not conv.interaction_id or not conv.queue_id:
        raise Conflict("only a call an agent accepted can go back", code="conversation_state")
    ix, queue_id = conv.interaction_id, conv.queue_id
    core.route(uow, now, out, lambda t: core.engine.transfer_to_queue(ix, queue_id, t))
    add_timeline(uow, conv, at_time(now), "call_requeued", "system", agent_id=conv.agent_id or "")


def note_call(
    uow: LiveUnitOfWork, now: float, conversation_id: str, kind: str, detail: dict[str, Any]
) -> None:
    """A call leg on the conversation's timeline (``call_connected``, ``call_ended``...)."""
    conv = conversation_or_404(uow, conversation_id)
    add_timeline(uow, conv, at_time(now), kind, "system", **detail)
