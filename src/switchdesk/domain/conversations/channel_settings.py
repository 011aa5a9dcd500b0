"""What each channel kind's address and settings may hold, checked before they are stored.

Settings are plain, non-secret options (hosts, ports, ids, URLs). Secrets are never
settings: ``settings["secrets"]`` maps each secret's role (``smtp_password``,
``app_secret``...) to a NAME, and the server reads ``SWITCHDESK_SECRET_<NAME>`` from its
environment. A setting whose key looks like a secret value (a password, a token) is
refused with ``channel_secret_value_refused``; no error message repeats a refused value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.errors import ValidationFailed

SECRETS_KEY = "secrets"
SECRET_NAME = re.compile(r"[A-Z0-9_]{1,64}")
SECRET_LOOKING = ("password", "passwd", "secret", "token", "api_key", "apikey", "credential")
"""Parts of a settings key that say its value would be a secret."""

_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_DIGITS = re.compile(r"[0-9]{1,32}")
_NUMBER = re.compile(r"\+?[0-9]{3,15}")
_SID = re.compile(r"[A-Za-z0-9]{1,64}")
_VERSION = re.compile(r"v[0-9]{1,3}(\.[0-9]{1,3})?")
_MAILBOX = re.compile(r"[^\x00-\x1f\"\\]{1,200}")


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its type (``text``, ``host``, ``port``, ``flag``, ``url``, ``seconds``,
    or a pattern name) and whether a complete channel needs it."""

    type: str
    required: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class KindSpec:
    address: str
    """How the address is checked: ``none``, ``email``, ``digits`` or ``number``."""
    address_label: str
    settings: Mapping[str, Setting]
    secrets: tuple[str, ...]
    required_secrets: tuple[str, ...] = ()


_META_SETTINGS = {
    "api_base_url": Setting("url", label="API base URL"),
    "api_version": Setting("version", label="API version"),
}
_META_SECRETS = ("app_secret", "app_secret_previous", "verify_token", "access_token")

KINDS: dict[ChannelKind, KindSpec] = {
    ChannelKind.WEB_CHAT: KindSpec("none", "", {}, ()),
    ChannelKind.EMAIL: KindSpec(
        "email",
        "Inbox address",
        {
            "smtp_host": Setting("host", required=True, label="SMTP host"),
            "smtp_port": Setting("port", label="SMTP port"),
            "smtp_starttls": Setting("flag", label="STARTTLS"),
            "smtp_username": Setting("text", label="SMTP username"),
            "smtp_timeout": Setting("seconds", label="SMTP timeout"),
            "our_domain": Setting("host", label="Our domain"),
            "from_name": Setting("text", label="From name"),
            "auto_acknowledge": Setting("text", label="Acknowledgement text"),
            "imap_host": Setting("host", label="IMAP host"),
            "imap_port": Setting("port", label="IMAP port"),
            "imap_ssl": Setting("flag", label="IMAP over TLS"),
            "imap_starttls": Setting("flag", label="IMAP STARTTLS"),
            "imap_username": Setting("text", label="IMAP username"),
            "imap_mailbox": Setting("mailbox", label="IMAP mailbox"),
        },
        ("smtp_password", "imap_password"),
    ),
    ChannelKind.WHATSAPP: KindSpec(
        "digits",
        "Phone number id",
        _META_SETTINGS,
        _META_SECRETS,
        ("app_secret", "verify_token", "access_token"),
    ),
    ChannelKind.MESSENGER: KindSpec(
        "digits",
        "Page id",
        _META_SETTINGS,
        _META_SECRETS,
        ("app_secret", "verify_token", "access_token"),
    ),
    ChannelKind.SMS: KindSpec(
        "number",
        "Our number",
        {
            "account_sid": Setting("sid", required=True, label="Account SID"),
            "messaging_service_sid": Setting("sid", label="Messaging service SID"),
            "status_callback_url": Setting("url", label="Status callback URL"),
            "api_base_url": Setting("url", label="API base URL"),
        },
        ("auth_token", "auth_token_previous"),
        ("auth_token",),
    ),
    ChannelKind.VOICE: KindSpec(
        "number",
        "Our number",
        {
            "flow": Setting("text", required=True, label="IVR flow name"),
            "account_sid": Setting("sid", label="Account SID"),
            "agent_dial": Setting("text", label="Agent leg ({agent_id} is replaced)"),
            "hold_music_url": Setting("url", label="Hold music URL"),
            "hold_seconds": Setting("seconds", label="Seconds between announcements"),
            "offer_callback": Setting("flag", label="Offer a callback while waiting"),
        },
        ("auth_token", "auth_token_previous"),
        ("auth_token",),
    ),
}


def _invalid(detail: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(detail, code=code, field=field)


def check_address(kind: ChannelKind, address: str) -> str:
    """The channel's address, trimmed (an inbox address in lower case), or a refusal."""
    spec = KINDS[kind]
    address = address.strip()
    if spec.address == "none":
        if address:
            raise _invalid(
                "a web chat channel has no address", "channel_address_invalid", "address"
            )
        return ""
    if not address:
        raise _invalid(
            f"the {spec.address_label.lower()} is missing", "channel_address_missing", "address"
        )
    pattern = {"email": _EMAIL, "digits": _DIGITS, "number": _NUMBER}[spec.address]
    if len(address) > 320 or not pattern.fullmatch(address):
        wanted = {
            "email": "an email address",
            "digits": "digits only",
            "number": "a phone number such as +15557654321 (or a short code)",
        }[spec.address]
        raise _invalid(
            f"the {spec.address_label.lower()} is {wanted}", "channel_address_invalid", "address"
        )
    return address.lower() if spec.address == "email" else address


def _check_url(key: str, value: str) -> str:
    try:
        parts = urlsplit(value)
        well_formed = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not any(c.isspace() for c in value)
            and (parts.port is None or parts.port > 0)
        )
    except ValueError:  # a bad IPv6 literal or port
        well_formed = False
    if not well_formed:
        raise _invalid(f"{key} is an http or https URL", "channel_url_invalid", key)
    if parts.username or parts.password:
        raise _invalid(
            f"{key} carries no credentials: name a secret instead", "channel_url_invalid", key
        )
    return value


