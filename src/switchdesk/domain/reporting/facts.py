"""KPI facts derived from the raw event log (stdlib only).

The raw log has two append-only sources, both written in the same transaction as the
change they record:

- routing events (``source = "routing"``): the engine's own events, each stamped with the
  dimensions it had when it happened (client account, channel kind, queue, agent, team,
  site, contact, conversation);
- conversation events (``source = "conversation"``): the timeline entries that matter to
  KPIs: ``wrapped_up`` and ``resolved`` (the reason, a wrap-up code), ``escalated`` and
  ``rated`` (a survey answer: ``score`` 1..5 for CSAT, ``nps`` 0..10 when asked).

:func:`derive_facts` turns rows of that log into queue legs (one per interaction and queue
it entered), agent presence spans and survey answers. Every KPI is a function of those.
Times are float seconds since the epoch (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "ContactReason",
    "Escalation",
    "Facts",
    "PresenceSpan",
    "QueueLeg",
    "RawEvent",
    "SurveyAnswer",
    "derive_facts",
]


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One row of the raw log (and of the raw export)."""

    source: str  # "routing" or "conversation"
    seq: int
    at: float
    type: str
    payload: Mapping[str, Any]
    interaction_id: str | None = None
    conversation_id: str | None = None
    contact_id: str | None = None
    client_account_id: str | None = None
    channel_kind: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None
    team_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class QueueLeg:
    """An interaction's stay in one queue, and what came of it.

    ``outcome``: ``handled`` (an agent completed it), ``transferred`` (an agent answered
    and passed it on: handled too), ``abandoned``, ``flowed_out`` (overflow, callback,
    transfer while waiting, another queue), ``cancelled``, ``waiting`` (not over yet).
    """

    interaction_id: str
    queue_id: str
    entered_at: float
    client_account_id: str | None = None
    channel_kind: str | None = None
    contact_id: str | None = None
    conversation_id: str | None = None
    outcome: str = "waiting"
    ended_at: float | None = None
    answered_at: float | None = None
    agent_id: str | None = None
    team_id: str | None = None
    site_id: str | None = None
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    after_contact_work_seconds: float = 0.0

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def handled(self) -> bool:
        return self.outcome in ("handled", "transferred")

    @property
    def wait_seconds(self) -> float | None:
        """Queue wait: until answered, abandoned or gone; ``None`` while waiting."""
        end = self.answered_at if self.answered_at is not None else self.ended_at
        return None if end is None else end - self.entered_at

    @property
    def handle_seconds(self) -> float:
        return self.talk_seconds + self.hold_seconds + self.after_contact_work_seconds


@dataclass(frozen=True, slots=True)
class PresenceSpan:
    """An agent in one presence from ``start`` to ``end`` (``None``: still)."""

    agent_id: str
    presence: str
    reason: str | None
    start: float
    end: float | None
    team_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    conversation_id: str
    at: float
    csat_score: int | None
    nps_score: int | None
    client_account_id: str | None = None
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class ContactReason:
    """The reason (wrap-up code) recorded on a conversation at ``at``."""

    conversation_id: str
    at: float
    reason: str


@dataclass(frozen=True, slots=True)
class Escalation:
    conversation_id: str
    at: float


@dataclass
class Facts:
    legs: list[QueueLeg] = field(default_factory=list)
    presence: list[PresenceSpan] = field(default_factory=list)
    surveys: list[SurveyAnswer] = field(default_factory=list)
    reasons: list[ContactReason] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    as_of: float | None = None
    """The time of the last event: spans still open end here."""


_ENTERS = ("interaction_enqueued", "interaction_transferred", "interaction_overflowed")


