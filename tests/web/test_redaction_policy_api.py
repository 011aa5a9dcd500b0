"""A client account's redaction policy through the API: read by those who see the
organisation, replaced by those who manage it (audited), malformed policies refused with
stable codes, and another client's policy out of reach."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime
from switchdesk.domain.accounts.model import AuditAction
from switchdesk.usecases.principal import Principal
from tests.web.conftest import Center

Clients = Callable[[str], TestClient]


def _url(client_account_id: str) -> str:
    return f"/api/v1/client-accounts/{client_account_id}/redaction-policy"


def test_the_default_policy_redacts_cards_codes_and_ibans_only(
    client_for: Clients, center: Center
) -> None:
    body = client_for("admin").get(_url(center.north.id)).json()
    assert body["always"] == ["card", "cvv", "iban"]
    assert body["redact_phones"] is False and body["national_ids"] == []


def test_an_admin_replaces_the_policy_and_the_change_is_audited(
    client_for: Clients, center: Center, sqlite_runtime: Runtime
) -> None:
    admin = client_for("admin")
    policy = {
        "redact_phones": True,
        "redact_emails": False,
        "national_ids": ["us.ssn", "NL.BSN"],
        "phone_regions": ["gb"],
    }
    answer = admin.put(_url(center.north.id), json=policy)
    assert answer.status_code == 200, answer.text
    assert answer.json()["national_ids"] == ["us.ssn", "nl.bsn"]
    assert answer.json()["phone_regions"] == ["GB"]
    assert admin.get(_url(center.north.id)).json()["redact_phones"] is True
    [entry] = sqlite_runtime.accounts.audit_entries(
        Principal.operator("t"), 10, AuditAction.REDACTION_POLICY_CHANGED
    )
    assert entry.target == f"client_account:{center.north.id}"
    assert entry.detail["national_ids"] == ["us.ssn", "nl.bsn"]


def test_an_unknown_scheme_or_region_is_refused_and_nothing_changes(
    client_for: Clients, center: Center
) -> None:
    admin = client_for("admin")
    unknown = admin.put(_url(center.north.id), json={"national_ids": ["zz.nothing"]})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_national_id_scheme"
    malformed = admin.put(_url(center.north.id), json={"phone_regions": ["usa"]})
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "invalid_redaction_policy"
    assert admin.get(_url(center.north.id)).json()["phone_regions"] == ["US"]


def test_people_without_the_permission_or_the_client_are_refused(
    client_for: Clients, center: Center, app_client: TestClient
) -> None:
    assert app_client.get(_url(center.north.id)).status_code == 401
    lead = client_for("team_leader")
    assert lead.put(_url(center.north.id), json={}).status_code == 403
    blue = client_for("blue_lead")
    refused = blue.get(_url(center.north.id))
    assert refused.status_code in (403, 404)
    assert client_for("admin").get(_url("no-such-account")).status_code == 404
