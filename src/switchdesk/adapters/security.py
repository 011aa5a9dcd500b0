"""Password hashing (argon2id), secrets and the system clock."""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import argon2


class Argon2PasswordHasher:
    """argon2id with argon2-cffi's recommended parameters (RFC 9106 low-memory profile)."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher.from_parameters(
            argon2.profiles.RFC_9106_LOW_MEMORY
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except argon2.exceptions.InvalidHashError:
            return True


class SystemSecrets:
    def new_id(self) -> str:
        return uuid.uuid4().hex

    def new_secret(self) -> str:
        return secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        # Secrets here carry 256 bits of entropy, so a fast hash is the right tool:
        # a slow KDF is for low-entropy passwords.
        return hashlib.sha256(secret.encode()).hexdigest()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class EnvironmentSecrets:
    """Channel credentials from the environment: the secret named ``north_wa_app_secret``
    is read from ``SWITCHDESK_SECRET_NORTH_WA_APP_SECRET`` (never stored in the database,
    never logged)."""

    PREFIX = "SWITCHDESK_SECRET_"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ

    def get(self, name: str) -> str | None:
        key = self.PREFIX + "".join(c if c.isalnum() else "_" for c in name).upper()
        return self._environ.get(key) or None
