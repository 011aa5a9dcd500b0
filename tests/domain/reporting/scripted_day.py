"""A scripted day of raw events (routing + conversation) with known answers.

Center time zone Europe/Paris; the day is 2026-06-10 (UTC+2). Client account ``c1``,
web chat, queues ``q1`` (T = 20 s, SL5) and ``q2`` (T = 20 s, SL1), S = 5 s.
Agents: a1 (team t1), a2 (team t1), a3 (team t2).

1. ix1 (k1): enters q1 09:00:00, a1 answers 09:00:10 (wait 10), completes 09:05:10
   (talk 300), ACW 60 s; reason billing; rated 5.
2. ix2 (k2): enters q1 09:10:00, a2 answers 09:10:30 (wait 30 > T), completes 09:14:30
   (talk 240), ACW 30 s; reason tech; rated 3.
3. ix3 (k3): enters q1 09:20:00, abandons 09:20:03 (wait 3: short, within T).
4. ix4 (k4): enters q1 09:30:00, abandons 09:30:40 (wait 40: after T).
5. ix5 (k5): enters q1 09:40:00, abandons 09:40:15 (wait 15: within T, not short).
6. ix6 (k1 again, billing: a repeat of ix1): enters q1 10:00:00, a1 answers 10:00:05
   (wait 5), escalates 10:02:00, transfers to q2 10:03:05 (talk 180); a3 answers
   10:03:25 (wait 20 = T, within), completes 10:08:25 (talk 300), no ACW; reason billing;
   rated 4.
7. ix7 (k2, billing: not a repeat of ix2's tech): enters q1 10:20:00, a1 answers 10:20:20
   (wait 20), completes 10:22:20 (talk 120), ACW 60 s; reason billing; no survey.

Presence: a1 and a3 available 09:00-11:00; a2 available 09:00-10:00, not ready (break)
10:00-11:00; all offline at 11:00.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from switchdesk.domain.reporting.facts import RawEvent
from switchdesk.domain.routing import events as ev

PARIS = ZoneInfo("Europe/Paris")
DAY_START = datetime(2026, 6, 10, tzinfo=PARIS).timestamp()
CLIENT = "c1"
TEAMS = {"a1": "t1", "a2": "t1", "a3": "t2"}
QUEUE_THRESHOLDS = {"q1": (20.0, "SL5"), "q2": (20.0, "SL1")}


def t(hhmmss: str) -> float:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return datetime(2026, 6, 10, h, m, s, tzinfo=PARIS).timestamp()


class _Log:
    def __init__(self) -> None:
        self.rows: list[RawEvent] = []
        self.contacts: dict[str, str] = {}
        self.queues: dict[str, str] = {}

    def routing(self, event: ev.RoutingEvent, agent: str | None = None) -> None:
        data = ev.event_to_dict(event)
        kind = data.pop("type")
        ix = data.get("interaction_id")
        queue = data.get("to_queue_id") or data.get("queue_id")
        if ix is not None and queue is None:
            queue = self.queues.get(ix)
        if ix is not None and queue is not None:
            self.queues[ix] = queue
        agent = agent or data.get("agent_id") or data.get("from_agent_id")
        self.rows.append(
            RawEvent(
                source="routing",
                seq=len(self.rows) + 1,
                at=event.at,
                type=kind,
                payload=data,
                interaction_id=ix,
                conversation_id=None if ix is None else "conv" + ix[2:],
                contact_id=None if ix is None else self.contacts.get(ix),
                client_account_id=CLIENT if queue else None,
                channel_kind="webchat" if ix else None,
                queue_id=queue,
                agent_id=agent,
                team_id=TEAMS.get(agent or ""),
            )
        )

    def conversation(self, ix: str, at: float, kind: str, **detail: Any) -> None:
        self.rows.append(
            RawEvent(
                source="conversation",
                seq=len(self.rows) + 1,
                at=at,
                type=kind,
                payload=detail,
                conversation_id="conv" + ix[2:],
                contact_id=self.contacts[ix],
                client_account_id=CLIENT,
                channel_kind="webchat",
            )
        )

    def enqueue(self, ix: str, contact: str, at: float, queue: str = "q1") -> None:
        self.contacts[ix] = contact
        self.routing(
            ev.InteractionEnqueued(
                ix, "webchat", {}, 0, contact, None, None, -1, 0, queue, None, at, 0, False, at
            )
        )

    def answer(self, ix: str, agent: str, at: float) -> None:
        self.routing(ev.OfferMade("o" + ix + agent, ix, agent, self.queues[ix], at + 30, at))
        self.routing(ev.OfferAccepted("o" + ix + agent, ix, agent, at))

    def complete(self, ix: str, agent: str, at: float, acw: float, handle: float) -> None:
        self.routing(ev.InteractionCompleted(ix, agent, self.queues[ix], handle, at))
        if acw:
            self.routing(ev.AfterContactWorkStarted(agent, ix, at + acw, at))
            self.routing(ev.AfterContactWorkEnded(agent, ix, False, at + acw))

    def presence(self, agent: str, presence: str, at: float, reason: str | None = None) -> None:
        self.routing(ev.AgentPresenceChanged(agent, presence, reason, False, at))


def scripted_day() -> list[RawEvent]:
    log = _Log()
    for agent in ("a1", "a2", "a3"):
        log.routing(ev.AgentRegistered(agent, {}, {}, t("08:00:00")))
        log.presence(agent, "available", t("09:00:00"))
    log.enqueue("ix1", "k1", t("09:00:00"))
    log.answer("ix1", "a1", t("09:00:10"))
    log.complete("ix1", "a1", t("09:05:10"), 60, 300)
    log.conversation("ix1", t("09:06:00"), "wrapped_up", code="billing", notes="")
    log.conversation("ix1", t("09:07:00"), "rated", score=5, comment="")

    log.enqueue("ix2", "k2", t("09:10:00"))
    log.answer("ix2", "a2", t("09:10:30"))
    log.complete("ix2", "a2", t("09:14:30"), 30, 240)
    log.conversation("ix2", t("09:14:50"), "wrapped_up", code="tech", notes="")
    log.conversation("ix2", t("09:16:00"), "rated", score=3, comment="")

    log.enqueue("ix3", "k3", t("09:20:00"))
    log.routing(ev.InteractionAbandoned("ix3", "q1", t("09:20:03")))
    log.enqueue("ix4", "k4", t("09:30:00"))
    log.routing(ev.InteractionAbandoned("ix4", "q1", t("09:30:40")))
    log.enqueue("ix5", "k5", t("09:40:00"))
    log.routing(ev.InteractionAbandoned("ix5", "q1", t("09:40:15")))

    log.presence("a2", "not_ready", t("10:00:00"), "break")
    log.enqueue("ix6", "k1", t("10:00:00"))
    log.answer("ix6", "a1", t("10:00:05"))
    log.conversation("ix6", t("10:02:00"), "escalated", note="angry")
    log.routing(
        ev.InteractionTransferred("ix6", "a1", "q2", None, 0, t("10:00:00"), 0, t("10:03:05"))
    )
    log.answer("ix6", "a3", t("10:03:25"))
    log.complete("ix6", "a3", t("10:08:25"), 0, 300)
    log.conversation("ix6", t("10:08:30"), "wrapped_up", code="billing", notes="")
    log.conversation("ix6", t("10:09:00"), "rated", score=4, comment="")

    log.enqueue("ix7", "k2", t("10:20:00"))
    log.answer("ix7", "a1", t("10:20:20"))
    log.complete("ix7", "a1", t("10:22:20"), 60, 120)
    log.conversation("ix7", t("10:23:00"), "wrapped_up", code="billing", notes="")

    for agent in ("a1", "a2", "a3"):
        log.presence(agent, "offline", t("11:00:00"))
    return sorted(log.rows, key=lambda row: (row.at, row.seq))
