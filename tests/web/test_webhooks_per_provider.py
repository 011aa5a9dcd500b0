"""Each messaging provider from outside, through the app's webhook and the agent's API, on
a clock moved by hand: a good signature stores the message and routes it; a bad one
stores nothing; a replayed request and a retry in a new envelope store nothing new;
statuses that arrive out of order leave our delivery at the furthest one; and a reply
after the provider's window gets its clear refusal (WhatsApp 24 hours, Messenger 7 days
with the HUMAN_AGENT tag; SMS has none)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchdesk.adapters.channels.meta import meta_signature
from switchdesk.adapters.channels.sms import twilio_signature
from switchdesk.adapters.db.deliveries import SqlDeliveryStore
from switchdesk.adapters.memory.channels import FakeSender
from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import FAST_HASHER
from tests.live.conftest import HandClock

APP_SECRET = "provider-app-secret"
AUTH_TOKEN = "provider-auth-token"
PUBLIC = "https://center.example.net"
DAY = 24 * 3600

Signed = tuple[str, bytes, dict[str, str]]


@dataclass(frozen=True)
class Provider:
    """How one provider calls us: its channel, and its signed requests."""

    kind: ChannelKind
    slug: str
    address: str
    customer: str
    message: Callable[[str, str], Signed]
    status: Callable[[str, str], Signed] | None
    """None: the provider reports no ordered statuses by message id (Messenger's reads
    are a watermark)."""
    late_refusal: tuple[float, str] | None
    """Seconds after the customer's last message from which a free reply is refused, and
    the code; None: the channel has no window."""


def _meta(path: str, payload: dict[str, Any], secret: str = APP_SECRET) -> Signed:
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-hub-signature-256": meta_signature(body, secret),
    }
    return path, body, headers


def _twilio(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> Signed:
    body = urllib.parse.urlencode(params).encode()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio_signature(PUBLIC + path, params, token),
    }
    return path, body, headers


def _wa_value(**items: Any) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            **items,
                        },
                    }
                ],
            }
        ],
    }


def wa_message(message_id: str, text: str) -> Signed:
    return _meta(
        "/webhooks/whatsapp/wa",
        _wa_value(
            contacts=[{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
            messages=[
                {
                    "from": "16505551234",
                    "id": message_id,
                    "timestamp": "1749416383",
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        ),
    )


def wa_status(external_id: str, status: str) -> Signed:
    return _meta(
        "/webhooks/whatsapp/wa",
        _wa_value(
            statuses=[
                {
                    "id": external_id,
                    "status": status,
                    "timestamp": "1750263800",
                    "recipient_id": "16505551234",
                }
            ]
        ),
    )


def fb_message(message_id: str, text: str) -> Signed:
    event = {
        "sender": {"id": "PSID_USER_1"},
        "recipient": {"id": "PAGE_ID_1"},
        "timestamp": 1458692752478,
        "message": {"mid": message_id, "text": text},
    }
    payload = {"object": "page", "entry": [{"id": "PAGE_ID_1", "time": 1, "messaging": [event]}]}
    return _meta("/webhooks/messenger/fb", payload)


def sms_message(message_id: str, text: str) -> Signed:
    return _twilio(
        "/webhooks/sms/sms",
        {
            "MessageSid": message_id,
            "SmsSid": message_id,
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "From": "+15551234567",
            "To": "+15557654321",
            "Body": text,
            "NumMedia": "0",
        },
    )


def sms_status(external_id: str, status: str) -> Signed:
    return _twilio(
        "/webhooks/sms-status/sms",
        {
            "MessageSid": external_id,
            "MessageStatus": status,
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "To": "+15551234567",
            "From": "+15557654321",
        },
    )


PROVIDERS = {
    "whatsapp": Provider(
        ChannelKind.WHATSAPP,
        "wa",
        "106540352242922",
        "16505551234",
        wa_message,
        wa_status,
        (DAY + 1, "template_required"),
    ),
    "messenger": Provider(
        ChannelKind.MESSENGER,
        "fb",
        "PAGE_ID_1",
        "PSID_USER_1",
        fb_message,
        None,
        (7 * DAY + 1, "window_closed"),
    ),
    "sms": Provider(
        ChannelKind.SMS,
        "sms",
        "+15557654321",
        "+15551234567",
        sms_message,
        sms_status,
        None,
    ),
}


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    clock: HandClock
    sender: FakeSender
    provider: Provider
    agent: dict[str, str]

    def post(self, signed: Signed) -> int:
        path, body, headers = signed
        return self.client.post(path, content=body, headers=headers).status_code

    def texts(self) -> list[list[str]]:
        """The messages of every conversation waiting in a queue (the agent is not
        available until ``take_offer``, so whatever arrived waits)."""
        op = Principal.operator("t")
        live = self.runtime.live
        return [
            [m["text"] for m in live.conversation_detail(op, conv_id)["messages"]]
            for queue in live.queues(op)
            for conv_id in live.waiting(queue.id)
        ]

    def take_offer(self) -> str:
        """The agent becomes available and accepts the offer on the desk; returns its
        conversation's id."""
        presence = self.client.put(
            "/api/v1/desk/presence", json={"presence": "available"}, headers=self.agent
        )
        assert presence.status_code == 200, presence.text
        desk = self.client.get("/api/v1/desk", headers=self.agent).json()
        (offer,) = desk["offers"]
        accepted = self.client.post(f"/api/v1/desk/offers/{offer['id']}/accept", headers=self.agent)
        assert accepted.status_code == 200, accepted.text
        return str(offer["conversation_id"])

    def reply(self, conversation_id: str, text: str) -> Any:
        return self.client.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": text},
            headers=self.agent,
        )


