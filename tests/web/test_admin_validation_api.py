"""The configuration API refuses what would never work (a rule on an attribute agents do not
have, a second queue of the same name, codes with spaces, reasons with no label), names
queues by their names, and deletes queues and channels only when nothing needs them: on
SQLite and PostgreSQL, audited, and still deleted after a rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime, build_runtime
from switchdesk.config import Settings
from switchdesk.domain.accounts.model import AuditAction
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import FAST_HASHER

OP = Principal.operator("t")


class Api:
    def __init__(self, runtime: Runtime, client: TestClient, auth: dict[str, Any]) -> None:
        self.runtime = runtime
        self.client = client
        self.auth = auth

    def call(self, method: str, path: str, body: Any = None, who: str = "ops") -> Any:
        return self.client.request(method, f"/api/v1{path}", json=body, headers=self.auth[who])

    def queues(self) -> dict[str, dict[str, Any]]:
        return {q["name"]: q for q in self.call("GET", "/queues").json()}

    def channels(self) -> dict[str, dict[str, Any]]:
        return {c["slug"]: c for c in self.call("GET", "/channels").json()}

    def new_queue(self, name: str, **fields: Any) -> Any:
        body = {"name": name, "client_account_id": self.north, **fields}
        return self.call("POST", "/queues", body)

    @property
    def north(self) -> str:
        return str(self.queues()["Northwind support"]["client_account_id"])


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    runtime.live.start()
    seed_demo_center(runtime.accounts, runtime.live, lambda: "demo password 1")
    acc = runtime.accounts
    auth = {
        name: {
            "authorization": "Bearer " + acc.issue_token(OP, acc.find_user(OP, name).id, "t").secret
        }
        for name in ("ops", "agent", "admin")
    }
    with TestClient(create_app(runtime)) as client:
        yield Api(runtime, client, auth)


@pytest.mark.parametrize(
    ("eligibility", "attribute", "hint"),
    [
        ("agent.skils.billing >= 1", "agent.skils", "known here: client_accounts, id, languages"),
        ('"en" IN agent.language', "agent.language", "role, site, skills, team"),
        ("agent.languages.en == true", "agent.languages.en", "has no attributes below it"),
    ],
)
def test_a_queue_rule_on_an_attribute_agents_do_not_have_is_refused_and_named(
    api: Api, eligibility: str, attribute: str, hint: str
) -> None:
    before = api.queues()
    r = api.new_queue("Northwind VIP", eligibility=eligibility)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "expression_attribute_unknown"
    assert problem["attribute"] == attribute
    assert f"unknown attribute {attribute!r}" in problem["detail"]
    assert hint in problem["detail"]  # what agents do have, to pick from
    # Replacing an existing queue's rule is checked the same way.
    support = before["Northwind support"]
    body = {"name": "Northwind support", "client_account_id": api.north}
    r = api.call("PUT", f"/queues/{support['id']}", {**body, "eligibility": eligibility})
    assert r.status_code == 422 and r.json()["code"] == "expression_attribute_unknown"
    assert api.queues() == before


def test_a_refusal_names_an_unsaved_queue_by_its_name_not_an_internal_id(api: Api) -> None:
    r = api.new_queue("Northwind VIP", eligibility="agent.skills.support >=")
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "configuration_invalid"
    assert r.json()["detail"].startswith("queue 'Northwind VIP' eligibility: ")
    assert "position" in r.json()["detail"]


def test_a_refusal_from_the_routing_engine_names_the_queue_by_its_name_too(api: Api) -> None:
    from switchdesk.domain.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        api.runtime.live.configure_queue(
            OP, name="Northwind VIP", client_account_id=api.north, offer_timeout_seconds=0
        )
    assert caught.value.detail == (
        "queue 'Northwind VIP': offer_timeout_seconds must be > 0, got 0"
    )
    assert caught.value.extra["where"] == "queue 'Northwind VIP'"
    assert "Northwind VIP" not in api.queues()


def test_a_skill_no_agent_has_yet_is_saved_with_a_warning_that_goes_once_one_has_it(
    api: Api,
) -> None:
    r = api.new_queue("Northwind retention", eligibility="agent.skills.retention >= 1")
    assert r.status_code == 201, r.text
    assert r.json()["warnings"] == [
        "no agent has the skill 'retention' yet: the queue routes once one does"
    ]
    ana = api.runtime.accounts.find_user(OP, "agent").id
    r = api.call("PUT", f"/agent-profiles/{ana}", {"skills": {"support": 4, "retention": 2}})
    assert r.status_code == 200, r.text
    assert api.queues()["Northwind retention"]["warnings"] == []


def test_queue_names_are_unique_in_a_client_account_ignoring_case_and_short(api: Api) -> None:
    before = api.queues()
    r = api.new_queue("  northwind SUPPORT ")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "queue_name_taken"
    assert "'Northwind support' exists already" in r.json()["detail"]
    # Renaming a queue onto another's name is refused too; keeping its own name is not.
    billing = before["Northwind billing"]
    body = {"client_account_id": api.north, "eligibility": "agent.skills.billing >= 1"}
    r = api.call("PUT", f"/queues/{billing['id']}", {**body, "name": "Northwind Support"})
    assert r.status_code == 409 and r.json()["code"] == "queue_name_taken"
    r = api.call("PUT", f"/queues/{billing['id']}", {**body, "name": "NORTHWIND billing"})
    assert r.status_code == 200, r.text
    # Another client account may have a queue of that name.
    blue = before["Bluebird sales"]["client_account_id"]
    r = api.call("POST", "/queues", {"name": "Northwind support", "client_account_id": blue})
    assert r.status_code == 201, r.text
    for name in ("x" * 5000, "x" * 81):
        r = api.new_queue(name)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["location"] == ["body", "name"]
    assert api.new_queue("x" * 80).status_code == 201
    names = set(api.queues())
    assert "x" * 81 not in names and "x" * 80 in names


def test_live_center_callers_get_the_same_length_rule_in_words(api: Api) -> None:
    from switchdesk.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="1 to 80 characters \\(this one has 5000\\)"):
        api.runtime.live.configure_queue(OP, name="q" * 5000, client_account_id=api.north)


@pytest.mark.parametrize(
    ("codes", "detail"),
    [
        ([{"code": "needs follow up"}], "wrap-up code 'needs follow up': use lowercase"),
        ([{"code": "Resolved"}], "wrap-up code 'Resolved': use lowercase"),
        ([{"code": "done"}, {"code": "done", "label": "Done"}], "wrap-up code listed twice"),
    ],
)
def test_wrap_up_codes_need_their_format(
    api: Api, codes: list[dict[str, str]], detail: str
) -> None:
    r = api.new_queue("Northwind VIP", wrap_up_codes=codes)
    assert r.status_code == 422, r.text
    assert detail in r.json()["detail"]
    assert "Northwind VIP" not in api.queues()


@pytest.mark.parametrize(
    ("reasons", "detail"),
    [
        ([{"code": "coffee break", "label": "Coffee"}], "reason code 'coffee break': use"),
        ([{"code": "Lunch", "label": "Lunch"}], "reason code 'Lunch': use lowercase"),
        ([{"code": "coffee"}], "give a label (what agents read) to the reason 'coffee'"),
        ([{"code": "coffee", "label": "   "}], "give a label"),
    ],
)
def test_reason_codes_need_their_format_and_a_label(
    api: Api, reasons: list[dict[str, str]], detail: str
) -> None:
    before = api.call("GET", "/not-ready-reasons").json()
    r = api.call("PUT", "/not-ready-reasons", [{"code": "break", "label": "Break"}, *reasons])
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "reasons_invalid"
    assert detail in r.json()["detail"]
    assert api.call("GET", "/not-ready-reasons").json() == before


def test_a_queue_in_use_by_a_channel_or_an_escalation_is_not_deleted_and_says_by_what(
    api: Api,
) -> None:
    queues = api.queues()
    r = api.call("DELETE", f"/queues/{queues['Northwind support']['id']}")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "queue_in_use"
    assert r.json()["used_by"] == ["channel 'Northwind Energy'"]
    r = api.call("DELETE", f"/queues/{queues['Northwind escalations']['id']}")
    assert r.status_code == 409 and r.json()["code"] == "queue_in_use"
    assert "queue 'Northwind support' (escalates to it)" in r.json()["detail"]
    assert api.queues() == queues


def test_those_who_do_not_configure_routing_delete_nothing(api: Api) -> None:
    queues, channels = api.queues(), api.channels()
    r = api.call("DELETE", f"/queues/{queues['Northwind billing']['id']}", who="agent")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = api.call("DELETE", f"/channels/{channels['bluebird-chat']['id']}", who="agent")
    assert r.status_code == 403
    assert api.call("DELETE", "/queues/nowhere").status_code == 404
    assert api.call("DELETE", "/channels/nowhere").status_code == 404
    assert api.queues() == queues and api.channels() == channels


def test_a_queue_and_its_channel_are_deleted_once_nothing_waits_and_stay_deleted_on_restart(
    api: Api, database_url: str
) -> None:
    live = api.runtime.live
    queue = api.new_queue("Northwind VIP", eligibility="agent.skills.vip >= 1").json()
    r = api.call(
        "POST", "/channels", {"slug": "vip-chat", "name": "VIP chat", "queue_id": queue["id"]}
    )
    assert r.status_code == 201, r.text
    channel = r.json()
    first, _ = live.start_chat("vip-chat", name="Cat", email="cat@example.com", text="Hi")
    live.start_chat("vip-chat", name="Dan", email="dan@example.com", text="Hello")

    r = api.call("DELETE", f"/queues/{queue['id']}")
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "queue_not_empty"
    assert (problem["waiting"], problem["active"]) == (2, 0)
    assert problem["detail"].startswith("queue 'Northwind VIP' has 2 waiting conversations")
    r = api.call("DELETE", f"/channels/{channel['id']}")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "channel_in_use"
    assert r.json()["open_conversations"] == 2
    assert "disable it instead" in r.json()["detail"]
    # Disabled, the channel takes no new chats; the open ones finish; then both go.
    r = api.call("PATCH", f"/channels/{channel['id']}", {"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False
    for conv in live.waiting(queue["id"]):
        live.customer_leave(conv)
    assert live.waiting(queue["id"]) == []
    r = api.call("DELETE", f"/queues/{queue['id']}")
    assert r.status_code == 409 and r.json()["used_by"] == ["channel 'VIP chat'"]
    assert api.call("DELETE", f"/channels/{channel['id']}").status_code == 204
    assert api.call("DELETE", f"/queues/{queue['id']}").status_code == 204

    assert "Northwind VIP" not in api.queues()
    assert "vip-chat" not in api.channels()
    engine_queues = {q["id"] for q in live.engine_snapshot()["queues"]}
    assert queue["id"] not in engine_queues
    # The past conversation keeps its history; its card still reads.
    assert live.conversation_detail(OP, first.id)["id"] == first.id
    entries = api.runtime.accounts.audit_entries(OP, 20)
    deleted = {(e.action, e.target) for e in entries}
    assert (AuditAction.QUEUE_DELETED, f"queue:{queue['id']}") in deleted
    assert (AuditAction.CHANNEL_DELETED, f"channel:{channel['id']}") in deleted

    # A restart rebuilds the engine from the routing log: the queue stays gone.
    again = build_runtime(Settings(database_url=database_url), hasher=FAST_HASHER)
    try:
        again.live.start()
        assert "Northwind VIP" not in {q.name for q in again.live.queues(OP)}
        assert "vip-chat" not in {c.slug for c in again.live.channels(OP)}
        assert queue["id"] not in {q["id"] for q in again.live.engine_snapshot()["queues"]}
        assert "Northwind support" in {q.name for q in again.live.queues(OP)}
    finally:
        again.close()
