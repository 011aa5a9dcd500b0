"""The raw KPI log read back: routing events with their dimensions, and the conversation
timeline entries that carry reasons, escalations and survey answers. Streamed (rows are
fetched in batches), in time order."""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, null, or_, select

from switchdesk.adapters.db import live_tables as t
from switchdesk.domain.reporting.facts import RawEvent
from switchdesk.domain.reporting.kpis import QueueSetting
from switchdesk.domain.reporting.service_level import ServiceLevelFormula

CONVERSATION_KINDS = ("wrapped_up", "resolved", "escalated", "rated")
"""Timeline entries that are KPI facts."""

_BATCH = 2000


def _scope(column: Any, client_account_ids: Collection[str] | None) -> Any:
    """Rows of these client accounts and rows of none (``None``: every row)."""
    if client_account_ids is None:
        return None
    return or_(column.in_(list(client_account_ids)), column.is_(null()))


class SqlRawEvents:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def queue_settings(self) -> dict[str, QueueSetting]:
        q = t.center_queues
        with self._engine.connect() as c:
            rows = c.execute(select(q.c.id, q.c.threshold_seconds, q.c.service_level_formula))
            return {
                r.id: QueueSetting(
                    float(r.threshold_seconds), ServiceLevelFormula(r.service_level_formula)
                )
                for r in rows
            }

    def events(
        self,
        start: float,
        end: float,
        client_account_ids: Collection[str] | None = None,
        *,
        only_client_account: str | None = None,
    ) -> Iterator[RawEvent]:
        """Rows with ``start <= at < end`` in time order; ``client_account_ids`` limits them
        to those accounts plus rows of no account, ``only_client_account`` to one account."""
        with self._engine.connect() as c:
            c = c.execution_options(stream_results=True, yield_per=_BATCH)
            routing = c.execute(self._routing(start, end, client_account_ids, only_client_account))
            timeline = c.execute(
                self._timeline(start, end, client_account_ids, only_client_account)
            )
            yield from heapq.merge(
                (self._routing_row(r) for r in routing),
                (self._timeline_row(r) for r in timeline),
                key=lambda e: (e.at, e.source != "routing", e.seq),
            )

    @staticmethod
    def _routing(
        start: float, end: float, ids: Collection[str] | None, only: str | None
    ) -> Select[Any]:
        r = t.routing_events
        query = select(r).where(r.c.at >= start, r.c.at < end)
        scope = _scope(r.c.client_account_id, ids)
        if scope is not None:
            query = query.where(scope)
        if only is not None:
            query = query.where(r.c.client_account_id == only)
        return query.order_by(r.c.at, r.c.seq)

    @staticmethod
    def _timeline(
        start: float, end: float, ids: Collection[str] | None, only: str | None
    ) -> Select[Any]:
        tl, conv = t.conversation_timeline, t.conversations
        query = (
            select(
                tl.c.id,
                tl.c.at,
                tl.c.kind,
                tl.c.detail,
                tl.c.conversation_id,
                conv.c.contact_id,
                conv.c.client_account_id,
                conv.c.channel_kind,
            )
            .join(conv, conv.c.id == tl.c.conversation_id)
            .where(
                tl.c.at >= datetime.fromtimestamp(start, UTC),
                tl.c.at < datetime.fromtimestamp(end, UTC),
                tl.c.kind.in_(CONVERSATION_KINDS),
            )
        )
        scope = _scope(conv.c.client_account_id, ids)
        if scope is not None:
            query = query.where(scope)
        if only is not None:
            query = query.where(conv.c.client_account_id == only)
        return query.order_by(tl.c.at, tl.c.id)

    @staticmethod
    def _routing_row(r: Any) -> RawEvent:
        payload = dict(r.payload)
        payload.pop("type", None)
        return RawEvent(
            source="routing",
            seq=int(r.seq),
            at=float(r.at),
            type=str(r.type),
            payload=payload,
            interaction_id=r.interaction_id,
            conversation_id=r.conversation_id,
            contact_id=r.contact_id,
            client_account_id=r.client_account_id,
            channel_kind=r.channel_kind,
            queue_id=r.queue_id,
            agent_id=r.agent_id,
            team_id=r.team_id,
            site_id=r.site_id,
        )

    @staticmethod
    def _timeline_row(r: Any) -> RawEvent:
        at: datetime = r.at
        return RawEvent(
            source="conversation",
            seq=int(r.id),
            at=at.timestamp(),
            type=str(r.kind),
            payload=dict(r.detail),
            conversation_id=r.conversation_id,
            contact_id=r.contact_id,
            client_account_id=r.client_account_id,
            channel_kind=r.channel_kind,
        )
