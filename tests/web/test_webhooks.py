"""Messaging webhooks from outside, through the app: Meta's handshake, signatures over the
raw body (good, bad, missing, rotated), Twilio's over the configured public URL, duplicate
deliveries stored once, statuses moving our deliveries forward only."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from switchdesk.adapters.channels.meta import meta_signature
from switchdesk.adapters.channels.sms import twilio_signature
from switchdesk.bootstrap import Runtime
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.principal import Principal

PAYLOADS = Path(__file__).parents[1] / "adapters" / "messaging" / "payloads"
APP_SECRET = "test-app-secret"
AUTH_TOKEN = "test-auth-token"
PUBLIC = "https://center.example.net"


@pytest.fixture
def channels(
    sqlite_runtime: Runtime,
    demo: tuple[TestClient, dict[str, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> TestClient:
    monkeypatch.setenv("SWITCHDESK_SECRET_WA_APP", APP_SECRET)
    monkeypatch.setenv("SWITCHDESK_SECRET_WA_VERIFY", "verify-me")
    monkeypatch.setenv("SWITCHDESK_SECRET_SMS_TOKEN", AUTH_TOKEN)
    sqlite_runtime.settings.public_url = PUBLIC
    op = Principal.operator("t")
    live = sqlite_runtime.live
    queue = next(q for q in live.queues(op) if q.client_account_id)
    live.create_channel(
        op,
        slug="wa",
        name="WhatsApp",
        queue_id=queue.id,
        kind=ChannelKind.WHATSAPP,
        address="106540352242922",
        settings={"secrets": {"app_secret": "wa_app", "verify_token": "wa_verify"}},
    )
    live.create_channel(
        op,
        slug="sms",
        name="SMS",
        queue_id=queue.id,
        kind=ChannelKind.SMS,
        address="+15557654321",
        settings={"secrets": {"auth_token": "sms_token"}},
    )
    return demo[0]


def _waiting_texts(runtime: Runtime) -> list[list[str]]:
    op = Principal.operator("t")
    out = []
    for queue in runtime.live.queues(op):
        for conv_id in runtime.live.waiting(queue.id):
            detail = runtime.live.conversation_detail(op, conv_id)
            out.append([m["text"] for m in detail["messages"]])
    return out


def test_meta_verification_handshake_answers_the_challenge_only_for_the_right_token(
    channels: TestClient,
) -> None:
    ok = channels.get(
        "/webhooks/whatsapp/wa",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    bad = channels.get(
        "/webhooks/whatsapp/wa",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert bad.status_code == 403 and bad.json()["code"] == "verify_token_invalid"


def test_a_signed_whatsapp_message_becomes_a_waiting_conversation_once(
    channels: TestClient, sqlite_runtime: Runtime
) -> None:
    body = (PAYLOADS / "whatsapp_messages.json").read_bytes()
    headers = {
        "x-hub-signature-256": meta_signature(body, APP_SECRET),
        "content-type": "application/json",
    }
    for _ in range(2):  # Meta retries: the second delivery is dropped by the wamid
        answer = channels.post("/webhooks/whatsapp/wa", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
    texts = _waiting_texts(sqlite_runtime)
    assert any("Does it come in another color?" in t for t in texts)
    assert all(len(t) == len(set(t)) for t in texts)


@pytest.mark.parametrize(
    "header",
    [None, "sha256=" + "0" * 64, "sha1=abc", meta_signature(b"{}", APP_SECRET)],
)
def test_a_whatsapp_post_without_a_valid_signature_is_refused_and_stores_nothing(
    channels: TestClient, sqlite_runtime: Runtime, header: str | None
) -> None:
    body = (PAYLOADS / "whatsapp_messages.json").read_bytes()
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["x-hub-signature-256"] = header
    answer = channels.post("/webhooks/whatsapp/wa", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "signature_invalid"
    assert _waiting_texts(sqlite_runtime) == []


def test_unknown_channels_and_kinds_are_not_found(channels: TestClient) -> None:
    assert channels.post("/webhooks/whatsapp/nope", content=b"{}").json()["code"] == "not_found"
    assert channels.post("/webhooks/telegram/wa", content=b"{}").status_code == 404
    # A channel of another kind is not reachable under this kind.
    assert channels.post("/webhooks/messenger/wa", content=b"{}").status_code == 404


def _twilio(path: str, params: dict[str, str], url: str) -> tuple[bytes, dict[str, str]]:
    return urllib.parse.urlencode(params).encode(), {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio_signature(url, params, AUTH_TOKEN),
    }


def test_a_twilio_sms_signed_over_the_configured_public_url_is_received(
    channels: TestClient, sqlite_runtime: Runtime
) -> None:
    params = json.loads((PAYLOADS / "twilio_sms.json").read_text())
    body, headers = _twilio("/webhooks/sms/sms", params, PUBLIC + "/webhooks/sms/sms")
    answer = channels.post("/webhooks/sms/sms", content=body, headers=headers)
    assert answer.status_code == 200 and "<Response" in answer.text
    assert ["Hi, is my order shipped?"] in _waiting_texts(sqlite_runtime)
    # Signed over the URL the request reached (a proxy's inner host): refused.
    body, headers = _twilio("/webhooks/sms/sms", params, "http://testserver/webhooks/sms/sms")
    refused = channels.post("/webhooks/sms/sms", content=body, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "signature_invalid"
