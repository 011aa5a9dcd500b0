"""Typed settings from environment variables (``SWITCHDESK_*``) and an optional TOML file.

The file is named by ``SWITCHDESK_CONFIG``; environment variables win over the file.
Secrets are ``SecretStr`` so they never show in logs or reprs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE = "sqlite:///var/switchdesk.db"
"""Relative to the directory a command runs in: ``switchdesk demo`` and every other command
run in the same directory use this one file unless ``SWITCHDESK_DATABASE_URL`` says else."""


def sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:///path`` URL names (relative paths stay relative); None for
    other databases and for an in-memory SQLite database."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+", 1)[0] != "sqlite" or not rest.startswith("/"):
        return None
    path = rest[1:].split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return Path(path)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHDESK_", extra="forbid")

    database_url: SecretStr = Field(
        default=SecretStr(DEFAULT_DATABASE),
        description="SQLAlchemy URL; sqlite:///path or postgresql://user:pw@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = Field(
        default="", description="The URL users and providers reach; used for cookies' Secure"
    )
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    login_window_minutes: float = Field(
        default=15.0, gt=0, description="Failed sign-ins older than this are forgotten"
    )
    login_max_failures_per_username: int = Field(
        default=5,
        ge=1,
        description="Failures of one username from one address before each attempt waits",
    )
    login_max_failures_per_username_total: int = Field(
        default=50,
        ge=1,
        description="Failures of one username from every address before each attempt waits",
    )
    login_max_failures_per_source: int = Field(
        default=200,
        ge=1,
        description="Failures from one address (all usernames) before its attempts wait",
    )
    login_delay_seconds: float = Field(
        default=2.0, gt=0, description="The first wait; it doubles with each further failure"
    )
    login_delay_max_seconds: float = Field(
        default=300.0, gt=0, description="The longest wait between sign-in attempts"
    )
    password_reset_hours: float = Field(
        default=24.0, gt=0, le=24 * 30, description="How long a password reset link works"
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Addresses (or networks) of reverse proxies whose X-Forwarded-For is "
        "believed; empty: the peer's address is the client's",
    )
    center_timezone: str = Field(
        default="UTC", description="The center's time zone (IANA name): report intervals"
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    smtp_inbox_host: str = Field(
        default="127.0.0.1", description="Where the inbound SMTP server listens"
    )
    smtp_inbox_port: int = Field(
        default=0, ge=0, le=65535, description="The inbound SMTP server's port; 0: off"
    )
    smtp_inbox_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="Larger mail is refused with 552"
    )
    data_dir: Path = Field(
        default=Path("var"),
        description="Where files are kept: attachments under blobs/ (by SHA-256)",
    )
    imap_poll_seconds: float = Field(
        default=60.0, gt=0, description="How often each email channel's IMAP mailbox is polled"
    )
    agent_grace_seconds: float = Field(
        default=45.0,
        ge=0,
        description="An agent with no desk open this long goes not ready (reason disconnected)",
    )
    contact_grace_seconds: float = Field(
        default=60.0,
        ge=0,
        description="A web chat customer away this long has left: waiting chats are abandoned",
    )
    heartbeat_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Sockets are pinged this often; one silent this long after a ping closes",
    )
    imap_backoff_max_seconds: float = Field(
        default=900.0, gt=0, description="The longest wait between failed IMAP polls"
    )
    redact_phones: bool = Field(
        default=False,
        description="Redact phone numbers in messages (client accounts can set their own)",
    )
    redact_emails: bool = Field(
        default=False,
        description="Redact email addresses in messages (client accounts can set their own)",
    )
    redact_national_ids: str = Field(
        default="",
        description="National id schemes to redact, comma-separated: us.ssn,nl.bsn,...",
    )
    redact_phone_regions: str = Field(
        default="US", description="Regions phone numbers without a country code are read in"
    )
    voice_transfer_allow_list: list[str] = Field(
        default_factory=list,
        description="External numbers IVR flows may transfer calls to (E.164; a trailing * "
        "allows a prefix); anything else is refused (no toll fraud)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("SWITCHDESK_CONFIG")
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise FileNotFoundError(f"SWITCHDESK_CONFIG names {path}, which is not a file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def database(self) -> str:
        return self.database_url.get_secret_value()