class _Builder:
    def __init__(self) -> None:
        self.facts = Facts()
        self.open: dict[str, int] = {}  # interaction -> index of its current leg
        self.answered_by: dict[tuple[str, str], int] = {}  # (agent, ix) -> leg answered
        self.acw: dict[tuple[str, str], tuple[int, float]] = {}  # (agent, ix) -> leg, start
        self.presence: dict[str, PresenceSpan] = {}

    # -- legs -------------------------------------------------------------------------

    def _leg(self, ix: str) -> QueueLeg | None:
        index = self.open.get(ix)
        return None if index is None else self.facts.legs[index]

    def _set(self, ix: str, leg: QueueLeg) -> None:
        self.facts.legs[self.open[ix]] = leg

    def _close(self, ix: str, outcome: str, at: float) -> None:
        leg = self._leg(ix)
        if leg is None:
            return
        talk = leg.talk_seconds
        if leg.answered_at is not None and outcome in ("handled", "transferred"):
            talk = at - leg.answered_at
        self._set(ix, replace(leg, outcome=outcome, ended_at=at, talk_seconds=talk))
        del self.open[ix]

    def _enter(self, e: RawEvent, ix: str, queue_id: str, previous: QueueLeg | None) -> None:
        self.facts.legs.append(
            QueueLeg(
                interaction_id=ix,
                queue_id=queue_id,
                entered_at=e.at,
                client_account_id=e.client_account_id,
                channel_kind=e.channel_kind or (previous.channel_kind if previous else None),
                contact_id=e.contact_id or (previous.contact_id if previous else None),
                conversation_id=e.conversation_id
                or (previous.conversation_id if previous else None),
            )
        )
        self.open[ix] = len(self.facts.legs) - 1

    def routing(self, e: RawEvent) -> None:
        p = e.payload
        kind = e.type
        ix = str(p.get("interaction_id", ""))
        if kind == "interaction_enqueued":
            self._close(ix, "flowed_out", e.at)
            self._enter(e, ix, str(p["queue_id"]), None)
        elif kind in ("interaction_transferred", "interaction_overflowed"):
            leg = self._leg(ix)
            by_agent = kind == "interaction_transferred" and leg is not None and leg.answered
            self._close(ix, "transferred" if by_agent else "flowed_out", e.at)
            self._enter(e, ix, str(p["to_queue_id"]), leg)
        elif kind == "interaction_moved_to_target":
            leg = self._leg(ix)
            if leg is not None and leg.queue_id != p["queue_id"] and not leg.answered:
                self._close(ix, "flowed_out", e.at)
                self._enter(e, ix, str(p["queue_id"]), leg)
        elif kind == "offer_accepted":
            leg = self._leg(ix)
            if leg is not None and leg.answered_at is None:
                self.answered_by[(str(p["agent_id"]), ix)] = self.open[ix]
                self._set(
                    ix,
                    replace(
                        leg,
                        answered_at=e.at,
                        agent_id=str(p["agent_id"]),
                        team_id=e.team_id,
                        site_id=e.site_id,
                    ),
                )
        elif kind == "interaction_completed":
            self._close(ix, "handled", e.at)
        elif kind == "interaction_abandoned":
            self._close(ix, "abandoned", e.at)
        elif kind == "interaction_cancelled":
            self._close(ix, "cancelled", e.at)
        elif kind == "callback_requested":
            self._close(ix, "flowed_out", e.at)
        elif kind == "interaction_transferred_out":
            leg = self._leg(ix)
            answered = leg is not None and leg.answered
            self._close(ix, "transferred" if answered else "flowed_out", e.at)
        elif kind == "after_contact_work_started":
            key = (str(p["agent_id"]), ix)
            index = self.answered_by.pop(key, None)
            if index is not None:
                self.acw[key] = (index, e.at)
        elif kind == "after_contact_work_ended":
            started = self.acw.pop((str(p["agent_id"]), ix), None)
            if started is not None:
                index, start = started
                leg = self.facts.legs[index]
                self.facts.legs[index] = replace(
                    leg, after_contact_work_seconds=leg.after_contact_work_seconds + e.at - start
                )
        elif kind in ("agent_registered", "agent_presence_changed"):
            agent = str(p["agent_id"])
            presence = str(p.get("presence", "offline"))
            reason = p.get("reason")
            current = self.presence.get(agent)
            if current is not None:
                if current.presence == presence and current.reason == reason:
                    return
                self.facts.presence.append(replace(current, end=e.at))
            self.presence[agent] = PresenceSpan(
                agent, presence, reason, e.at, None, e.team_id, e.site_id
            )

    def conversation(self, e: RawEvent) -> None:
        p = e.payload
        conv = e.conversation_id or ""
        if e.type in ("wrapped_up", "resolved"):
            code = p.get("code")
            if code:
                self.facts.reasons.append(ContactReason(conv, e.at, str(code)))
        elif e.type == "escalated":
            self.facts.escalations.append(Escalation(conv, e.at))
        elif e.type == "rated":
            score = p.get("score")
            nps = p.get("nps")
            self.facts.surveys.append(
                SurveyAnswer(
                    conv,
                    e.at,
                    int(score) if score is not None else None,
                    int(nps) if nps is not None else None,
                    e.client_account_id,
                    e.contact_id,
                )
            )

    def finish(self) -> Facts:
        self.facts.presence.extend(self.presence.values())
        return self.facts


def derive_facts(events: Iterable[RawEvent]) -> Facts:
    """Facts from raw rows in log order (``at``, then ``seq`` within a source)."""
    builder = _Builder()
    for event in events:
        builder.facts.as_of = event.at
        if event.source == "routing":
            builder.routing(event)
        else:
            builder.conversation(event)
    return builder.finish()
