"""The outbound delivery queue on SQL (SQLite and PostgreSQL): one short transaction per
call, so the dispatcher never holds the writer's transaction while it waits on a provider."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from switchdesk.adapters.db.live_tables import deliveries as t
from switchdesk.domain.conversations.channels import DeliveryStatus, OutboundMessage, Template
from switchdesk.domain.conversations.model import Identity, IdentityKind
from switchdesk.usecases.deliveries import Delivery


def message_to_json(message: OutboundMessage) -> dict[str, Any]:
    data = asdict(message)
    data["to"] = {"kind": message.to.kind.value, "value": message.to.value}
    data["references"] = list(message.references)
    if message.template is not None:
        data["template"]["parameters"] = list(message.template.parameters)
    return data


def message_from_json(data: dict[str, Any]) -> OutboundMessage:
    values = dict(data)
    values["to"] = Identity(IdentityKind(data["to"]["kind"]), data["to"]["value"])
    values["references"] = tuple(data.get("references", ()))
    template = data.get("template")
    values["template"] = (
        Template(template["name"], template["language"], tuple(template.get("parameters", ())))
        if template
        else None
    )
    return OutboundMessage(**values)


def delivery_from_row(r: Any) -> Delivery:
    return Delivery(
        message=message_from_json(r.message),
        created_at=r.created_at,
        next_attempt_at=r.next_attempt_at,
        status=DeliveryStatus(r.status),
        attempts=r.attempts,
        external_id=r.external_id,
        error=r.error,
        error_code=r.error_code,
        updated_at=r.updated_at,
    )


def _row(d: Delivery) -> dict[str, Any]:
    return {
        "status": d.status.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "updated_at": d.updated_at,
        "external_id": d.external_id,
        "error": d.error,
        "error_code": d.error_code,
    }


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    """The whole row of a new delivery."""
    m = delivery.message
    return {
        "id": m.delivery_id,
        "channel_id": m.channel_id,
        "conversation_id": m.conversation_id,
        "message_id": m.message_id,
        "created_at": delivery.created_at,
        "message": message_to_json(m),
        **_row(delivery),
    }


class SqlDeliveryStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, delivery: Delivery) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(t).values(**delivery_row(delivery)))

    def get(self, delivery_id: str) -> Delivery | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == delivery_id)).first()
        return delivery_from_row(row) if row else None

    def due(self, now: datetime, limit: int) -> Sequence[Delivery]:
        query = (
            select(t)
            .where(t.c.status == DeliveryStatus.QUEUED.value, t.c.next_attempt_at <= now)
            .order_by(t.c.created_at, t.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [delivery_from_row(r) for r in conn.execute(query)]

    def save(self, delivery: Delivery) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == delivery.id).values(**_row(delivery)))

    def by_external_id(self, channel_id: str, external_id: str) -> Delivery | None:
        query = select(t).where(t.c.channel_id == channel_id, t.c.external_id == external_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return delivery_from_row(row) if row else None
