"""Each client account's redaction policy (docs/privacy.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from switchdesk.adapters.redaction.identifiers import check_schemes
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.privacy.policy import RedactionPolicy
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import Strict
from switchdesk.web.security import require

router = APIRouter(tags=["privacy"])


class RedactionPolicyIn(Strict):
    redact_phones: bool = False
    redact_emails: bool = False
    national_ids: list[str] = Field(default_factory=list, max_length=20)
    """Schemes as ``country.scheme``: ``us.ssn``, ``nl.bsn``, ``de.idnr``, ``fr.nir``..."""
    phone_regions: list[str] = Field(default_factory=lambda: ["US"], min_length=1, max_length=20)


class RedactionPolicyOut(Strict):
    client_account_id: str
    always: list[str]
    """What is redacted whatever the policy: card numbers, security codes, IBANs."""
    redact_phones: bool
    redact_emails: bool
    national_ids: list[str]
    phone_regions: list[str]


def _out(client_account_id: str, policy: RedactionPolicy) -> RedactionPolicyOut:
    return RedactionPolicyOut(
        client_account_id=client_account_id,
        always=["card", "cvv", "iban"],
        redact_phones=policy.redact_phones,
        redact_emails=policy.redact_emails,
        national_ids=list(policy.national_ids),
        phone_regions=list(policy.phone_regions),
    )


def _check_schemes(schemes: tuple[str, ...]) -> None:
    try:
        check_schemes(schemes)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="unknown_national_id_scheme") from exc


@router.get("/api/v1/client-accounts/{client_account_id}/redaction-policy")
def get_redaction_policy(
    client_account_id: str,
    request: Request,
    principal: Principal = require(Permission.ORG_READ),
) -> RedactionPolicyOut:
    """What is removed from this client account's messages before they are stored."""
    live = request.app.state.runtime.live
    return _out(client_account_id, live.get_redaction_policy(principal, client_account_id))


@router.put("/api/v1/client-accounts/{client_account_id}/redaction-policy")
def put_redaction_policy(
    client_account_id: str,
    body: RedactionPolicyIn,
    request: Request,
    principal: Principal = require(Permission.ORG_MANAGE),
) -> RedactionPolicyOut:
    """Replace the policy; messages stored from now on follow it (audited)."""
    try:
        policy = RedactionPolicy(
            redact_phones=body.redact_phones,
            redact_emails=body.redact_emails,
            national_ids=tuple(s.strip().lower() for s in body.national_ids),
            phone_regions=tuple(r.strip().upper() for r in body.phone_regions),
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="invalid_redaction_policy") from exc
    live = request.app.state.runtime.live
    saved = live.set_redaction_policy(principal, client_account_id, policy, _check_schemes)
    return _out(client_account_id, saved)
