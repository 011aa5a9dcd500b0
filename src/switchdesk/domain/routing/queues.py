"""Queues at run time: members, indexes of routable agents, lanes of waiting interactions.

Indexes (all heaps with lazy deletion, so every update is O(log n)):

- per queue and channel kind, a heap of the member agents that could take one more
  interaction of that kind: entries ``(level, strategy key..., agent seq, stamp)`` hold
  numbers only (the agent is found by seq), so the garbage collector soon stops tracking
  them. Each heap has a token; the agent's current entry in it is
  ``agent.entries[token]``, and any other entry of the agent there is stale. A current
  entry is used while the agent can still take the kind and its key is still the
  agent's key: a change that only makes an agent worse (an offer uses capacity, round
  robin moves on) leaves optimistic entries that are fixed or dropped when they reach
  the top. When an agent frees up, every key field but the capacity in use has only
  grown, so an entry that is still at most the agent's key stays and only the others are
  pushed again. A change that can break that order (attributes, presence, capacity
  profile, counters reset) empties ``agent.entries`` and pushes fresh entries.
- per queue, *lanes*: waiting interactions with identical routing requirements (channel
  kind, level limit, target expression and the interaction values it reads, or the one
  agent waited for). A lane is a heap ordered by ``(-priority score, entered_at, seq)``.
  Whether an agent may serve a lane depends on the agent only, so it is cached per agent
  attribute version: expressions are evaluated when attributes change, not per decision.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop
from itertools import count
from typing import Any

from switchdesk.domain.routing.agents import Agent
from switchdesk.domain.routing.expressions import CompiledExpression, compile_expression
from switchdesk.domain.routing.interactions import Interaction, InteractionState
from switchdesk.domain.routing.model import QueueConfig, Strategy

__all__ = ["Lane", "QueueRuntime", "random_key"]

AgentEntry = tuple[Any, ...]
InteractionEntry = tuple[float, float, int, int, Interaction]

_MASK = (1 << 64) - 1
_TOKENS = count(1)  # kind heap tokens, unique in the process
_WAITING = InteractionState.WAITING  # a global: ``Enum.MEMBER`` is a slow metaclass hook


def random_key(seed: int, agent_seq: int, stamp: int) -> int:
    """Seeded pseudo-random draw (splitmix64), stateless so replays draw the same."""
    z = (seed * 0x9E3779B97F4A7C15 + agent_seq * 0xBF58476D1CE4E5B9 + stamp) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class QueueRuntime:
    """A configured queue and its indexes."""

    __slots__ = (
        "aging",
        "by_seq",
        "compact_at",
        "config",
        "eligibility",
        "id",
        "key",
        "kind_heaps",
        "kind_tokens",
        "lanes",
        "levels",
        "members",
        "offer_expiry_run",
        "one_heap",
        "shared_key",
        "waiting",
        "weight",
    )

    def __init__(self, config: QueueConfig, by_seq: list[Agent]) -> None:
        where = f"queue {config.id!r}"
        self.by_seq = by_seq  # the engine's agents by seq (index entries name agents by seq)
        self.config = config
        self.id = config.id
        self.eligibility = compile_expression(
            config.eligibility, where=f"{where} eligibility", allow_interaction=False
        )
        self.levels: tuple[CompiledExpression, ...] = tuple(
            compile_expression(
                level.expression, where=f"{where} level {index}", allow_interaction=False
            )
            for index, level in enumerate(config.levels)
        )
        self.members: dict[str, Agent] = {}
        self.compact_at = 64  # heap size beyond which stale entries are swept out
        self.kind_heaps: dict[str, list[AgentEntry]] = {}
        # a number per kind heap, unique in the process: an agent's current entry in that
        # heap is ``agent.entries[token]``; any other entry of the agent there is stale
        self.kind_tokens: dict[str, int] = {}
        # (kind, heap, token) while the queue has exactly one kind heap (the common case)
        self.one_heap: tuple[str, list[AgentEntry], int] | None = None
        self.lanes: dict[Any, Lane] = {}  # key: channel kind for plain lanes, else a tuple
        self.waiting = 0
        self.aging = config.priority_aging_seconds
        self.weight = config.weight
        self.key = self._key_function()
        # the engine's FIFO run of offer expiries for this timeout (deadline kind 0)
        self.offer_expiry_run = (0, config.offer_timeout_seconds)
        # Strategies whose key does not depend on the queue share entries across queues.
        self.shared_key: str | None = {
            Strategy.LONGEST_IDLE: "idle",
            Strategy.RING_ALL: "idle",
            Strategy.RING_PROGRESSIVE: "idle",
            Strategy.STICKY: "idle",
            Strategy.LEAST_OCCUPIED: "occupied",
            Strategy.RANDOM: f"random:{config.random_seed}",
            Strategy.BEST_PROFICIENCY: f"proficiency:{config.proficiency_skill or ''}",
        }.get(config.strategy)

    def level_of(self, agent: Agent) -> int | None:
        """The agent's level in this queue, or None if the agent is not a member."""
        view = agent.view
        if not self.eligibility.evaluate(view):
            return None
        if not self.levels:
            return 0
        for index, level in enumerate(self.levels):
            if level.evaluate(view):
                return index
        return None

    def _key_function(self) -> Callable[[Agent, int], AgentEntry]:
        """Index order (smaller first). Except for top-down, best proficiency and random,
        the capacity in use comes right after the level, so multi-channel work spreads
        across agents (the least loaded first) instead of filling one agent up."""
        config = self.config
        qid = config.id
        strategy = config.strategy
        if strategy is Strategy.ROUND_ROBIN:
            return lambda a, lv: (lv, a.used, a.last_offer_seq.get(qid, -1), a.seq, a.stamp)
        if strategy is Strategy.FEWEST_CONTACTS:
            return lambda a, lv: (
                lv,
                a.used,
                a.contacts.get(qid, 0),
                a.idle_since,
                a.seq,
                a.stamp,
            )
        if strategy is Strategy.LEAST_OCCUPIED:
            return lambda a, lv: (lv, a.used, a.handle_seconds, a.idle_since, a.seq, a.stamp)
        if strategy is Strategy.BEST_PROFICIENCY:
            skill = config.proficiency_skill or ""

            return lambda a, lv: (lv, -a.skill_levels.get(skill, 0), a.idle_since, a.seq, a.stamp)
        if strategy is Strategy.TOP_DOWN:
            rank = {agent_id: index for index, agent_id in enumerate(config.agent_order)}
            last = len(rank)
            return lambda a, lv: (lv, rank.get(a.id, last), a.seq, a.stamp)
        if strategy is Strategy.RANDOM:
            seed = config.random_seed
            return lambda a, lv: (lv, random_key(seed, a.seq, a.stamp), a.seq, a.stamp)
        # longest idle; also the order for ring-all, ring progressively and sticky.
        return lambda a, lv: (lv, a.used, a.idle_since, a.seq, a.stamp)

    def add_member(self, agent: Agent) -> None:
        self.members[agent.id] = agent
        self.compact_at = 2 * len(self.members) + 64

    def remove_member(self, agent_id: str) -> None:
        self.members.pop(agent_id, None)
        self.compact_at = 2 * len(self.members) + 64

    def compact(self, heap: list[AgentEntry], token: int) -> None:
        """Drop stale entries in place (those that are not their agent's current one)."""
        by_seq = self.by_seq
        heap[:] = [entry for entry in heap if by_seq[entry[-2]].entries.get(token) is entry]
        heapify(heap)

    def build_kind_heap(self, kind: str) -> list[AgentEntry]:
        key = self.key
        token = self.kind_tokens.get(kind)
        if token is None:
            token = self.kind_tokens[kind] = next(_TOKENS)
        entries = []
        for agent in self.members.values():
            if agent.can_take(kind):
                entry = agent.entries[token] = key(agent, agent.memberships[self.id])
                entries.append(entry)
            else:
                agent.entries.pop(token, None)
        entries.sort()
        heap = self.kind_heaps.get(kind)
        if heap is None:
            heap = self.kind_heaps[kind] = entries
        else:
            heap[:] = entries  # in place: lanes hold references
        if len(self.kind_heaps) == 1:
            self.one_heap = (kind, heap, token)
        else:
            self.one_heap = None
        return heap

    def score(self, priority: int, entered_at: float) -> float:
        """Static ordering score (higher first); with aging it grows with wait linearly."""
        if self.aging:
            return priority - entered_at / self.aging
        return float(priority)

    def effective_priority(self, ix: Interaction, now: float) -> float:
        if self.aging:
            return ix.priority + (now - ix.entered_at) / self.aging
        return float(ix.priority)


