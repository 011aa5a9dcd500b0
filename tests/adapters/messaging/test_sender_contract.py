"""One contract for every channel sender, run over FakeSender and each HTTP sender (the
latter against a local server speaking the provider's format): a sent message returns an
external id; a refusal raises DeliveryFailed(permanent=True); a server error, a timeout
or an unreachable provider raises DeliveryFailed(permanent=False)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from switchdesk.adapters.channels.messenger import MessengerSender
from switchdesk.adapters.channels.sms import TwilioSmsSender
from switchdesk.adapters.channels.whatsapp import WhatsAppSender
from switchdesk.adapters.memory.channels import FakeSender
from switchdesk.domain.conversations.channels import (
    DeliveryFailed,
    DeliveryStatus,
    OutboundMessage,
    Template,
)
from switchdesk.domain.conversations.model import Channel, ChannelKind, Identity, IdentityKind
from switchdesk.usecases.channel_ports import ChannelEndpoint, ChannelSender
from tests.adapters.messaging.provider_server import (
    PAGE_TOKEN,
    PHONE_NUMBER_ID,
    TWILIO_SID,
    TWILIO_TOKEN,
    WA_TOKEN,
    ProviderServer,
)

TIMEOUT = 0.5


@dataclass
class Harness:
    name: str
    sender: ChannelSender
    endpoint: ChannelEndpoint
    to: Identity
    server: ProviderServer | None = None

    def message(self, text: str = "Hello there", **changes: Any) -> OutboundMessage:
        base = OutboundMessage(
            delivery_id="d-1",
            message_id="m-1",
            conversation_id="c-1",
            channel_id=self.endpoint.channel.id,
            to=self.to,
            to_name="Ann",
            text=text,
        )
        return replace(base, **changes)

    def _fake(self) -> FakeSender:
        assert isinstance(self.sender, FakeSender)
        return self.sender

    def refuse(self) -> None:
        if self.server:
            self.server.mode = "refuse"
        else:
            self._fake().fail_next(permanent=True, code="window_closed")

    def fail(self) -> None:
        if self.server:
            self.server.mode = "fail"
        else:
            self._fake().fail_next(permanent=False, code="http_500")

    def hang(self) -> None:
        if self.server:
            self.server.mode = "hang"
        else:
            self._fake().fail_next(permanent=False, code="timeout")

    def unreachable(self) -> None:
        if self.server:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]  # closed again: nothing listens there
            channel = self.endpoint.channel
            settings = {**channel.settings, "api_base_url": f"http://127.0.0.1:{port}"}
            self.endpoint = replace(self.endpoint, channel=replace(channel, settings=settings))
        else:
            self._fake().fail_next(permanent=False, code="unreachable")


def channel(kind: ChannelKind, address: str, **settings: Any) -> Channel:
    return Channel(
        id=f"ch-{kind.value}",
        slug=kind.value,
        name=kind.value,
        kind=kind,
        client_account_id="acc-1",
        queue_id="q-1",
        address=address,
        settings=settings,
    )


SENDERS = ["fake", "whatsapp", "messenger", "sms"]


@contextlib.contextmanager
def open_harness(name: str) -> Iterator[Harness]:
    if name == "fake":
        yield Harness(
            name,
            FakeSender(ChannelKind.WHATSAPP),
            ChannelEndpoint(channel(ChannelKind.WHATSAPP, PHONE_NUMBER_ID)),
            Identity(IdentityKind.WHATSAPP, "16505551234"),
        )
        return
    provider = {"whatsapp": "whatsapp", "messenger": "messenger", "sms": "twilio"}[name]
    server = ProviderServer(provider).start()
    client = httpx.Client(timeout=TIMEOUT)
    try:
        if name == "whatsapp":
            yield Harness(
                name,
                WhatsAppSender(client),
                ChannelEndpoint(
                    channel(ChannelKind.WHATSAPP, PHONE_NUMBER_ID, api_base_url=server.base_url),
                    {"access_token": WA_TOKEN},
                ),
                Identity(IdentityKind.WHATSAPP, "16505551234"),
                server,
            )
        elif name == "messenger":
            yield Harness(
                name,
                MessengerSender(client),
                ChannelEndpoint(
                    channel(ChannelKind.MESSENGER, "PAGE_ID_1", api_base_url=server.base_url),
                    {"access_token": PAGE_TOKEN},
                ),
                Identity(IdentityKind.MESSENGER, "PSID_USER_1"),
                server,
            )
        else:
            yield Harness(
                name,
                TwilioSmsSender(client),
                ChannelEndpoint(
                    channel(
                        ChannelKind.SMS,
                        "+15557654321",
                        api_base_url=server.base_url,
                        account_sid=TWILIO_SID,
                    ),
                    {"auth_token": TWILIO_TOKEN},
                ),
                Identity(IdentityKind.PHONE, "+15551234567"),
                server,
            )
    finally:
        client.close()
        server.stop()


@pytest.fixture(params=SENDERS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    with open_harness(request.param) as h:
        yield h


@pytest.fixture
def wa() -> Iterator[Harness]:
    with open_harness("whatsapp") as h:
        yield h


@pytest.fixture
def fb() -> Iterator[Harness]:
    with open_harness("messenger") as h:
        yield h


@pytest.fixture
def sms() -> Iterator[Harness]:
    with open_harness("sms") as h:
        yield h


@pytest.fixture
def fake() -> Iterator[Harness]:
    with open_harness("fake") as h:
        yield h


# --- The contract ----------------------------------------------------------------------


def test_a_sent_message_returns_an_external_id(harness: Harness) -> None:
    first = harness.sender.send(harness.message(), harness.endpoint)
    second = harness.sender.send(harness.message("Again", delivery_id="d-2"), harness.endpoint)
    assert first.external_id and second.external_id
    assert first.external_id != second.external_id
    assert first.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENT)
    if harness.server:
        assert len(harness.server.requests) == 2


def test_a_refusal_is_permanent(harness: Harness) -> None:
    harness.refuse()
    with pytest.raises(DeliveryFailed) as caught:
        harness.sender.send(harness.message(), harness.endpoint)
    assert caught.value.permanent is True
    assert caught.value.detail


def test_a_server_error_is_temporary(harness: Harness) -> None:
    harness.fail()
    with pytest.raises(DeliveryFailed) as caught:
        harness.sender.send(harness.message(), harness.endpoint)
    assert caught.value.permanent is False


def test_a_timeout_is_temporary(harness: Harness) -> None:
    harness.hang()
    with pytest.raises(DeliveryFailed) as caught:
        harness.sender.send(harness.message(), harness.endpoint)
    assert caught.value.permanent is False
    assert caught.value.code == "timeout"


def test_an_unreachable_provider_is_temporary(harness: Harness) -> None:
    harness.unreachable()
    with pytest.raises(DeliveryFailed) as caught:
        harness.sender.send(harness.message(), harness.endpoint)
    assert caught.value.permanent is False


def test_the_sender_recovers_after_a_temporary_failure(harness: Harness) -> None:
    harness.fail()
    with pytest.raises(DeliveryFailed):
        harness.sender.send(harness.message(), harness.endpoint)
    if harness.server:
        harness.server.mode = "ok"
    assert harness.sender.send(harness.message(), harness.endpoint).external_id


# --- Provider specifics ----------------------------------------------------------------


def server_of(harness: Harness) -> ProviderServer:
    assert harness.server is not None
    return harness.server


def test_whatsapp_text_body_and_reply_context(wa: Harness) -> None:
    server = server_of(wa)
    result = wa.sender.send(wa.message(in_reply_to="wamid.IN1"), wa.endpoint)
    assert result.external_id == "wamid.TEST0001"
    body = server.requests[0].json()
    assert body["type"] == "text" and body["text"]["body"] == "Hello there"
    assert body["to"] == "16505551234" and body["context"] == {"message_id": "wamid.IN1"}


def test_whatsapp_template_body(wa: Harness) -> None:
    server = server_of(wa)
    template = Template("order_update", "en_US", ("Ann", "#1234"))
    wa.sender.send(wa.message(template=template), wa.endpoint)
    body = server.requests[0].json()
    assert body["type"] == "template" and "text" not in body
    assert body["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "#1234"}],
            }
        ],
    }


def test_whatsapp_outside_the_window_reports_meta_error_and_window_closed(wa: Harness) -> None:
    wa.refuse()
    with pytest.raises(DeliveryFailed) as caught:
        wa.sender.send(wa.message(), wa.endpoint)
    assert caught.value.code == "window_closed"
    assert "131047" in caught.value.detail and "24 hours" in caught.value.detail


@pytest.mark.parametrize("name", ["whatsapp", "messenger", "sms"])
def test_a_sender_without_its_secret_refuses_without_calling(name: str) -> None:
    with open_harness(name) as harness:
        bare = replace(harness.endpoint, secrets={})
        with pytest.raises(DeliveryFailed) as caught:
            harness.sender.send(harness.message(), bare)
        assert caught.value.permanent and caught.value.code == "not_configured"
        assert server_of(harness).requests == []


def test_messenger_inside_the_window_is_a_response(fb: Harness) -> None:
    server = server_of(fb)
    result = fb.sender.send(fb.message(), fb.endpoint)
    assert result.external_id == "m_TEST1"
    body = server.requests[0].json()
    assert body == {
        "recipient": {"id": "PSID_USER_1"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hello there"},
    }


def test_messenger_human_agent_tag_after_24_hours(fb: Harness) -> None:
    server = server_of(fb)
    fb.sender.send(fb.message(message_tag="HUMAN_AGENT"), fb.endpoint)
    body = server.requests[0].json()
    assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"


def test_messenger_refuses_the_human_agent_tag_for_a_bot(fb: Harness) -> None:
    server = server_of(fb)
    with pytest.raises(DeliveryFailed) as caught:
        fb.sender.send(fb.message(message_tag="HUMAN_AGENT", human_agent=False), fb.endpoint)
    assert caught.value.permanent and caught.value.code == "window_closed"
    assert server.requests == []


def test_messenger_outside_the_window_is_window_closed(fb: Harness) -> None:
    fb.refuse()
    with pytest.raises(DeliveryFailed) as caught:
        fb.sender.send(fb.message(), fb.endpoint)
    assert caught.value.code == "window_closed" and "2018278" in caught.value.detail


def test_twilio_form_from_the_channel_number(sms: Harness) -> None:
    server = server_of(sms)
    result = sms.sender.send(sms.message(), sms.endpoint)
    assert result.external_id.startswith("SM") and result.status is DeliveryStatus.QUEUED
    form = server.requests[0].form()
    assert form == {"To": "+15551234567", "From": "+15557654321", "Body": "Hello there"}


def test_twilio_opted_out_is_permanent_with_its_code(sms: Harness) -> None:
    sms.refuse()
    with pytest.raises(DeliveryFailed) as caught:
        sms.sender.send(sms.message(), sms.endpoint)
    assert caught.value.permanent and caught.value.code == "opted_out"
    assert "21610" in caught.value.detail


def test_fake_sender_records_what_it_sent(fake: Harness) -> None:
    harness = fake
    fake_sender = harness._fake()
    fake_sender.fail_next(permanent=False)
    with pytest.raises(DeliveryFailed):
        fake_sender.send(harness.message("one"), harness.endpoint)
    fake_sender.send(harness.message("two"), harness.endpoint)
    assert fake_sender.texts() == ["two"] and len(fake_sender.attempts) == 2
    assert fake_sender.sent[0].external_id == "fake-whatsapp-1"


@pytest.mark.parametrize("name", ["whatsapp", "messenger"])
def test_a_meta_rate_limit_on_http_400_is_temporary(name: str) -> None:
    with open_harness(name) as harness:
        server_of(harness).mode = "throttle"
        with pytest.raises(DeliveryFailed) as caught:
            harness.sender.send(harness.message(), harness.endpoint)
        assert caught.value.permanent is False and caught.value.code == "meta_130429"
