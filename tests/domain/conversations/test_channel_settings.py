"""Each channel kind's settings checked on their own: what the adapters read is accepted and
normalised, the rest refused without repeating the refused value."""

from __future__ import annotations

import pytest

from switchdesk.domain.conversations.channel_settings import (
    check_address,
    check_settings,
    secret_names,
    webhook_path,
)
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.errors import ValidationFailed


def test_every_setting_the_email_adapters_read_is_accepted_and_text_is_trimmed() -> None:
    settings = {
        "smtp_host": " smtp.example.org ",
        "smtp_port": 2525,
        "smtp_starttls": False,
        "smtp_timeout": 12.5,
        "from_name": "Help desk",
        "our_domain": "example.org",
        "auto_acknowledge": " We have your mail. ",
        "imap_host": "imap.example.org",
        "imap_starttls": True,
        "imap_mailbox": "Support/Inbound",
        "imap_username": "",  # empty: left out
        "secrets": {"imap_password": "north_imap", "smtp_password": ""},
    }
    assert check_settings(ChannelKind.EMAIL, settings) == {
        "smtp_host": "smtp.example.org",
        "smtp_port": 2525,
        "smtp_starttls": False,
        "smtp_timeout": 12.5,
        "from_name": "Help desk",
        "our_domain": "example.org",
        "auto_acknowledge": "We have your mail.",
        "imap_host": "imap.example.org",
        "imap_starttls": True,
        "imap_mailbox": "Support/Inbound",
        "secrets": {"imap_password": "NORTH_IMAP"},
    }


def test_imap_settings_without_an_imap_host_are_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_settings(ChannelKind.EMAIL, {"smtp_host": "smtp.example.org", "imap_port": 993})
    assert (refused.value.code, refused.value.extra["field"]) == (
        "channel_setting_missing",
        "imap_host",
    )


@pytest.mark.parametrize("port", [True, 0, 65536, 1.5, "25"])
def test_a_port_is_an_integer_from_1_to_65535(port: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_settings(ChannelKind.EMAIL, {"smtp_host": "h", "smtp_port": port})
    assert refused.value.code == "channel_port_invalid"


@pytest.mark.parametrize(
    "key", ["password", "smtp_passwd", "client_secret", "API_KEY", "credentials"]
)
def test_a_key_that_would_hold_a_secret_is_refused_without_its_value(key: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_settings(ChannelKind.SMS, {"account_sid": "AC1", key: "hunter2-value"})
    assert refused.value.code == "channel_secret_value_refused"
    assert "hunter2-value" not in refused.value.detail


def test_addresses_are_checked_per_kind_and_an_inbox_is_kept_in_lower_case() -> None:
    assert check_address(ChannelKind.EMAIL, " Help@Example.ORG ") == "help@example.org"
    assert check_address(ChannelKind.SMS, "+15557654321") == "+15557654321"
    assert check_address(ChannelKind.SMS, "12345") == "12345"  # a short code
    assert check_address(ChannelKind.WEB_CHAT, "") == ""
    for kind, bad in [
        (ChannelKind.EMAIL, "help@"),
        (ChannelKind.MESSENGER, "page-12"),
        (ChannelKind.SMS, "+1 555 765"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            check_address(kind, bad)
        assert refused.value.code == "channel_address_invalid"


def test_secret_names_and_webhook_paths_are_read_back() -> None:
    assert secret_names({"secrets": {"auth_token": "SMS_TOKEN"}}) == {"auth_token": "SMS_TOKEN"}
    assert secret_names({"secrets": "oops"}) == {}
    assert webhook_path(ChannelKind.SMS, "north-sms") == "/webhooks/sms/north-sms"
    assert webhook_path(ChannelKind.EMAIL, "north-mail") is None
