"""Webhook payloads signed with a test secret: signatures (good, bad, missing, wrong
secret, rotation, Twilio URL mismatch), then parsing into channel-neutral values."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchdesk.adapters.channels.messenger import parse_messenger
from switchdesk.adapters.channels.meta import (
    answer_challenge,
    meta_signature,
    verify_meta_signature,
)
from switchdesk.adapters.channels.sms import (
    parse_twilio_sms,
    parse_twilio_status,
    twilio_signature,
    verify_twilio_signature,
)
from switchdesk.adapters.channels.whatsapp import parse_whatsapp
from switchdesk.domain.conversations.channels import (
    ConsentChange,
    DeliveryStatus,
    InboundMessage,
    StatusReport,
    advance,
)
from switchdesk.domain.conversations.model import Identity, IdentityKind

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test-app-secret"
OLD_SECRET = "old-app-secret"
AUTH_TOKEN = "test-auth-token"
PUBLIC_URL = "https://desk.example.com/webhooks/sms/inbound"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def raw(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def form(name: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(raw(name))
    return data


def wa_channels(phone_number_id: str) -> str | None:
    return {"106540352242922": "ch-wa"}.get(phone_number_id)


def page_channels(page_id: str) -> str | None:
    return {"PAGE_ID_1": "ch-fb"}.get(page_id)


def sms_channels(number: str) -> str | None:
    return {"+15557654321": "ch-sms"}.get(number)


# --- Meta signatures -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["whatsapp_messages.json", "messenger_events.json"])
def test_a_good_meta_signature_over_the_raw_body_verifies(name: str) -> None:
    body = raw(name)
    assert verify_meta_signature(body, meta_signature(body, APP_SECRET), [APP_SECRET])


def test_a_signature_over_reserialised_json_does_not_verify() -> None:
    body = raw("whatsapp_messages.json")
    reserialised = json.dumps(json.loads(body)).encode()
    assert reserialised != body
    assert not verify_meta_signature(body, meta_signature(reserialised, APP_SECRET), [APP_SECRET])


def test_a_tampered_body_does_not_verify() -> None:
    body = raw("whatsapp_messages.json")
    header = meta_signature(body, APP_SECRET)
    assert not verify_meta_signature(body.replace(b"color", b"colour"), header, [APP_SECRET])


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=" + "0" * 40, "sha256=zz" + "0" * 62, "sha256=" + "0" * 63, "abc"],
)
def test_a_missing_or_malformed_meta_header_does_not_verify(header: str | None) -> None:
    assert not verify_meta_signature(raw("whatsapp_messages.json"), header, [APP_SECRET])


def test_a_meta_signature_with_the_wrong_secret_does_not_verify() -> None:
    body = raw("whatsapp_messages.json")
    assert not verify_meta_signature(body, meta_signature(body, "other"), [APP_SECRET])
    assert not verify_meta_signature(body, meta_signature(body, APP_SECRET), [])
    assert not verify_meta_signature(body, meta_signature(body, ""), [""])


def test_during_a_rotation_either_secret_verifies() -> None:
    body = raw("whatsapp_statuses.json")
    secrets = [APP_SECRET, OLD_SECRET]
    assert verify_meta_signature(body, meta_signature(body, OLD_SECRET), secrets)
    assert verify_meta_signature(body, meta_signature(body, APP_SECRET), secrets)
    assert verify_meta_signature(
        body, meta_signature(body, APP_SECRET).upper().replace("SHA256=", "sha256="), secrets
    )


@given(st.binary(max_size=200), st.text(max_size=80))
def test_meta_verification_never_raises(body: bytes, header: str) -> None:
    assert verify_meta_signature(body, header, [APP_SECRET]) in (True, False)


def test_the_subscription_handshake_echoes_the_challenge_only_for_our_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}
    assert answer_challenge(params, "vt") == "1158201444"
    assert answer_challenge(params, "other") is None
    assert answer_challenge(params, "") is None
    assert answer_challenge({**params, "hub.mode": "unsubscribe"}, "vt") is None
    assert answer_challenge({"hub.mode": "subscribe", "hub.verify_token": "vt"}, "vt") is None


# --- Twilio signatures -----------------------------------------------------------------


def test_twilio_signature_matches_the_documented_vector() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(url, params, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_good_twilio_signature_verifies_and_rotation_accepts_the_second_token() -> None:
    params = form("twilio_sms.json")
    header = twilio_signature(PUBLIC_URL, params, AUTH_TOKEN)
    assert verify_twilio_signature(PUBLIC_URL, params, header, [AUTH_TOKEN])
    assert verify_twilio_signature(PUBLIC_URL, params, header, ["new-token", AUTH_TOKEN])
    assert not verify_twilio_signature(PUBLIC_URL, params, header, ["wrong"])
    assert not verify_twilio_signature(PUBLIC_URL, params, None, [AUTH_TOKEN])
    assert not verify_twilio_signature(PUBLIC_URL, params, "", [AUTH_TOKEN])
    assert not verify_twilio_signature(PUBLIC_URL, params, "garbage", [AUTH_TOKEN])


def test_twilio_signature_for_another_host_or_scheme_fails_against_the_configured_url() -> None:
    params = form("twilio_sms.json")
    for seen in (
        "http://desk.example.com/webhooks/sms/inbound",
        "https://10.0.0.7:8080/webhooks/sms/inbound",
        "https://evil.example.net/webhooks/sms/inbound",
    ):
        header = twilio_signature(seen, params, AUTH_TOKEN)
        assert not verify_twilio_signature(PUBLIC_URL, params, header, [AUTH_TOKEN])


def test_a_trimmed_or_changed_twilio_field_fails() -> None:
    params = form("twilio_sms.json")
    header = twilio_signature(PUBLIC_URL, params, AUTH_TOKEN)
    assert not verify_twilio_signature(
        PUBLIC_URL, {**params, "Body": params["Body"].strip("?")}, header, [AUTH_TOKEN]
    )
    without = dict(params)
    del without["NumSegments"]
    assert not verify_twilio_signature(PUBLIC_URL, without, header, [AUTH_TOKEN])


# --- WhatsApp parsing ------------------------------------------------------------------


def test_whatsapp_messages_become_inbound_messages_and_a_stop_a_consent_change() -> None:
    items = parse_whatsapp(json.loads(raw("whatsapp_messages.json")), channel_for=wa_channels)
    assert items.skipped == 0
    text, image, stop, consent = items
    assert isinstance(text, InboundMessage)
    assert text.channel_id == "ch-wa"
    assert text.sender == Identity(IdentityKind.WHATSAPP, "16505551234")
    assert text.sender_name == "Sheena Nelson"
    assert text.text == "Does it come in another color?"
    assert text.external_id.startswith("wamid.")
    assert text.received_at == datetime.fromtimestamp(1749416383, UTC)
    assert text.replies_to == ("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3QTdBOTQ2MEYyMUI4OTg5MTMA",)
    assert isinstance(image, InboundMessage)
    assert image.text == "[image] this one"
    assert image.extra["type"] == "image" and image.extra["media_id"] == "1003383421387256"
    [photo] = image.attachments  # recorded by its media id, not downloaded
    assert (photo.media_ref, photo.content_type, photo.data) == (
        "1003383421387256",
        "image/jpeg",
        b"",
    )
    assert isinstance(stop, InboundMessage) and stop.text == " Stop "
    assert isinstance(consent, ConsentChange)
    assert consent.opted_in is False and consent.keyword == "STOP"
    assert consent.sender == stop.sender and consent.at == stop.received_at


def test_whatsapp_statuses_become_status_reports_and_out_of_order_ends_at_read() -> None:
    items = parse_whatsapp(json.loads(raw("whatsapp_statuses.json")), channel_for=wa_channels)
    assert all(isinstance(i, StatusReport) for i in items) and items.skipped == 0
    reports = [i for i in items if isinstance(i, StatusReport)]
    first = [r.status for r in reports if r.external_id == "wamid.OUT1"]
    assert first == [DeliveryStatus.READ, DeliveryStatus.DELIVERED]
    assert reduce(advance, first, DeliveryStatus.SENT) is DeliveryStatus.READ
    (failed,) = [r for r in reports if r.external_id == "wamid.OUT2"]
    assert failed.status is DeliveryStatus.FAILED
    assert "131047" in failed.error and "24 hours" in failed.error


def test_a_duplicate_whatsapp_delivery_gives_identical_external_ids() -> None:
    payload = json.loads(raw("whatsapp_messages.json"))
    once = [
        i.external_id
        for i in parse_whatsapp(payload, channel_for=wa_channels)
        if isinstance(i, InboundMessage)
    ]
    again = [
        i.external_id
        for i in parse_whatsapp(copy.deepcopy(payload), channel_for=wa_channels)
        if isinstance(i, InboundMessage)
    ]
    assert once == again and len(set(once)) == 3


def test_a_whatsapp_system_message_is_automatic() -> None:
    payload: dict[str, Any] = json.loads(raw("whatsapp_messages.json"))
    payload["entry"][0]["changes"][0]["value"]["messages"] = [
        {
            "from": "16505551234",
            "id": "wamid.SYS",
            "timestamp": "1749416383",
            "type": "system",
            "system": {"body": "User A changed from 1 to 2", "type": "user_changed_number"},
        }
    ]
    (message,) = parse_whatsapp(payload, channel_for=wa_channels)
    assert isinstance(message, InboundMessage) and message.automatic
    assert message.text == "[system] User A changed from 1 to 2"


def test_whatsapp_items_for_an_unknown_number_are_skipped() -> None:
    items = parse_whatsapp(json.loads(raw("whatsapp_messages.json")), channel_for=lambda _: None)
    assert list(items) == [] and items.skipped == 3


def test_malformed_whatsapp_entries_are_skipped_and_the_rest_kept() -> None:
    payload: dict[str, Any] = json.loads(raw("whatsapp_messages.json"))
    messages = payload["entry"][0]["changes"][0]["value"]["messages"]
    messages.append({"from": "1", "type": "text"})  # no id
    messages.append("not an object")
    messages.append({"from": "1", "id": "wamid.X", "timestamp": "soon", "type": "text"})
    messages.append({"from": "1", "id": "wamid.Y", "timestamp": "1", "type": "text", "text": {}})
    payload["entry"].append({"changes": "nope"})
    payload["entry"].append(None)
    items = parse_whatsapp(payload, channel_for=wa_channels)
    assert len([i for i in items if isinstance(i, InboundMessage)]) == 3
    assert items.skipped == 4


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=20,
)


@given(json_values)
def test_parsers_never_raise_on_arbitrary_json(value: Any) -> None:
    for obj in ("whatsapp_business_account", "page"):
        payload = {"object": obj, "entry": value}
        parse_whatsapp(payload, channel_for=wa_channels)
        parse_messenger(payload, channel_for=page_channels)
        parse_whatsapp(
            {"object": obj, "entry": [{"changes": [{"field": "messages", "value": value}]}]},
            channel_for=lambda _: "ch",
        )
        parse_messenger(
            {"object": obj, "entry": [{"messaging": [value]}]}, channel_for=lambda _: "ch"
        )
    parse_whatsapp(value, channel_for=wa_channels)  # type: ignore[arg-type]


# --- Messenger parsing -----------------------------------------------------------------


def test_messenger_events_become_messages_and_statuses_and_echoes_are_ignored() -> None:
    items = parse_messenger(json.loads(raw("messenger_events.json")), channel_for=page_channels)
    assert items.skipped == 0
    text, attachment, *statuses = items
    assert isinstance(text, InboundMessage)
    assert text.sender == Identity(IdentityKind.MESSENGER, "PSID_USER_1")
    assert text.external_id == "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM" and text.text == "hello, world!"
    assert text.channel_id == "ch-fb" and text.replies_to == ("m_EARLIER",)
    assert text.received_at == datetime.fromtimestamp(1458692752.478, UTC)
    assert isinstance(attachment, InboundMessage) and attachment.text == "[image]"
    assert attachment.extra["attachments"][0]["url"] == "https://example.invalid/cat.jpg"
    assert [(a.filename, a.media_ref) for a in attachment.attachments] == [
        ("image", "https://example.invalid/cat.jpg")
    ]
    assert [(s.external_id, s.status) for s in statuses if isinstance(s, StatusReport)] == [
        ("m_OUT1", DeliveryStatus.DELIVERED),
        ("m_OUT2", DeliveryStatus.DELIVERED),
    ]
    # The read receipt only carries a watermark: no per-message report, kept apart.
    assert items.watermarks == [
        ("ch-fb", "PSID_USER_1", datetime.fromtimestamp(1458668856.253, UTC))
    ]


def test_an_instagram_read_by_mid_then_a_late_delivery_ends_at_read() -> None:
    def event(ts: int, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "sender": {"id": "IGSID"},
            "recipient": {"id": "PAGE_ID_1"},
            "timestamp": ts,
            key: body,
        }

    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": "PAGE_ID_1",
                "messaging": [
                    event(2000, "read", {"mid": "m_OUT9"}),
                    event(1000, "delivery", {"mids": ["m_OUT9"]}),
                ],
            }
        ],
    }
    items = parse_messenger(payload, channel_for=page_channels)
    reports = [i.status for i in items if isinstance(i, StatusReport)]
    assert reports == [DeliveryStatus.READ, DeliveryStatus.DELIVERED]
    assert reduce(advance, reports, DeliveryStatus.SENT) is DeliveryStatus.READ


def test_messenger_events_for_an_unknown_page_are_skipped() -> None:
    items = parse_messenger(json.loads(raw("messenger_events.json")), channel_for=lambda _: None)
    assert list(items) == [] and items.skipped == 4  # the echo is not counted


# --- Twilio parsing --------------------------------------------------------------------


def test_an_inbound_sms_becomes_a_message_with_its_media() -> None:
    items = parse_twilio_sms(form("twilio_sms.json"), channel_for=sms_channels, now=NOW)
    (message,) = items
    assert isinstance(message, InboundMessage)
    assert message.sender == Identity(IdentityKind.PHONE, "+15551234567")
    assert message.external_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.channel_id == "ch-sms" and message.received_at == NOW
    assert message.text == "Hi, is my order shipped?"
    assert message.extra["media"][0]["content_type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("body", "opt_out_type", "expected"),
    [
        ("STOP", "STOP", False),
        ("arret", "STOP", False),
        ("stop", "", False),
        ("Start", "START", True),
        ("unstop", "", True),
        ("HELP", "HELP", None),
        ("please stop texting", "", None),
    ],
)
def test_sms_opt_out_and_in(body: str, opt_out_type: str, expected: bool | None) -> None:
    params = {**form("twilio_sms.json"), "Body": body}
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    items = parse_twilio_sms(params, channel_for=sms_channels, now=NOW)
    consents = [i for i in items if isinstance(i, ConsentChange)]
    assert isinstance(items[0], InboundMessage)
    if expected is None:
        assert consents == []
    else:
        (consent,) = consents
        assert consent.opted_in is expected and consent.channel_id == "ch-sms"
        assert consent.sender == Identity(IdentityKind.PHONE, "+15551234567")


def test_sms_for_an_unknown_number_or_without_a_sid_is_skipped() -> None:
    assert (
        parse_twilio_sms(form("twilio_sms.json"), channel_for=lambda _: None, now=NOW).skipped == 1
    )
    params = {k: v for k, v in form("twilio_sms.json").items() if k not in ("MessageSid", "SmsSid")}
    items = parse_twilio_sms(params, channel_for=sms_channels, now=NOW)
    assert list(items) == [] and items.skipped == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
    ],
)
def test_twilio_status_callbacks(status: str, expected: DeliveryStatus) -> None:
    params = {**form("twilio_status.json"), "MessageStatus": status}
    (report,) = parse_twilio_status(params, channel_for=sms_channels, now=NOW)
    assert isinstance(report, StatusReport)
    assert report.status is expected and report.external_id == "SM_OUT_1"
    assert report.channel_id == "ch-sms"
    assert report.error == "30003"


def test_an_unknown_twilio_status_is_skipped() -> None:
    params = {**form("twilio_status.json"), "MessageStatus": "exploded"}
    items = parse_twilio_status(params, channel_for=sms_channels, now=NOW)
    assert list(items) == [] and items.skipped == 1
