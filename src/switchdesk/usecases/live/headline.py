"""Headline figures per client account, now and today (the executive's landing page).

Built from the same in-memory figures as the supervisor's board: waiting interactions
from the routing engine, today's service level (SL1: answered within the queue's
threshold over answered plus abandoned, since midnight UTC) from the projections.
CSAT today is not here: ratings are stored per conversation and no daily figure of them
is kept yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from switchdesk.domain.conversations.model import QueueSettings
from switchdesk.domain.routing import RoutingEngine
from switchdesk.usecases.live.projections import Projections
from switchdesk.usecases.principal import Principal

SHARED = "Shared queues"
"""How queues that belong to no client account are grouped."""


class HeadlineCore(Protocol):
    @property
    def engine(self) -> RoutingEngine: ...

    @property
    def figures(self) -> Projections: ...

    @property
    def queue_map(self) -> dict[str, QueueSettings]: ...


@dataclass(frozen=True, slots=True)
class AccountHeadline:
    client_account_id: str | None
    name: str
    queues: int
    waiting_now: int
    answered_today: int
    abandoned_today: int
    answered_within_today: int

    @property
    def service_level_today(self) -> float | None:
        """SL1 as a fraction; None before the first answered or abandoned contact."""
        base = self.answered_today + self.abandoned_today
        return self.answered_within_today / base if base else None


def headline_figures(
    core: HeadlineCore, actor: Principal, account_name: Callable[[str], str]
) -> list[AccountHeadline]:
    """One row per client account the actor sees that has a queue, by name."""
    groups: dict[str | None, list[QueueSettings]] = {}
    for queue in core.queue_map.values():
        if actor.sees_client_account(queue.client_account_id):
            groups.setdefault(queue.client_account_id, []).append(queue)
    rows = []
    for account_id, queues in groups.items():
        days = [core.figures.day.get(q.id) for q in queues]
        ratings = [d for d in days if d is not None]
        rows.append(
            AccountHeadline(
                client_account_id=account_id,
                name=account_name(account_id) if account_id else SHARED,
                queues=len(queues),
                waiting_now=sum(len(core.engine.waiting(q.id)) for q in queues),
                answered_today=sum(d.answered for d in ratings),
                abandoned_today=sum(d.abandoned for d in ratings),
                answered_within_today=sum(d.answered_within for d in ratings),
            )
        )
    return sorted(rows, key=lambda r: (r.client_account_id is None, r.name.lower()))
