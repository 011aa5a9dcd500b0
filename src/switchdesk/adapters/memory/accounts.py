"""In-memory unit of work: copies state on enter, publishes it on commit."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

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
from switchdesk.domain.errors import Conflict


@dataclass
class _State:
    users: dict[str, User] = field(default_factory=dict)
    client_accounts: dict[str, ClientAccount] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    password_resets: dict[str, PasswordReset] = field(default_factory=dict)


class _Users:
    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, user: User) -> None:
        if self.by_username(user.username) is not None:
            raise Conflict(f"the username {user.username!r} is taken", code="username_taken")
        self._s.users[user.id] = user

    def get(self, user_id: str) -> User | None:
        return self._s.users.get(user_id)

    def by_username(self, username: str) -> User | None:
        return next((u for u in self._s.users.values() if u.username == username), None)

    def list(self) -> list[User]:
        return sorted(self._s.users.values(), key=lambda u: u.username)

    def set_role(self, user_id: str, role: Role) -> None:
        self._s.users[user_id] = replace(self._s.users[user_id], role=role)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._s.users[user_id] = replace(self._s.users[user_id], password_hash=password_hash)

    def set_active(self, user_id: str, active: bool) -> None:
        self._s.users[user_id] = replace(self._s.users[user_id], active=active)

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
        self._s.users[user_id] = replace(
            self._s.users[user_id],
            display_name=display_name,
            all_client_accounts=all_client_accounts,
            client_account_ids=frozenset(client_account_ids),
            team_id=team_id,
            site_id=site_id,
        )


class _Organisation:
    def __init__(self, s: _State) -> None:
        self._s = s

    def add_client_account(self, account: ClientAccount) -> None:
        self._s.client_accounts[account.id] = account

    def client_accounts(self) -> list[ClientAccount]:
        return sorted(self._s.client_accounts.values(), key=lambda a: a.name)

    def add_team(self, team: Team) -> None:
        self._s.teams[team.id] = team

    def teams(self) -> list[Team]:
        return sorted(self._s.teams.values(), key=lambda t: t.name)

    def add_site(self, site: Site) -> None:
        self._s.sites[site.id] = site

    def sites(self) -> list[Site]:
        return sorted(self._s.sites.values(), key=lambda s: s.name)


class _Tokens:
    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, token: ApiToken) -> None:
        self._s.tokens[token.id] = token

    def get(self, token_id: str) -> ApiToken | None:
        return self._s.tokens.get(token_id)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self._s.tokens.values() if t.token_hash == token_hash), None)

    def for_user(self, user_id: str) -> list[ApiToken]:
        return [t for t in self.list() if t.user_id == user_id]

    def list(self) -> list[ApiToken]:
        return sorted(self._s.tokens.values(), key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, at: datetime) -> None:
        self._s.tokens[token_id] = replace(self._s.tokens[token_id], revoked_at=at)

    def touch(self, token_id: str, at: datetime) -> None:
        self._s.tokens[token_id] = replace(self._s.tokens[token_id], last_used_at=at)


class _Sessions:
    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, session: Session) -> None:
        self._s.sessions[session.token_hash] = session

    def get(self, token_hash: str) -> Session | None:
        return self._s.sessions.get(token_hash)

    def delete(self, token_hash: str) -> None:
        self._s.sessions.pop(token_hash, None)

    def delete_for_user(self, user_id: str) -> None:
        for key in [k for k, v in self._s.sessions.items() if v.user_id == user_id]:
            del self._s.sessions[key]


class _Audit:
    def __init__(self, s: _State) -> None:
        self._s = s

    def append(self, entry: AuditEntry) -> None:
        self._s.audit.append(replace(entry, id=len(self._s.audit) + 1))

    def recent(
        self, limit: int, action: AuditAction | None = None, where: AuditFilter | None = None
    ) -> list[AuditEntry]:
        rows = [
            e
            for e in reversed(self._s.audit)
            if (action is None or e.action == action) and (where is None or where.matches(e))
        ]
        return rows[:limit]

    def count_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        target: str | None = None,
        source: str | None = None,
    ) -> int:
        return sum(
            1
            for e in self._s.audit
            if e.action == action
            and e.at >= since
            and (target is None or e.target == target)
            and (source is None or e.source == source)
        )

    def tally_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        after_id: int | None = None,
        target: str | None = None,
        source: str | None = None,
    ) -> tuple[int, datetime | None]:
        found = [
            e.at
            for e in self._s.audit
            if e.action == action
            and e.at >= since
            and (after_id is None or (e.id or 0) > after_id)
            and (target is None or e.target == target)
            and (source is None or e.source == source)
        ]
        return len(found), max(found, default=None)

    def last_id(self, actions: Sequence[AuditAction], *, target: str) -> int | None:
        ids = [e.id for e in self._s.audit if e.action in actions and e.target == target]
        return max((i for i in ids if i is not None), default=None)

    def entries_since(self, action: AuditAction, since: datetime, limit: int) -> list[AuditEntry]:
        return [e for e in self._s.audit if e.action == action and e.at >= since][:limit]


class _PasswordResets:
    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, reset: PasswordReset) -> None:
        self._s.password_resets[reset.token_hash] = reset

    def by_hash(self, token_hash: str) -> PasswordReset | None:
        return self._s.password_resets.get(token_hash)

    def use(self, token_hash: str, at: datetime) -> bool:
        reset = self._s.password_resets.get(token_hash)
        if reset is None or not reset.usable(at):
            return False
        self._s.password_resets[token_hash] = replace(reset, used_at=at)
        return True

    def cancel_for_user(self, user_id: str, at: datetime) -> None:
        for key, reset in list(self._s.password_resets.items()):
            if reset.user_id == user_id and reset.used_at is None:
                self._s.password_resets[key] = replace(reset, used_at=at)


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._state = _State()

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._state = copy.deepcopy(self._store.state)
        self.users = _Users(self._state)
        self.organisation = _Organisation(self._state)
        self.tokens = _Tokens(self._state)
        self.sessions = _Sessions(self._state)
        self.audit = _Audit(self._state)
        self.password_resets = _PasswordResets(self._state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._store.lock.release()

    def commit(self) -> None:
        self._store.state = copy.deepcopy(self._state)


class MemoryStore:
    """Holds the committed state; call it to get a unit of work."""

    def __init__(self) -> None:
        self.state = _State()
        self.lock = threading.RLock()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)
