"""Request and response bodies of the JSON API. Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from switchdesk.domain.accounts.model import (
    ApiToken,
    AuditEntry,
    ClientAccount,
    Site,
    SiteKind,
    Team,
    User,
)
from switchdesk.domain.accounts.permissions import PERMISSION_MATRIX, Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    active: bool
    all_client_accounts: bool
    client_account_ids: list[str]
    team_id: str | None
    site_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            active=user.active,
            all_client_accounts=user.all_client_accounts,
            client_account_ids=sorted(user.client_account_ids),
            team_id=user.team_id,
            site_id=user.site_id,
            created_at=user.created_at,
        )


class ThrottledSignInOut(BaseModel):
    """A user whose failed sign-ins make their next attempts wait."""

    user: UserOut
    failures: int
    last_failure_at: datetime
    retry_at: datetime | None
    sources: list[str]


class ResetLinkOut(BaseModel):
    """A one-time link to set a password; shown once (only its digest is kept)."""

    user_id: str
    username: str
    url: str
    expires_at: datetime


class MeOut(UserOut):
    permissions: list[str]
    via: str

    @classmethod
    def of_principal(cls, user: User, via: str) -> MeOut:
        base = UserOut.of(user).model_dump()
        perms = sorted(p.value for p in PERMISSION_MATRIX[user.role])
        return cls(**base, permissions=perms, via=via)


class UserIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: Role
    display_name: str = Field(default="", max_length=200)
    client_account_ids: list[str] = Field(default_factory=list, max_length=100)
    all_client_accounts: bool = False
    team_id: str | None = None
    site_id: str | None = None


class UserAssignmentIn(Strict):
    """A person's display name, client scope, team and site (each replaced as given)."""

    display_name: str = Field(default="", max_length=200)
    client_account_ids: list[str] = Field(default_factory=list, max_length=100)
    all_client_accounts: bool = False
    team_id: str | None = None
    site_id: str | None = None


class RoleIn(Strict):
    role: Role


class TokenIn(Strict):
    user_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    id: str
    user_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
            active=token.active,
        )


class IssuedTokenOut(TokenOut):
    secret: str = Field(description="Shown once; store it now. Only its hash is kept.")


class ClientAccountIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class ClientAccountOut(BaseModel):
    id: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, a: ClientAccount) -> ClientAccountOut:
        return cls(id=a.id, name=a.name, created_at=a.created_at)


class TeamIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    leader_id: str | None = None
    client_account_id: str | None = None
    site_id: str | None = None


class TeamOut(BaseModel):
    id: str
    name: str
    leader_id: str | None
    client_account_id: str | None
    site_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, t: Team) -> TeamOut:
        return cls(
            id=t.id,
            name=t.name,
            leader_id=t.leader_id,
            client_account_id=t.client_account_id,
            site_id=t.site_id,
            created_at=t.created_at,
        )


class SiteIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: SiteKind
    timezone: str = Field(default="UTC", min_length=1, max_length=64)


class SiteOut(BaseModel):
    id: str
    name: str
    kind: SiteKind
    timezone: str
    created_at: datetime

    @classmethod
    def of(cls, s: Site) -> SiteOut:
        return cls(id=s.id, name=s.name, kind=s.kind, timezone=s.timezone, created_at=s.created_at)


class AuditEntryOut(BaseModel):
    id: int | None
    at: datetime
    action: str
    actor: str
    target: str
    detail: dict[str, Any]
    source: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(
            id=e.id,
            at=e.at,
            action=e.action.value,
            actor=e.actor,
            target=e.target,
            detail=e.detail,
            source=e.source,
        )