@pytest.fixture(params=list(PROVIDERS))
def world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    provider = PROVIDERS[request.param]
    monkeypatch.setenv("SWITCHDESK_SECRET_APP", APP_SECRET)
    monkeypatch.setenv("SWITCHDESK_SECRET_VERIFY", "verify-me")
    monkeypatch.setenv("SWITCHDESK_SECRET_TOKEN", AUTH_TOKEN)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'providers.db'}", public_url=PUBLIC)
    migrate(settings)
    clock = HandClock()
    sender = FakeSender(provider.kind)
    runtime = build_runtime(
        settings, hasher=FAST_HASHER, clock=clock, senders={provider.kind: sender}
    )
    runtime.live.start()
    seed_demo_center(runtime.accounts, runtime.live, lambda: "demo password 1")
    op = Principal.operator("t")
    support = next(q for q in runtime.live.queues(op) if q.name == "Northwind support")
    secrets = (
        {"auth_token": "token"}
        if provider.kind is ChannelKind.SMS
        else {"app_secret": "app", "verify_token": "verify"}
    )
    runtime.live.create_channel(
        op,
        slug=provider.slug,
        name=provider.kind.value,
        queue_id=support.id,
        kind=provider.kind,
        address=provider.address,
        settings={"secrets": secrets},
    )
    acc = runtime.accounts
    token = acc.issue_token(op, acc.find_user(op, "agent").id, "t").secret
    agent = {"authorization": f"Bearer {token}"}
    with TestClient(create_app(runtime)) as client:
        yield World(client, runtime, clock, sender, provider, agent)
    runtime.close()


def test_a_good_signature_stores_and_routes_the_message(world: World) -> None:
    assert world.post(world.provider.message("m-1", "Is my parcel on its way?")) == 200
    assert world.texts() == [["Is my parcel on its way?"]]


def test_a_bad_signature_is_refused_and_stores_nothing(world: World) -> None:
    path, body, headers = world.provider.message("m-1", "Is my parcel on its way?")
    name = "x-twilio-signature" if world.provider.kind is ChannelKind.SMS else "x-hub-signature-256"
    forged = (
        twilio_signature(PUBLIC + path, {"Body": "other"}, AUTH_TOKEN)
        if world.provider.kind is ChannelKind.SMS
        else meta_signature(body, "not-the-app-secret")
    )
    answer = world.client.post(path, content=body, headers={**headers, name: forged})
    assert answer.status_code == 401 and answer.json()["code"] == "signature_invalid"
    without = {k: v for k, v in headers.items() if k != name}
    assert world.client.post(path, content=body, headers=without).status_code == 401
    assert world.texts() == []


def test_a_replayed_request_and_a_retry_in_a_new_envelope_store_nothing_new(
    world: World,
) -> None:
    first = world.provider.message("m-1", "Is my parcel on its way?")
    assert world.post(first) == 200
    assert world.post(first) == 200  # the same signed request again (a replay)
    world.clock.move(3600)
    # The provider's retry days later: same message id, new envelope and signature.
    assert world.post(world.provider.message("m-1", "Is my parcel on its way?")) == 200
    assert world.post(world.provider.message("m-2", "Hello?")) == 200
    assert world.texts() == [["Is my parcel on its way?", "Hello?"]]


# Messenger reports reads as a watermark, not by message id: no order to keep.
@pytest.mark.parametrize("world", ["whatsapp", "sms"], indirect=True)
def test_statuses_out_of_order_leave_the_delivery_at_the_furthest(world: World) -> None:
    assert world.provider.status is not None
    assert world.post(world.provider.message("m-1", "Is my parcel on its way?")) == 200
    conversation = world.take_offer()
    assert world.reply(conversation, "It left our depot this morning.").status_code == 201
    (sent,) = world.runtime.deliveries.run_due()
    assert sent.external_id and world.sender.texts() == ["It left our depot this morning."]
    channel_id = sent.message.channel_id
    furthest, late = (
        ("read", "delivered")
        if world.provider.kind is ChannelKind.WHATSAPP
        else (
            "delivered",
            "sent",
        )
    )
    assert world.post(world.provider.status(sent.external_id, furthest)) == 200
    assert world.post(world.provider.status(sent.external_id, late)) == 200  # arrives late
    stored = SqlDeliveryStore(world.runtime.engine).by_external_id(channel_id, sent.external_id)
    assert stored is not None and stored.status.value == furthest


def test_a_reply_after_the_window_gets_the_providers_refusal(world: World) -> None:
    assert world.post(world.provider.message("m-1", "Is my parcel on its way?")) == 200
    conversation = world.take_offer()
    assert world.reply(conversation, "Let me check.").status_code == 201
    if world.provider.late_refusal is None:
        world.clock.move(30 * DAY)
        assert world.reply(conversation, "Any news from you?").status_code == 201
        return
    after, code = world.provider.late_refusal
    world.clock.move(after)
    refused = world.reply(conversation, "Are you still there?")
    assert refused.status_code == 409 and refused.json()["code"] == code
    # The customer writes again: the window opens afresh.
    assert world.post(world.provider.message("m-2", "Yes, still here")) == 200
    assert world.reply(conversation, "Good, it arrives tomorrow.").status_code == 201
