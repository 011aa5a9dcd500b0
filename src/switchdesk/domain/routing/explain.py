"""``explain``: where would this interaction go, and why?

The answer names the workflow filter and target in force, then every agent of the
workspace with the reasons it is or is not eligible right now (queue expression false,
level too high, target expression false, offline, not-ready, after-contact work until T,
back-off until T, no capacity...) and, for eligible agents, the strategy's ordering key
(smaller first). ``would_offer_to`` is who the engine would offer the interaction to now
(several agents for ring-all), computed with the same rules the engine decides by.
Explaining scans every agent: it is for people and tests, not for the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from switchdesk.domain.routing.model import Presence, Strategy

if TYPE_CHECKING:
    from switchdesk.domain.routing.agents import Agent
    from switchdesk.domain.routing.engine import RoutingEngine
    from switchdesk.domain.routing.interactions import Interaction
    from switchdesk.domain.routing.queues import Lane

__all__ = ["CandidateExplanation", "Explanation", "explain_interaction"]


@dataclass(frozen=True, slots=True)
class CandidateExplanation:
    """One agent: eligible or not, why not, and its ordering key (smaller first)."""

    agent_id: str
    eligible: bool
    reasons: tuple[str, ...]
    level: int | None
    ordering_key: tuple[Any, ...] | None


@dataclass(frozen=True, slots=True)
class Explanation:
    interaction_id: str
    state: str
    workflow_id: str | None
    filter_name: str | None  # None: default targets, or a direct queue
    target_index: int
    target: dict[str, Any]
    queue_id: str
    strategy: str
    channel_kind: str
    priority: int
    effective_priority: float
    waits_for_agent_id: str | None
    pending_offers: dict[str, str]  # offer id -> agent id
    assigned_agent_id: str | None
    candidates: tuple[CandidateExplanation, ...]  # eligible first (by key), then the rest
    would_offer_to: tuple[str, ...]

    def candidate(self, agent_id: str) -> CandidateExplanation:
        for candidate in self.candidates:
            if candidate.agent_id == agent_id:
                return candidate
        raise KeyError(agent_id)

    def to_text(self) -> str:
        lines = [
            f"interaction {self.interaction_id} ({self.channel_kind}, {self.state}, "
            f"priority {self.priority}, effective {self.effective_priority:g})",
            f"workflow {self.workflow_id or '-'}, filter {self.filter_name or 'default'}, "
            f"target {self.target_index}: queue {self.queue_id} ({self.strategy})",
        ]
        for c in self.candidates:
            if c.eligible:
                lines.append(f"  + {c.agent_id}: eligible, key {c.ordering_key}")
            else:
                lines.append(f"  - {c.agent_id}: {'; '.join(c.reasons)}")
        lines.append(f"would offer to: {', '.join(self.would_offer_to) or 'nobody now'}")
        return "\n".join(lines)


def _reasons(agent: Agent, ix: Interaction, lane: Lane, now: float) -> tuple[list[str], int | None]:
    reasons: list[str] = []
    queue = lane.queue
    level = agent.memberships.get(queue.id)
    if lane.agent_id is not None:
        if agent.id != lane.agent_id:
            reasons.append(f"the interaction waits for agent {lane.agent_id} only")
    elif level is None:
        if queue.eligibility.evaluate(agent.view):
            reasons.append("matches none of the queue's levels")
        else:
            reasons.append(f"queue expression is false: {queue.config.eligibility}")
    else:
        if lane.max_level is not None and level > lane.max_level:
            reasons.append(f"level {level} is above the target's max level {lane.max_level}")
        if lane.expression is not None and not lane.expression.evaluate(agent.view, ix.view):
            reasons.append(f"target expression is false: {lane.expression.source}")
    if agent.presence is Presence.OFFLINE:
        reasons.append("offline")
    elif agent.presence is Presence.NOT_READY:
        reasons.append(f"not-ready ({agent.reason or 'no reason'})")
    if agent.acw:
        reasons.append(f"after-contact work until {max(agent.acw.values()):g}")
    if agent.backoff_until is not None:
        reasons.append(f"back-off until {agent.backoff_until:g}")
    if any(offer.agent is agent for offer in ix.offers.values()):
        reasons.append("is already being offered this interaction")
    elif ix.agent_id == agent.id:
        reasons.append("is handling this interaction")
    else:
        capacity = agent.capacity_reason(ix.channel_kind)
        if capacity is not None:
            reasons.append(capacity)
    return reasons, level


def explain_interaction(engine: RoutingEngine, ix: Interaction, now: float) -> Explanation:
    lane = engine._lane_for(ix, register=False)
    queue = lane.queue
    eligible: list[tuple[tuple[Any, ...], CandidateExplanation]] = []
    others: list[CandidateExplanation] = []
    for agent in sorted(engine._agents.values(), key=lambda a: a.seq):
        reasons, level = _reasons(agent, ix, lane, now)
        key: tuple[Any, ...] | None = None
        if level is not None:
            key = tuple(queue.key(agent, level)[:-1])
        elif lane.agent_id == agent.id:
            key = ()
        if reasons:
            others.append(CandidateExplanation(agent.id, False, tuple(reasons), level, key))
        else:
            entry = CandidateExplanation(agent.id, True, (), level, key)
            eligible.append((key or (), entry))
    eligible.sort(key=lambda item: item[0])
    strategy = queue.config.strategy
    would: tuple[str, ...] = ()
    if eligible and ix.state.value == "waiting":
        if strategy is Strategy.RING_ALL and lane.agent_id is None:
            would = tuple(c.agent_id for _, c in eligible)
        else:
            first = eligible[0][1].agent_id
            if strategy is Strategy.STICKY and ix.contact_id is not None:
                served = engine._last_served.get(ix.contact_id)
                if (
                    served is not None
                    and served[1] + queue.config.sticky_seconds >= now
                    and any(c.agent_id == served[0] for _, c in eligible)
                ):
                    first = served[0]
            would = (first,)
    workflow = engine._workflows.get(ix.workflow_id) if ix.workflow_id else None
    filter_name = (
        workflow.filters[ix.filter_index].name
        if workflow is not None and 0 <= ix.filter_index < len(workflow.filters)
        else None
    )
    return Explanation(
        interaction_id=ix.id,
        state=ix.state.value,
        workflow_id=ix.workflow_id,
        filter_name=filter_name,
        target_index=ix.target_index,
        target=ix.targets[ix.target_index].to_dict(),
        queue_id=queue.id,
        strategy=strategy.value,
        channel_kind=ix.channel_kind,
        priority=ix.priority,
        effective_priority=queue.effective_priority(ix, now),
        waits_for_agent_id=lane.agent_id,
        pending_offers={o.id: o.agent.id for o in ix.offers.values()},
        assigned_agent_id=ix.agent_id,
        candidates=tuple(c for _, c in eligible) + tuple(others),
        would_offer_to=would,
    )