def _check_value(key: str, setting: Setting, value: Any) -> Any:
    if setting.type == "flag":
        if not isinstance(value, bool):
            raise _invalid(f"{key} is true or false", "channel_setting_invalid", key)
        return value
    if setting.type == "port":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise _invalid(f"{key} is a port number 1 to 65535", "channel_port_invalid", key)
        return value
    if setting.type == "seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 300:
            raise _invalid(
                f"{key} is a number of seconds up to 300", "channel_setting_invalid", key
            )
        return value
    if not isinstance(value, str):
        raise _invalid(f"{key} is text", "channel_setting_invalid", key)
    value = value.strip()
    if len(value) > 320:
        raise _invalid(f"{key} has at most 320 characters", "channel_setting_invalid", key)
    if setting.type == "url":
        return _check_url(key, value)
    pattern = {
        "host": (_HOST, "a host name"),
        "sid": (_SID, "letters and digits"),
        "version": (_VERSION, "a version such as v21.0"),
        "mailbox": (_MAILBOX, "a mailbox name"),
    }.get(setting.type)
    if pattern is not None and not pattern[0].fullmatch(value):
        raise _invalid(f"{key} is {pattern[1]}", "channel_setting_invalid", key)
    return value


def _check_secrets(kind: ChannelKind, names: Any) -> dict[str, str]:
    spec = KINDS[kind]
    if not isinstance(names, Mapping):
        raise _invalid(
            "secrets maps each secret's role to a name", "channel_secret_name_invalid", "secrets"
        )
    out: dict[str, str] = {}
    for role, name in names.items():
        if role not in spec.secrets:
            known = ", ".join(spec.secrets) or "none"
            raise _invalid(
                f"a {kind.value} channel has no secret {str(role)[:64]!r} (known: {known})",
                "channel_secret_unknown",
                f"secrets.{str(role)[:64]}",
            )
        if name is None or (isinstance(name, str) and not name.strip()):
            continue
        # Never repeat the value in the detail: it may be a secret pasted by mistake.
        normal = name.strip().upper() if isinstance(name, str) else ""
        if not SECRET_NAME.fullmatch(normal):
            raise _invalid(
                f"the secret name for {role} is 1 to 64 letters A-Z, digits or underscores "
                "(the name of an environment secret, not the secret itself)",
                "channel_secret_name_invalid",
                f"secrets.{role}",
            )
        out[str(role)] = normal
    return out


def check_settings(kind: ChannelKind, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a channel of ``kind``, checked and normalised (text trimmed, empty
    values dropped, secret names in upper case); the first problem is refused with a
    stable code and a ``field``."""
    spec = KINDS[kind]
    out: dict[str, Any] = {}
    for key, value in settings.items():
        key = str(key)
        if key == SECRETS_KEY:
            continue
        if any(part in key.lower() for part in SECRET_LOOKING):
            raise _invalid(
                f"settings.{key[:64]} looks like a secret value: secrets are never stored; "
                "give the secret a name in settings.secrets and set SWITCHDESK_SECRET_<NAME> "
                "on the server",
                "channel_secret_value_refused",
                key[:64],
            )
        setting = spec.settings.get(key)
        if setting is None:
            known = ", ".join(spec.settings) or "none"
            raise _invalid(
                f"a {kind.value} channel has no setting {key[:64]!r} (known: {known})",
                "channel_setting_unknown",
                key[:64],
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        out[key] = _check_value(key, setting, value)
    for key, setting in spec.settings.items():
        if setting.required and key not in out:
            raise _invalid(f"{key} is required", "channel_setting_missing", key)
    secrets = _check_secrets(kind, settings.get(SECRETS_KEY, {}))
    needed = list(spec.required_secrets)
    if kind is ChannelKind.EMAIL:
        if "smtp_username" in out:
            needed.append("smtp_password")
        imap = [k for k in out if k.startswith("imap_")]
        if imap and "imap_host" not in out:
            raise _invalid(
                "imap_host is required with IMAP settings", "channel_setting_missing", "imap_host"
            )
        if "imap_host" in out:
            needed.append("imap_password")
    for role in needed:
        if role not in secrets:
            raise _invalid(
                f"name the secret for {role}", "channel_secret_missing", f"secrets.{role}"
            )
    if secrets:
        out[SECRETS_KEY] = secrets
    return out


def secret_names(settings: Mapping[str, Any]) -> dict[str, str]:
    """The role -> name map of a channel's settings (empty when there is none)."""
    names = settings.get(SECRETS_KEY, {})
    if not isinstance(names, Mapping):
        return {}
    return {str(role): str(name) for role, name in names.items()}


def webhook_path(kind: ChannelKind, slug: str) -> str | None:
    """Where the provider calls us for this channel (None for web chat and email)."""
    if kind in (ChannelKind.WHATSAPP, ChannelKind.MESSENGER, ChannelKind.SMS, ChannelKind.VOICE):
        return f"/webhooks/{kind.value}/{slug}"
    return None