class Lane:
    """Waiting interactions of one queue with identical routing requirements."""

    __slots__ = (
        "agent_id",
        "agents",
        "cache",
        "expression",
        "heap",
        "key",
        "kind",
        "live",
        "max_level",
        "plain",
        "queue",
        "sample_view",
        "token",
    )

    def __init__(
        self,
        key: Any,
        queue: QueueRuntime,
        kind: str,
        max_level: int | None,
        expression: CompiledExpression | None,
        sample_view: dict[str, Any],
        agent_id: str | None,
    ) -> None:
        self.key = key
        self.queue = queue
        self.kind = kind
        if max_level is not None and queue.levels and max_level >= len(queue.levels) - 1:
            max_level = None
        if max_level is not None and not queue.levels:
            max_level = None
        self.max_level = max_level
        self.expression = expression
        self.sample_view = sample_view
        self.agent_id = agent_id
        self.heap: list[InteractionEntry] = []
        self.live = 0
        self.cache: dict[str, tuple[int, bool]] = {}
        self.plain = agent_id is None and expression is None and max_level is None
        heap = queue.kind_heaps.get(kind)
        self.agents: list[AgentEntry] = heap if heap is not None else queue.build_kind_heap(kind)
        self.token = queue.kind_tokens[kind]

    def accepts(self, agent: Agent) -> bool:
        """May this agent serve this lane (ignoring presence and capacity)?"""
        if self.agent_id is not None:
            return agent.id == self.agent_id
        level = agent.memberships.get(self.queue.id)
        if level is None:
            return False
        if self.max_level is not None and level > self.max_level:
            return False
        expression = self.expression
        if expression is None:
            return True
        cached = self.cache.get(agent.id)
        if cached is not None and cached[0] == agent.attr_version:
            return cached[1]
        result = expression.evaluate(agent.view, self.sample_view)
        self.cache[agent.id] = (agent.attr_version, result)
        return result

    def compact(self) -> None:
        """Drop stale entries (interactions offered, moved or gone) in place."""
        self.heap[:] = [
            entry
            for entry in self.heap
            if entry[3] == entry[4].token and entry[4].lane is self and entry[4].state is _WAITING
        ]
        heapify(self.heap)

    def head(self) -> Interaction | None:
        heap = self.heap
        while heap:
            entry = heap[0]
            ix = entry[4]
            if entry[3] == ix.token and ix.lane is self and ix.state is _WAITING:
                return ix
            heappop(heap)
        return None
