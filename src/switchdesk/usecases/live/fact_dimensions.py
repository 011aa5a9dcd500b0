"""The dimensions each routing event is stored with: the KPI facts' who and where.

A routing event names an interaction, a queue or an agent; reports also need the client
account, the channel kind, the contact, the conversation, and the agent's team and site
*as they were when it happened*. :class:`FactStamper` works them out as the engine emits
each event (in the same transaction the event is stored in) from what the center already
keeps: its queues, the conversation of each interaction, and the organisation of agents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from switchdesk.domain.conversations.model import Conversation
from switchdesk.domain.routing import RoutingEvent
from switchdesk.usecases.live_ports import LiveUnitOfWork

Dimensions = dict[str, str | None]

DIMENSIONS = (
    "interaction_id",
    "conversation_id",
    "contact_id",
    "client_account_id",
    "channel_kind",
    "queue_id",
    "agent_id",
    "team_id",
    "site_id",
)

_ENDED = frozenset(
    {
        "InteractionAbandoned",
        "InteractionCancelled",
        "InteractionCompleted",
        "InteractionTransferredOut",
        "AfterContactWorkEnded",
    }
)


class FactStamper:
    def __init__(
        self,
        queue_account: Callable[[str], str | None],
        agent_org: Callable[[str], tuple[str | None, str | None]],
    ) -> None:
        self._queue_account = queue_account
        self._agent_org = agent_org
        self._interactions: dict[str, Dimensions] = {}

    def clear(self) -> None:
        self._interactions.clear()

    def _interaction(
        self, uow: LiveUnitOfWork, ix: str, conversation_id: str | None, event: Any
    ) -> Dimensions:
        known = self._interactions.get(ix)
        if known is not None:
            return known
        conv: Conversation | None = None
        conv_id = conversation_id or (ix.rsplit("/", 1)[0] if "/" in ix else None)
        if conv_id:
            conv = uow.conversation(conv_id)
        known = {
            "conversation_id": conv.id if conv else None,
            "contact_id": (conv.contact_id if conv else None) or getattr(event, "contact_id", None),
            "client_account_id": conv.client_account_id if conv else None,
            "channel_kind": (conv.channel_kind if conv else None)
            or getattr(event, "channel_kind", None),
            "queue_id": conv.queue_id if conv else None,
        }
        self._interactions[ix] = known
        return known

    def stamp(
        self, uow: LiveUnitOfWork, event: RoutingEvent, conversation_id: str | None
    ) -> Dimensions:
        """The dimensions of ``event`` (call in the order the engine emitted them)."""
        ix = getattr(event, "interaction_id", None)
        dims: Dimensions = dict.fromkeys(DIMENSIONS)
        if ix:
            known = self._interaction(uow, ix, conversation_id, event)
            queue = (
                getattr(event, "to_queue_id", None)
                or getattr(event, "queue_id", None)
                or known["queue_id"]
            )
            known["queue_id"] = queue
            dims.update(known)
            dims["interaction_id"] = ix
            if queue:
                dims["client_account_id"] = self._queue_account(queue) or known["client_account_id"]
            if type(event).__name__ in _ENDED:
                self._interactions.pop(ix, None)
        elif getattr(event, "queue_id", None):
            dims["queue_id"] = event.queue_id  # type: ignore[attr-defined]
        agent = getattr(event, "agent_id", None) or getattr(event, "from_agent_id", None)
        if agent:
            dims["agent_id"] = agent
            dims["team_id"], dims["site_id"] = self._agent_org(agent)
        return dims
