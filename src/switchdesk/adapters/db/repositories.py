"""SQL implementations of the repository ports, on one connection per unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from switchdesk.adapters.db import tables as t
from switchdesk.adapters.db.transaction import SqlTransaction
from switchdesk.domain.accounts.model import (
    ApiToken,
    AuditAction,
    AuditEntry,
    AuditFilter,
    ClientAccount,
    PasswordReset,
    Session,
    Site,
    SiteKind,
    Team,
    User,
)
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import Conflict


class SqlUsers:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def _scopes(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        scopes: dict[str, set[str]] = {uid: set() for uid in user_ids}
        if user_ids:
            rows = self._c.execute(
                select(t.user_client_accounts).where(
                    t.user_client_accounts.c.user_id.in_(list(user_ids))
                )
            )
            for row in rows:
                scopes[row.user_id].add(row.client_account_id)
        return scopes

    def _users(self, rows: Sequence[Any]) -> list[User]:
        scopes = self._scopes([r.id for r in rows])
        return [
            User(
                id=r.id,
                username=r.username,
                display_name=r.display_name,
                role=Role(r.role),
                password_hash=r.password_hash,
                created_at=r.created_at,
                active=r.active,
                all_client_accounts=r.all_client_accounts,
                client_account_ids=frozenset(scopes[r.id]),
                team_id=r.team_id,
                site_id=r.site_id,
            )
            for r in rows
        ]

    def add(self, user: User) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(
                    insert(t.users).values(
                        id=user.id,
                        username=user.username,
                        display_name=user.display_name,
                        role=user.role.value,
                        password_hash=user.password_hash,
                        active=user.active,
                        all_client_accounts=user.all_client_accounts,
                        team_id=user.team_id,
                        site_id=user.site_id,
                        created_at=user.created_at,
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"the username {user.username!r} is taken", code="username_taken"
            ) from None
        for account_id in sorted(user.client_account_ids):
            self._c.execute(
                insert(t.user_client_accounts).values(user_id=user.id, client_account_id=account_id)
            )

    def get(self, user_id: str) -> User | None:
        rows = self._c.execute(select(t.users).where(t.users.c.id == user_id)).all()
        return self._users(rows)[0] if rows else None

    def by_username(self, username: str) -> User | None:
        rows = self._c.execute(select(t.users).where(t.users.c.username == username)).all()
        return self._users(rows)[0] if rows else None

    def list(self) -> list[User]:
        return self._users(self._c.execute(select(t.users).order_by(t.users.c.username)).all())

    def set_role(self, user_id: str, role: Role) -> None:
        self._c.execute(update(t.users).where(t.users.c.id == user_id).values(role=role.value))

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._c.execute(
            update(t.users).where(t.users.c.id == user_id).values(password_hash=password_hash)
        )

    def set_active(self, user_id: str, active: bool) -> None:
        self._c.execute(update(t.users).where(t.users.c.id == user_id).values(active=active))

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
        self._c.execute(
            update(t.users)
            .where(t.users.c.id == user_id)
            .values(
                display_name=display_name,
                all_client_accounts=all_client_accounts,
                team_id=team_id,
                site_id=site_id,
            )
        )
        self._c.execute(
            delete(t.user_client_accounts).where(t.user_client_accounts.c.user_id == user_id)
        )
        for account_id in sorted(client_account_ids):
            self._c.execute(
                insert(t.user_client_accounts).values(user_id=user_id, client_account_id=account_id)
            )


class SqlOrganisation:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add_client_account(self, account: ClientAccount) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(
                    insert(t.client_accounts).values(
                        id=account.id, name=account.name, created_at=account.created_at
                    )
                )
        except IntegrityError:
            raise Conflict(f"a client account named {account.name!r} exists") from None

    def client_accounts(self) -> list[ClientAccount]:
        rows = self._c.execute(select(t.client_accounts).order_by(t.client_accounts.c.name))
        return [ClientAccount(r.id, r.name, r.created_at) for r in rows]

    def add_team(self, team: Team) -> None:
        self._c.execute(
            insert(t.teams).values(
                id=team.id,
                name=team.name,
                leader_id=team.leader_id,
                client_account_id=team.client_account_id,
                site_id=team.site_id,
                created_at=team.created_at,
            )
        )

    def teams(self) -> list[Team]:
        rows = self._c.execute(select(t.teams).order_by(t.teams.c.name))
        return [
            Team(r.id, r.name, r.created_at, r.leader_id, r.client_account_id, r.site_id)
            for r in rows
        ]

    def add_site(self, site: Site) -> None:
        self._c.execute(
            insert(t.sites).values(
                id=site.id,
                name=site.name,
                kind=site.kind.value,
                timezone=site.timezone,
                created_at=site.created_at,
            )
        )

    def sites(self) -> list[Site]:
        rows = self._c.execute(select(t.sites).order_by(t.sites.c.name))
        return [Site(r.id, r.name, SiteKind(r.kind), r.timezone, r.created_at) for r in rows]


def _token(r: Any) -> ApiToken:
    return ApiToken(
        r.id, r.user_id, r.name, r.token_hash, r.created_at, r.revoked_at, r.last_used_at
    )


class SqlTokens:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, token: ApiToken) -> None:
        self._c.execute(
            insert(t.api_tokens).values(
                id=token.id,
                user_id=token.user_id,
                name=token.name,
                token_hash=token.token_hash,
                created_at=token.created_at,
                revoked_at=token.revoked_at,
                last_used_at=token.last_used_at,
            )
        )

    def get(self, token_id: str) -> ApiToken | None:
        row = self._c.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._c.execute(
            select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)
        ).first()
        return _token(row) if row else None

    def for_user(self, user_id: str) -> list[ApiToken]:
        rows = self._c.execute(
            select(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id)
            .order_by(t.api_tokens.c.created_at, t.api_tokens.c.id)
        )
        return [_token(r) for r in rows]

    def list(self) -> list[ApiToken]:
        rows = self._c.execute(
            select(t.api_tokens).order_by(t.api_tokens.c.created_at, t.api_tokens.c.id)
        )
        return [_token(r) for r in rows]

    def revoke(self, token_id: str, at: datetime) -> None:
        self._c.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(revoked_at=at)
        )

    def touch(self, token_id: str, at: datetime) -> None:
        self._c.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=at)
        )


class SqlSessions:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, session: Session) -> None:
        self._c.execute(
            insert(t.sessions).values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )

    def get(self, token_hash: str) -> Session | None:
        r = self._c.execute(select(t.sessions).where(t.sessions.c.token_hash == token_hash)).first()
        if r is None:
            return None
        return Session(r.token_hash, r.user_id, r.csrf_token, r.created_at, r.expires_at)

    def delete(self, token_hash: str) -> None:
        self._c.execute(delete(t.sessions).where(t.sessions.c.token_hash == token_hash))

    def delete_for_user(self, user_id: str) -> None:
        self._c.execute(delete(t.sessions).where(t.sessions.c.user_id == user_id))


def _audit_where(q: Select[Any], where: AuditFilter) -> Select[Any]:
    c = t.audit_log.c
    if where.action is not None:
        q = q.where(c.action == where.action.value)
    if where.actor is not None:
        q = q.where(c.actor == where.actor)
    if where.since is not None:
        q = q.where(c.at >= where.since)
    if where.until is not None:
        q = q.where(c.at < where.until)
    if where.client_account_id is not None:
        account = where.client_account_id
        q = q.where(
            or_(
                c.target == f"client_account:{account}",
                c.detail["client_account_id"].as_string() == account,
            )
        )
    return q


class SqlAudit:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def append(self, entry: AuditEntry) -> None:
        self._c.execute(
            insert(t.audit_log).values(
                at=entry.at,
                action=entry.action.value,
                actor=entry.actor,
                target=entry.target,
                detail=entry.detail,
                source=entry.source,
            )
        )

    def recent(
        self, limit: int, action: AuditAction | None = None, where: AuditFilter | None = None
    ) -> list[AuditEntry]:
        q = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if action is not None:
            q = q.where(t.audit_log.c.action == action.value)
        if where is not None:
            q = _audit_where(q, where)
        return [
            AuditEntry(
                r.at, AuditAction(r.action), r.actor, r.target, dict(r.detail), r.source, r.id
            )
            for r in self._c.execute(q)
        ]

    def count_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        target: str | None = None,
        source: str | None = None,
    ) -> int:
        q = (
            select(func.count())
            .select_from(t.audit_log)
            .where(t.audit_log.c.action == action.value, t.audit_log.c.at >= since)
        )
        if target is not None:
            q = q.where(t.audit_log.c.target == target)
        if source is not None:
            q = q.where(t.audit_log.c.source == source)
        return int(self._c.execute(q).scalar_one())

    def tally_since(
        self,
        action: AuditAction,
        since: datetime,
        *,
        after_id: int | None = None,
        target: str | None = None,
        source: str | None = None,
    ) -> tuple[int, datetime | None]:
        q = select(func.count(), func.max(t.audit_log.c.at)).where(
            t.audit_log.c.action == action.value, t.audit_log.c.at >= since
        )
        if after_id is not None:
            q = q.where(t.audit_log.c.id > after_id)
        if target is not None:
            q = q.where(t.audit_log.c.target == target)
        if source is not None:
            q = q.where(t.audit_log.c.source == source)
        count, newest = self._c.execute(q).one()
        return int(count), newest

    def last_id(self, actions: Sequence[AuditAction], *, target: str) -> int | None:
        q = select(func.max(t.audit_log.c.id)).where(
            t.audit_log.c.action.in_([a.value for a in actions]),
            t.audit_log.c.target == target,
        )
        found = self._c.execute(q).scalar_one()
        return int(found) if found is not None else None

    def entries_since(self, action: AuditAction, since: datetime, limit: int) -> list[AuditEntry]:
        q = (
            select(t.audit_log)
            .where(t.audit_log.c.action == action.value, t.audit_log.c.at >= since)
            .order_by(t.audit_log.c.id)
            .limit(limit)
        )
        return [
            AuditEntry(
                r.at, AuditAction(r.action), r.actor, r.target, dict(r.detail), r.source, r.id
            )
            for r in self._c.execute(q)
        ]


class SqlPasswordResets:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, reset: PasswordReset) -> None:
        self._c.execute(
            insert(t.password_resets).values(
                token_hash=reset.token_hash,
                user_id=reset.user_id,
                created_at=reset.created_at,
                expires_at=reset.expires_at,
                created_by=reset.created_by,
                used_at=reset.used_at,
            )
        )

    def by_hash(self, token_hash: str) -> PasswordReset | None:
        r = self._c.execute(
            select(t.password_resets).where(t.password_resets.c.token_hash == token_hash)
        ).first()
        if r is None:
            return None
        return PasswordReset(
            r.token_hash, r.user_id, r.created_at, r.expires_at, r.created_by, r.used_at
        )

    def use(self, token_hash: str, at: datetime) -> bool:
        done = self._c.execute(
            update(t.password_resets)
            .where(
                t.password_resets.c.token_hash == token_hash,
                t.password_resets.c.used_at.is_(None),
                t.password_resets.c.expires_at > at,
            )
            .values(used_at=at)
        )
        return done.rowcount == 1

    def cancel_for_user(self, user_id: str, at: datetime) -> None:
        self._c.execute(
            update(t.password_resets)
            .where(t.password_resets.c.user_id == user_id, t.password_resets.c.used_at.is_(None))
            .values(used_at=at)
        )


class SqlUnitOfWork(SqlTransaction):
    """The account repositories over one database transaction."""

    def _opened(self, conn: Connection) -> None:
        self.users = SqlUsers(conn)
        self.organisation = SqlOrganisation(conn)
        self.tokens = SqlTokens(conn)
        self.sessions = SqlSessions(conn)
        self.audit = SqlAudit(conn)
        self.password_resets = SqlPasswordResets(conn)


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
