"""Ports: what the use cases need from the outside world, as typing.Protocol.

Adapters implement them (``switchdesk.adapters``); ``switchdesk.bootstrap`` wires them.
Every repository port has an in-memory fake and a SQL implementation that pass the same
contract tests (``tests/contract``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from switchdesk.domain.accounts.model import (
    ApiToken,
    AuditAction,
    AuditEntry,
    AuditFilter,
    ClientAccount,
    PasswordReset,
    Session,
    Site,
    Team,
    User,
)
from switchdesk.domain.accounts.permissions import Role


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; never raises for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class SecretFactory(Protocol):
    def new_id(self) -> str:
        """A fresh, unguessable identifier."""
        ...

    def new_secret(self) -> str:
        """A fresh high-entropy secret, URL-safe."""
        ...

    def digest(self, secret: str) -> str:
        """A one-way digest of a high-entropy secret, for storage and lookup."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; raises Conflict if the username is taken."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def by_username(self, username: str) -> User | None: ...

    def list(self) -> Sequence[User]:
        """Every user, ordered by username."""
        ...

    def set_role(self, user_id: str, role: Role) -> None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    def set_active(self, user_id: str, active: bool) -> None: ...

    def set_assignment(
        self,
        user_id: str,
        *,
        display_name: str,
        all_client_accounts: bool,
        client_account_ids: frozenset[str],
        team_id: str | None,
        site_id: str | None,
    ) -> None:
        """Replace the user's display name, client scope, team and site."""
        ...


class OrganisationRepository(Protocol):
    def add_client_account(self, account: ClientAccount) -> None: ...

    def client_accounts(self) -> Sequence[ClientAccount]: ...

    def add_team(self, team: Team) -> None: ...

    def teams(self) -> Sequence[Team]: ...

    def add_site(self, site: Site) -> None: ...

    def sites(self) -> Sequence[Site]: ...


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def get(self, token_id: str) -> ApiToken | None: ...

    def by_hash(self, token_hash: str) -> ApiToken | None: ...

    def for_user(self, user_id: str) -> Sequence[ApiToken]: ...

    def list(self) -> Sequence[ApiToken]: ...

    def revoke(self, token_id: str, at: datetime) -> None: ...

    def touch(self, token_id: str, at: datetime) -> None: ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...

    def get(self, token_hash: str) -> Session | None: ...

    def delete(self, token_hash: str) -> None: ...

    def delete_for_user(self, user_id: str) -> None: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """Append one entry. Entries are never changed or removed."""
        ...

    def recent(
        self, limit: int, action: AuditAction | None = None, where: AuditFilter | None = None
    ) -> Sequence[AuditEntry]:
        """Newest first; ``where`` narrows them (see :class:`AuditFilter`)."""
        ...

    def count_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        target: str | None = None,
        source: str | None = None,
    ) -> int: ...

    def tally_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        after_id: int | None = None,
        target: str | None = None,
        source: str | None = None,
    ) -> tuple[int, datetime | None]:
        """How many entries of ``action`` at or after ``since`` (and with an id above
        ``after_id``), and when the newest of them was."""
        ...

    def last_id(self, actions: Sequence[AuditAction], *, target: str) -> int | None:
        """The id of the newest entry of one of ``actions`` about ``target``."""
        ...

    def entries_since(
        self, action: AuditAction, since: datetime, limit: int
    ) -> Sequence[AuditEntry]:
        """Entries of ``action`` at or after ``since``, oldest first, at most ``limit``."""
        ...


class PasswordResetRepository(Protocol):
    def add(self, reset: PasswordReset) -> None: ...

    def by_hash(self, token_hash: str) -> PasswordReset | None: ...

    def use(self, token_hash: str, at: datetime) -> bool:
        """Mark the link used, if it is still usable at ``at``; False when it was not
        (used already, by a concurrent request too, or expired)."""
        ...

    def cancel_for_user(self, user_id: str, at: datetime) -> None:
        """Every usable link of the user stops working (a newer one replaces them)."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository. Leaving without commit rolls back."""

    users: UserRepository
    organisation: OrganisationRepository
    tokens: TokenRepository
    sessions: SessionRepository
    audit: AuditLog
    password_resets: PasswordResetRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
