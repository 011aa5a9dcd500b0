"""Channels of every kind configured through the API: each kind created and updated with its
own settings, bad settings refused with stable codes, secrets named but never given nor
echoed, changes audited, and only those who configure routing may do it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime
from switchdesk.domain.accounts.model import AuditAction
from switchdesk.usecases.principal import Principal

Demo = tuple[TestClient, dict[str, dict[str, str]]]

EMAIL = {
    "kind": "email",
    "slug": "north-mail",
    "name": "Northwind mail",
    "address": "Help@Northwind.example",
    "settings": {
        "smtp_host": "smtp.northwind.example",
        "smtp_port": 587,
        "smtp_starttls": True,
        "smtp_username": "help@northwind.example",
        "our_domain": "northwind.example",
        "imap_host": "imap.northwind.example",
        "imap_port": 993,
        "imap_ssl": True,
        "imap_mailbox": "INBOX",
        "secrets": {"smtp_password": "north_smtp", "imap_password": "NORTH_IMAP"},
    },
}
WHATSAPP = {
    "kind": "whatsapp",
    "slug": "north-wa",
    "name": "Northwind WhatsApp",
    "address": "106540352242922",
    "settings": {
        "api_base_url": "http://127.0.0.1:9/graph",
        "api_version": "v21.0",
        "secrets": {
            "app_secret": "NORTH_WA_APP",
            "verify_token": "NORTH_WA_VERIFY",
            "access_token": "NORTH_WA_ACCESS",
        },
    },
}
MESSENGER = {
    "kind": "messenger",
    "slug": "north-fb",
    "name": "Northwind Messenger",
    "address": "1234567890",
    "settings": {
        "secrets": {
            "app_secret": "NORTH_FB_APP",
            "verify_token": "NORTH_FB_VERIFY",
            "access_token": "NORTH_FB_ACCESS",
        }
    },
}
SMS = {
    "kind": "sms",
    "slug": "north-sms",
    "name": "Northwind SMS",
    "address": "+15557654321",
    "settings": {
        "account_sid": "AC0123456789abcdef0123456789abcdef",
        "messaging_service_sid": "MG0123456789abcdef0123456789abcdef",
        "status_callback_url": "https://center.example.net/webhooks/sms-status/north-sms",
        "secrets": {"auth_token": "NORTH_SMS_TOKEN"},
    },
}
WEB_CHAT = {"kind": "web_chat", "slug": "north-web", "name": "Northwind web", "settings": {}}
KINDS = {"email": EMAIL, "whatsapp": WHATSAPP, "messenger": MESSENGER, "sms": SMS}


def _queue(client: TestClient, auth: dict[str, dict[str, str]], name: str) -> str:
    queues = client.get("/api/v1/queues", headers=auth["admin"]).json()
    return str(next(q["id"] for q in queues if q["name"] == name))


def _body(client: TestClient, auth: dict[str, dict[str, str]], kind: str) -> dict[str, Any]:
    spec = WEB_CHAT if kind == "web_chat" else KINDS[kind]
    return {**spec, "queue_id": _queue(client, auth, "Northwind support")}


def _create(client: TestClient, auth: dict[str, dict[str, str]], kind: str) -> dict[str, Any]:
    r = client.post("/api/v1/channels", json=_body(client, auth, kind), headers=auth["admin"])
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_channel_of_each_kind_is_created_listed_and_updated(demo: Demo, kind: str) -> None:
    client, auth = demo
    made = _create(client, auth, kind)
    assert (made["kind"], made["enabled"], made["url"]) == (kind, True, None)
    settings = dict(KINDS[kind]["settings"])
    names = settings.pop("secrets")
    assert made["settings"] == settings
    assert made["secrets"] == {
        role: {"name": name.upper(), "configured": False} for role, name in names.items()
    }
    hook = None if kind == "email" else f"/webhooks/{kind}/{made['slug']}"
    assert made["webhook_url"] == hook
    listed = {c["id"]: c for c in client.get("/api/v1/channels", headers=auth["ops"]).json()}
    assert listed[made["id"]] == made

    billing = _queue(client, auth, "Northwind billing")
    patch = {"name": "Renamed", "queue_id": billing, "enabled": False}
    r = client.patch(f"/api/v1/channels/{made['id']}", json=patch, headers=auth["ops"])
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["queue_id"], r.json()["enabled"]) == (
        "Renamed",
        billing,
        False,
    )
    assert r.json()["settings"] == settings  # left out: unchanged
    listed = {c["id"]: c for c in client.get("/api/v1/channels", headers=auth["ops"]).json()}
    assert listed[made["id"]]["enabled"] is False


def test_updating_settings_replaces_them_and_an_email_address_is_kept_in_lower_case(
    demo: Demo,
) -> None:
    client, auth = demo
    made = _create(client, auth, "email")
    assert made["address"] == "help@northwind.example"
    new = {"smtp_host": "relay.northwind.example", "smtp_port": 2525, "smtp_starttls": False}
    r = client.patch(
        f"/api/v1/channels/{made['id']}",
        json={"address": "Support@Northwind.example", "settings": new},
        headers=auth["admin"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["address"] == "support@northwind.example"
    assert r.json()["settings"] == new and r.json()["secrets"] == {}


def test_the_secret_status_says_whether_the_server_has_each_secret_without_its_value(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, auth = demo
    monkeypatch.setenv("SWITCHDESK_SECRET_NORTH_WA_APP", "the-app-secret-value")
    made = _create(client, auth, "whatsapp")
    assert made["secrets"]["app_secret"] == {"name": "NORTH_WA_APP", "configured": True}
    assert made["secrets"]["access_token"] == {"name": "NORTH_WA_ACCESS", "configured": False}
    listed = client.get("/api/v1/channels", headers=auth["admin"])
    assert "the-app-secret-value" not in listed.text


def _refused(demo: Demo, kind: str, change: dict[str, Any]) -> dict[str, Any]:
    client, auth = demo
    body = _body(client, auth, kind)
    settings = {**body["settings"], **change.pop("settings", {})}
    body = {**body, **change, "settings": {k: v for k, v in settings.items() if v is not None}}
    r = client.post("/api/v1/channels", json=body, headers=auth["admin"])
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    listed = client.get("/api/v1/channels", headers=auth["admin"]).json()
    assert all(c["slug"] != body["slug"] for c in listed)  # nothing was stored
    return dict(r.json())


@pytest.mark.parametrize(
    ("kind", "change", "code", "field"),
    [
        ("email", {"settings": {"smtp_host": None}}, "channel_setting_missing", "smtp_host"),
        ("email", {"settings": {"smtp_port": 70000}}, "channel_port_invalid", "smtp_port"),
        ("email", {"settings": {"smtp_port": "587"}}, "channel_port_invalid", "smtp_port"),
        ("email", {"settings": {"imap_port": 0}}, "channel_port_invalid", "imap_port"),
        (
            "email",
            {"settings": {"smtp_starttls": "yes"}},
            "channel_setting_invalid",
            "smtp_starttls",
        ),
        (
            "email",
            {"settings": {"smtp_host": "not a host"}},
            "channel_setting_invalid",
            "smtp_host",
        ),
        ("email", {"settings": {"colour": "red"}}, "channel_setting_unknown", "colour"),
        ("email", {"address": "not-an-address"}, "channel_address_invalid", "address"),
        ("email", {"address": ""}, "channel_address_missing", "address"),
        (
            "email",
            {"settings": {"secrets": {"imap_password": "NORTH_IMAP"}}},
            "channel_secret_missing",
            "secrets.smtp_password",
        ),
        ("whatsapp", {"address": "+44 7700"}, "channel_address_invalid", "address"),
        (
            "whatsapp",
            {"settings": {"api_base_url": "ftp://x"}},
            "channel_url_invalid",
            "api_base_url",
        ),
        (
            "whatsapp",
            {"settings": {"api_base_url": "https://user:pw@graph.example"}},
            "channel_url_invalid",
            "api_base_url",
        ),
        ("whatsapp", {"settings": {"api_version": "21"}}, "channel_setting_invalid", "api_version"),
        (
            "whatsapp",
            {"settings": {"secrets": {"app_secret": "NORTH_WA_APP"}}},
            "channel_secret_missing",
            "secrets.verify_token",
        ),
        (
            "messenger",
            {
                "settings": {
                    "secrets": {"app_secret": "X", "verify_token": "Y", "smtp_password": "Z"}
                }
            },
            "channel_secret_unknown",
            "secrets.smtp_password",
        ),
        ("sms", {"settings": {"account_sid": None}}, "channel_setting_missing", "account_sid"),
        (
            "sms",
            {"settings": {"status_callback_url": "not a url"}},
            "channel_url_invalid",
            "status_callback_url",
        ),
        ("sms", {"address": "call us"}, "channel_address_invalid", "address"),
        (
            "sms",
            {"settings": {"api_base_url": "http://[::1"}},
            "channel_url_invalid",
            "api_base_url",
        ),
        (
            "sms",
            {"settings": {"status_callback_url": "https://center.example:99999/x"}},
            "channel_url_invalid",
            "status_callback_url",
        ),
        ("web_chat", {"address": "x@y.example"}, "channel_address_invalid", "address"),
        ("web_chat", {"settings": {"smtp_host": "x"}}, "channel_setting_unknown", "smtp_host"),
    ],
)
def test_bad_settings_are_refused_with_a_stable_code_and_the_field(
    demo: Demo, kind: str, change: dict[str, Any], code: str, field: str
) -> None:
    problem = _refused(demo, kind, change)
    assert (problem["code"], problem["field"]) == (code, field)


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("email", "smtp_password"),
        ("whatsapp", "access_token"),
        ("whatsapp", "app_secret"),
        ("sms", "auth_token"),
        ("sms", "api_key"),
    ],
)
def test_a_secret_value_in_the_settings_is_refused_and_never_echoed(
    demo: Demo, kind: str, key: str
) -> None:
    value = "s3cr3t-VALUE-never-shown"
    problem = _refused(demo, kind, {"settings": {key: value}})
    assert problem["code"] == "channel_secret_value_refused"
    assert "SWITCHDESK_SECRET_" in problem["detail"]
    assert value not in json.dumps(problem)


def test_a_secret_pasted_where_its_name_belongs_is_refused_and_never_echoed(demo: Demo) -> None:
    pasted = "EAAGm0PX4ZCps-BAKZA+ZAZ/paste"
    secrets = {"app_secret": pasted, "verify_token": "V", "access_token": "A"}
    problem = _refused(demo, "whatsapp", {"settings": {"secrets": secrets}})
    assert (problem["code"], problem["field"]) == (
        "channel_secret_name_invalid",
        "secrets.app_secret",
    )
    assert pasted not in json.dumps(problem)


def test_a_patch_is_checked_like_a_creation_and_changes_nothing_when_refused(demo: Demo) -> None:
    client, auth = demo
    made = _create(client, auth, "sms")
    url = f"/api/v1/channels/{made['id']}"
    r = client.patch(url, json={"settings": {"auth_token": "x"}}, headers=auth["admin"])
    assert r.status_code == 422 and r.json()["code"] == "channel_secret_value_refused"
    r = client.patch(url, json={"address": "nope"}, headers=auth["admin"])
    assert r.status_code == 422 and r.json()["code"] == "channel_address_invalid"
    blue = next(
        q["id"]
        for q in client.get("/api/v1/queues", headers=auth["admin"]).json()
        if q["name"] == "Bluebird sales"
    )
    r = client.patch(url, json={"queue_id": blue}, headers=auth["admin"])
    assert r.status_code == 422 and r.json()["code"] == "channel_queue_invalid"
    r = client.patch(url, json={"slug": "other"}, headers=auth["admin"])
    assert r.status_code == 422  # the slug stays: webhook URLs carry it
    r = client.patch("/api/v1/channels/nope", json={"enabled": False}, headers=auth["admin"])
    assert r.status_code == 404
    listed = {c["id"]: c for c in client.get("/api/v1/channels", headers=auth["admin"]).json()}
    assert listed[made["id"]] == made


def test_two_channels_of_a_kind_cannot_share_an_address(demo: Demo) -> None:
    client, auth = demo
    _create(client, auth, "whatsapp")
    other = {**_body(client, auth, "whatsapp"), "slug": "north-wa-2"}
    r = client.post("/api/v1/channels", json=other, headers=auth["admin"])
    assert r.status_code == 409 and r.json()["code"] == "channel_address_taken"
    other["address"] = "999"
    made = client.post("/api/v1/channels", json=other, headers=auth["admin"]).json()
    r = client.patch(
        f"/api/v1/channels/{made['id']}",
        json={"address": WHATSAPP["address"]},
        headers=auth["admin"],
    )
    assert r.status_code == 409 and r.json()["code"] == "channel_address_taken"


def test_creating_and_updating_a_channel_is_audited_by_field_names_only(
    demo: Demo, sqlite_runtime: Runtime
) -> None:
    client, auth = demo
    made = _create(client, auth, "email")
    settings = {**EMAIL["settings"], "smtp_port": 465}  # type: ignore[dict-item]
    r = client.patch(
        f"/api/v1/channels/{made['id']}",
        json={"settings": settings, "enabled": False},
        headers=auth["admin"],
    )
    assert r.status_code == 200, r.text
    acc, op = sqlite_runtime.accounts, Principal.operator("t")
    [created] = acc.audit_entries(op, 10, AuditAction.CHANNEL_CREATED)
    [updated] = acc.audit_entries(op, 10, AuditAction.CHANNEL_UPDATED)
    assert (created.actor, created.target) == ("user:admin", f"channel:{made['id']}")
    assert "smtp_host" in created.detail["fields"]
    assert updated.detail == {
        "kind": "email",
        "slug": "north-mail",
        "fields": ["enabled", "settings.smtp_port"],
    }


@pytest.mark.parametrize("who", ["agent", "lead", "qa"])
def test_people_who_do_not_configure_routing_can_neither_list_create_nor_change_channels(
    demo: Demo, who: str
) -> None:
    client, auth = demo
    made = _create(client, auth, "whatsapp")
    body = {**_body(client, auth, "sms")}
    assert client.get("/api/v1/channels", headers=auth[who]).status_code == 403
    assert client.post("/api/v1/channels", json=body, headers=auth[who]).status_code == 403
    r = client.patch(f"/api/v1/channels/{made['id']}", json={"enabled": False}, headers=auth[who])
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    listed = {c["id"]: c for c in client.get("/api/v1/channels", headers=auth["admin"]).json()}
    assert listed[made["id"]]["enabled"] is True
    assert all(c["kind"] != "sms" for c in listed.values())


def test_a_web_chat_channel_made_through_the_api_has_its_page_and_no_secrets(demo: Demo) -> None:
    client, auth = demo
    body = {**_body(client, auth, "web_chat"), "greeting": "Hello!"}
    r = client.post("/api/v1/channels", json=body, headers=auth["admin"])
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["url"], made["greeting"], made["address"]) == ("/chat/north-web", "Hello!", "")
    assert (made["secrets"], made["webhook_url"]) == ({}, None)
    assert client.get("/chat/north-web").status_code == 200
