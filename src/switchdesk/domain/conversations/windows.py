"""Reply windows: what an agent or a bot may send on a messaging channel, and until when.

WhatsApp allows free-form messages for 24 hours after the contact's last inbound message,
then approved templates only. Messenger allows 24 hours of free messages; after that a
*human* may still answer with the ``HUMAN_AGENT`` tag up to 7 days after the last inbound
message, a bot may not. SMS, email and web chat have no window. Pure: times passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from switchdesk.domain.conversations.model import ChannelKind

SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


class ReplyMode(StrEnum):
    FREE_TEXT = "free_text"
    TEMPLATE_ONLY = "template_only"
    HUMAN_AGENT_TAG = "human_agent_tag"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Allowance:
    """What may be sent now. ``closes_at`` is when the current mode ends (the desk's
    countdown), ``None`` when it never does. ``reason`` is empty when free text is allowed,
    else ``template_required`` or ``window_closed``."""

    mode: ReplyMode
    reason: str = ""
    closes_at: datetime | None = None

    @property
    def free_text(self) -> bool:
        return self.mode is ReplyMode.FREE_TEXT

    @property
    def allowed(self) -> bool:
        return self.mode is not ReplyMode.REFUSED


def reply_allowance(
    kind: ChannelKind, last_inbound_at: datetime | None, now: datetime, *, human: bool
) -> Allowance:
    """The allowance for a reply on a channel of ``kind`` at ``now``, given the contact's
    last inbound message on it. A window is open while ``now < last_inbound_at + length``:
    exactly 24 hours after the last message it is closed."""
    if kind is ChannelKind.WHATSAPP:
        if last_inbound_at is not None:
            closes = last_inbound_at + SERVICE_WINDOW
            if now < closes:
                return Allowance(ReplyMode.FREE_TEXT, closes_at=closes)
        return Allowance(ReplyMode.TEMPLATE_ONLY, reason="template_required")
    if kind is ChannelKind.MESSENGER:
        if last_inbound_at is None:
            return Allowance(ReplyMode.REFUSED, reason="window_closed")
        closes = last_inbound_at + SERVICE_WINDOW
        if now < closes:
            return Allowance(ReplyMode.FREE_TEXT, closes_at=closes)
        tag_closes = last_inbound_at + HUMAN_AGENT_WINDOW
        if human and now < tag_closes:
            return Allowance(ReplyMode.HUMAN_AGENT_TAG, closes_at=tag_closes)
        return Allowance(ReplyMode.REFUSED, reason="window_closed")
    return Allowance(ReplyMode.FREE_TEXT)
