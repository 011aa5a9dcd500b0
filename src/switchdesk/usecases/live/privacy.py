"""Each client account's redaction policy: read and changed by the people who run the
center (audited), applied by :func:`switchdesk.usecases.live.conversations.add_message`
to every message before it is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from switchdesk.domain.accounts.model import AuditAction, AuditEntry
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import NotFound
from switchdesk.domain.privacy.policy import RedactionPolicy, policy_to_dict
from switchdesk.usecases.live.writer import CommandWriter, Outbox
from switchdesk.usecases.live_ports import LiveUnitOfWork
from switchdesk.usecases.ports import UnitOfWorkFactory
from switchdesk.usecases.principal import Principal


class PrivacyCore(Protocol):
    @property
    def writer(self) -> CommandWriter: ...
    def client_account_name(self, uow: LiveUnitOfWork, client_account_id: str) -> str | None: ...
    def redaction_policy(self, client_account_id: str) -> RedactionPolicy: ...
    def use_redaction_policy(self, client_account_id: str, policy: RedactionPolicy) -> None: ...


def _check(
    core: PrivacyCore, uow: LiveUnitOfWork, actor: Principal, client_account_id: str
) -> None:
    if not actor.sees_client_account(client_account_id) or (
        core.client_account_name(uow, client_account_id) is None
    ):
        raise NotFound(
            f"client account {client_account_id!r} not found", code="client_account_not_found"
        )


def get_policy(core: PrivacyCore, actor: Principal, client_account_id: str) -> RedactionPolicy:
    actor.require(Permission.ORG_READ)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> RedactionPolicy:
        _check(core, uow, actor, client_account_id)
        return core.redaction_policy(client_account_id)

    return core.writer.run(body)


def set_policy(
    core: PrivacyCore,
    accounts: UnitOfWorkFactory,
    actor: Principal,
    client_account_id: str,
    policy: RedactionPolicy,
    check_schemes: Callable[[tuple[str, ...]], None],
) -> RedactionPolicy:
    """Store and apply ``policy`` (``check_schemes`` raises ValidationFailed on a national
    id scheme the redactor does not know)."""
    actor.require(Permission.ORG_MANAGE)
    check_schemes(policy.national_ids)

    def body(uow: LiveUnitOfWork, now: float, out: Outbox) -> float:
        _check(core, uow, actor, client_account_id)
        uow.save_redaction_policy(client_account_id, policy, datetime.fromtimestamp(now, UTC))
        # In the writer, so every message stored after this command uses the new policy.
        core.use_redaction_policy(client_account_id, policy)
        return now

    now = core.writer.run(body)
    with accounts() as uow:
        uow.audit.append(
            AuditEntry(
                datetime.fromtimestamp(now, UTC),
                AuditAction.REDACTION_POLICY_CHANGED,
                actor.name,
                f"client_account:{client_account_id}",
                policy_to_dict(policy),
            )
        )
        uow.commit()
    return policy
