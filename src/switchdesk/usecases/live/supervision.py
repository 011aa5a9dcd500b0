"""A supervisor acts on an agent: sets their state (with a reason) or signs them out.

Checked (``team.manage``, and the agent serves one of the supervisor's client accounts),
run by the writer like the agent's own change, and audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from switchdesk.domain.accounts.model import AuditAction, AuditEntry
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import NotFound, ValidationFailed
from switchdesk.domain.routing import Presence
from switchdesk.usecases.live.desk import DeskCore
from switchdesk.usecases.live.views import agent_row
from switchdesk.usecases.live.writer import Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.ports import UnitOfWorkFactory
from switchdesk.usecases.principal import Principal


def set_agent_presence(
    core: DeskCore,
    accounts: UnitOfWorkFactory,
    actor: Principal,
    agent_id: str,
    presence: str,
    reason: str | None,
) -> dict[str, Any]:
    """Available, not ready (with a configured reason) or offline (signed out); returns
    the agent's row as the supervisor's board shows it."""
    actor.require(Permission.TEAM_MANAGE)
    if agent_id not in core.profiles or not core.may_see_agent(actor, agent_id):
        raise NotFound(f"agent {agent_id!r} not found")
    try:
        value = Presence(presence)
    except ValueError:
        raise ValidationFailed(
            "presence is available, not_ready or offline", code="presence_invalid"
        ) from None
    if value is Presence.NOT_READY:
        if reason not in {r.code for r in core.reasons()}:
            raise ValidationFailed(
                "not ready needs one of the configured reasons", code="reason_invalid"
            )
    else:
        reason = None

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> tuple[float, dict[str, Any]]:
        before = core.engine.agent_status(agent_id)
        core.route(
            uow, now, out, lambda t: core.engine.set_presence(agent_id, value, t, reason=reason)
        )
        out.agents.add(agent_id)
        row = agent_row(core, agent_id)
        row["previous"] = {"presence": before["presence"], "reason": before["reason"]}
        return now, row

    now, row = core.writer.run(body)
    previous = row.pop("previous")
    with accounts() as uow:
        uow.audit.append(
            AuditEntry(
                datetime.fromtimestamp(now, UTC),
                AuditAction.AGENT_PRESENCE_SET,
                actor.name,
                f"agent:{agent_id}",
                {"presence": value.value, "reason": reason, "previous": previous},
            )
        )
        uow.commit()
    return row
