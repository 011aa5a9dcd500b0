"""Accounts and organisation: users, client accounts, teams, sites, tokens, audit entries.

Plain values; ids and times come in from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from switchdesk.domain.accounts.permissions import (
    ROLES_WITH_ALL_CLIENT_ACCOUNTS,
    Permission,
    Role,
    role_allows,
)

USERNAME_MAX = 64


@dataclass(frozen=True, slots=True)
class ClientAccount:
    """A business the center serves. Queues, contacts and reports belong to one."""

    id: str
    name: str
    created_at: datetime


class SiteKind(StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    kind: SiteKind
    timezone: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    created_at: datetime
    leader_id: str | None = None
    client_account_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    role: Role
    password_hash: str
    created_at: datetime
    active: bool = True
    all_client_accounts: bool = False
    client_account_ids: frozenset[str] = field(default_factory=frozenset)
    team_id: str | None = None
    site_id: str | None = None

    def can(self, permission: Permission) -> bool:
        return self.active and role_allows(self.role, permission)

    def sees_every_client_account(self) -> bool:
        return self.all_client_accounts or self.role in ROLES_WITH_ALL_CLIENT_ACCOUNTS

    def sees_client_account(self, client_account_id: str | None) -> bool:
        """A user sees data of a client account only inside their scope.

        Data that belongs to no client account (``None``) is shared by the center.
        """
        if client_account_id is None or self.sees_every_client_account():
            return True
        return client_account_id in self.client_account_ids


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A bearer token for an integration. Only a hash of the secret is kept."""

    id: str
    user_id: str
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Session:
    """A browser session. ``token_hash`` is the hash of the cookie value."""

    token_hash: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_RATE_LIMITED = "login.rate_limited"
    LOGIN_UNLOCKED = "login.unlocked"
    PASSWORD_RESET_CREATED = "password_reset.created"  # noqa: S105 - an action name
    PASSWORD_RESET_USED = "password_reset.used"  # noqa: S105 - an action name
    LOGOUT = "logout"
    USER_CREATED = "user.created"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_UPDATED = "user.updated"
    ROLE_CHANGED = "role.changed"
    TOKEN_ISSUED = "token.issued"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an action name, not a secret
    DATA_EXPORTED = "data.exported"
    CLIENT_ACCOUNT_CREATED = "client_account.created"
    TEAM_CREATED = "team.created"
    SITE_CREATED = "site.created"
    CHANNEL_CREATED = "channel.created"
    CHANNEL_UPDATED = "channel.updated"
    CHANNEL_DELETED = "channel.deleted"
    QUEUE_DELETED = "queue.deleted"
    CONTACT_MERGED = "contact.merged"
    REDACTION_POLICY_CHANGED = "redaction_policy.changed"
    AGENT_PRESENCE_SET = "agent.presence_set"


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """A one-time link to set a new password; only the secret's digest is kept."""

    token_hash: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    created_by: str
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only record: who did what to what, when, from where."""

    at: datetime
    action: AuditAction
    actor: str
    target: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    id: int | None = None


def audit_client_account(entry: AuditEntry) -> str | None:
    """The client account an entry concerns, if it names one (the account itself as the
    target, or a ``client_account_id`` in its detail)."""
    if entry.target.startswith("client_account:"):
        return entry.target.removeprefix("client_account:")
    value = entry.detail.get("client_account_id")
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit entries to read: every field left empty matches everything. ``since`` is
    inclusive, ``until`` exclusive."""

    action: AuditAction | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    client_account_id: str | None = None

    def matches(self, entry: AuditEntry) -> bool:
        return (
            (self.action is None or entry.action == self.action)
            and (self.actor is None or entry.actor == self.actor)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
            and (
                self.client_account_id is None
                or audit_client_account(entry) == self.client_account_id
            )
        )
