"""Whether we may send to a contact at all: consent per contact and channel (STOP/START),
addresses marked undeliverable by a permanent bounce, and the limit on our own automatic
mail (acknowledgements) per address. Pure values and rules: times passed in.

The refusal codes are stable (the desk shows ``REFUSAL_TEXT``; the API answers 409):

- ``contact_opted_out``: the contact sent an opt-out keyword on this channel (STOP) and no
  opt-in since (START lifts it).
- ``address_undeliverable``: a permanent bounce (DSN status 5.x.x) marked the address; a new
  mail a person sends from it clears the mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from switchdesk.domain.conversations.model import IdentityKind

OPTED_OUT = "contact_opted_out"
UNDELIVERABLE = "address_undeliverable"
REFUSAL_TEXT = {
    OPTED_OUT: "this contact opted out of this channel (STOP): nothing can be sent until "
    "they opt back in (START)",
    UNDELIVERABLE: "mail to this address bounced permanently: nothing can be sent until "
    "the contact writes from it again",
}

AUTO_REPLY_LIMIT = 1
AUTO_REPLY_WINDOW = timedelta(hours=1)
"""At most ``AUTO_REPLY_LIMIT`` automatic mails (acknowledgements) to one address of one
channel per ``AUTO_REPLY_WINDOW``: two auto-responders answering each other stop after one
round, and a person who writes five mails in a row gets one acknowledgement."""


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """The latest consent state of a contact on a channel (the history is on the timeline)."""

    contact_id: str
    channel_id: str
    opted_in: bool
    keyword: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class UndeliverableAddress:
    """An address of a client account's contact that bounced permanently."""

    client_account_id: str
    kind: IdentityKind
    value: str
    status_code: str
    reason: str
    marked_at: datetime
    channel_id: str = ""


def consent_changes(current: ConsentRecord | None, opted_in: bool, at: datetime) -> bool:
    """Whether a consent change at ``at`` replaces ``current``: only a newer one does (a
    provider's late retry of an old STOP does not undo a newer START), and one that says
    what is recorded already changes nothing."""
    if current is None:
        return True
    if at < current.changed_at:
        return False
    return current.opted_in != opted_in


def send_refusal(
    consent: ConsentRecord | None, undeliverable: UndeliverableAddress | None
) -> str | None:
    """The refusal code for a send, None when it may go: an opt-out first, then a bounced
    address. No record means consent (the contact wrote to us first)."""
    if consent is not None and not consent.opted_in:
        return OPTED_OUT
    if undeliverable is not None:
        return UNDELIVERABLE
    return None


def may_auto_reply(sent_before: Sequence[datetime], now: datetime) -> bool:
    """Whether another automatic mail may go to an address, given when the earlier ones
    went: fewer than ``AUTO_REPLY_LIMIT`` inside the window ending ``now``."""
    since = now - AUTO_REPLY_WINDOW
    return sum(1 for at in sent_before if since < at <= now) < AUTO_REPLY_LIMIT
