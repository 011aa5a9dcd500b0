"""Use cases for accounts: sign-in, users and roles, API tokens, organisation, audit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

from switchdesk.domain.accounts.model import (
    USERNAME_MAX,
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
from switchdesk.domain.accounts.permissions import Permission, Role
from switchdesk.domain.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from switchdesk.usecases.ports import (
    Clock,
    PasswordHasher,
    SecretFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.sign_in_security import (
    LoginPolicy,
    ThrottledSignIn,
    retry_at,
    say_wait,
    seconds_until,
    throttled_sign_ins,
)

TOKEN_PREFIX = "sdt_"  # noqa: S105 - a public prefix, not a secret
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
GENERIC_LOGIN_ERROR = "Invalid username or password."
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_CACHE_TTL = timedelta(seconds=30)
"""How long a verified API token is trusted without asking the database again. Revoking a
token, deactivating a user or changing a role through this process forgets every
verified token at once; other processes' changes take effect within this time."""
TOKEN_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class StartedSession:
    """What the browser gets: the cookie value (shown once) and the CSRF token."""

    cookie_value: str
    csrf_token: str
    user: User
    expires_in: timedelta


@dataclass(frozen=True, slots=True)
class IssuedReset:
    """A password reset link's secret (shown once, only its digest is kept)."""

    secret: str
    user: User
    expires_at: datetime


RESET_LINK_INVALID = (
    "This link to set a password is not valid: it was used, it expired, or a newer one "
    "replaced it. Ask your administrator for a new one."
)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An API token; ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


DISPLAY_NAME_MAX = 200


def _validate_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX:
        raise ValidationFailed(f"a username has 1 to {USERNAME_MAX} characters", field="username")
    if not all(c.isalnum() or c in "._-@" for c in name):
        raise ValidationFailed(
            "a username may hold letters, digits and . _ - @ only", field="username"
        )
    return name


def _validate_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(
            f"a password has at least {PASSWORD_MIN} characters", field="password"
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(
            f"a password has at most {PASSWORD_MAX} characters", field="password"
        )


def _validate_display_name(display_name: str) -> str:
    name = display_name.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationFailed(
            f"a display name has at most {DISPLAY_NAME_MAX} characters", field="display_name"
        )
    return name


def new_person_errors(username: str, password: str, display_name: str) -> dict[str, str]:
    """Every problem of a new person's typed fields at once, by field (a form shows them
    together); :meth:`Accounts.create_user` checks the same rules one by one."""
    errors: dict[str, str] = {}
    checks: list[tuple[str, Callable[[], object]]] = [
        ("username", lambda: _validate_username(username)),
        ("password", lambda: _validate_password(password)),
        ("display_name", lambda: _validate_display_name(display_name)),
    ]
    for name, check in checks:
        try:
            check()
        except ValidationFailed as exc:
            errors[name] = exc.detail
    return errors


@cache
def _known_time_zones() -> frozenset[str]:
    """The IANA names of this machine's time zone database; with no database, any name."""
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class PeopleOrganisation:
    """What the people forms offer: the client accounts the caller sees, the teams of
    those accounts (or of none) and every site."""

    client_accounts: list[ClientAccount]
    teams: list[Team]
    sites: list[Site]


class Accounts:
    """Handlers for every account command and query. Each checks the caller's permission."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        secrets: SecretFactory,
        clock: Clock,
        policy: LoginPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._secrets = secrets
        self._clock = clock
        self._policy = policy or LoginPolicy()
        # Verified against when the username is unknown, so both paths cost the same.
        self._decoy_hash = hasher.hash(secrets.new_secret())
        self._verified_tokens: dict[str, tuple[Principal, datetime]] = {}

    # -- sign-in -------------------------------------------------------------------------

    def log_in(self, username: str, password: str, source: str) -> StartedSession:
        """Check credentials and open a session. Errors never tell whether a user exists."""
        now = self._clock.now()
        name = username.strip()
        with self._uow() as uow:
            wait_until = retry_at(uow, self._policy, name, source, now)
            if wait_until is not None and wait_until > now:
                uow.audit.append(
                    AuditEntry(now, AuditAction.LOGIN_RATE_LIMITED, "anonymous", name, {}, source)
                )
                uow.commit()
                seconds = seconds_until(wait_until, now)
                raise RateLimited(
                    f"Too many failed sign-ins. Try again in {say_wait(seconds)}.",
                    retry_after=seconds,
                )
            user = uow.users.by_username(name) if name else None
            ok = self._hasher.verify(user.password_hash if user else self._decoy_hash, password)
            if user is None or not ok or not user.active:
                uow.audit.append(
                    AuditEntry(now, AuditAction.LOGIN_FAILED, "anonymous", name, {}, source)
                )
                uow.commit()
                raise AuthenticationFailed(GENERIC_LOGIN_ERROR)
            if self._hasher.needs_rehash(user.password_hash):
                uow.users.set_password_hash(user.id, self._hasher.hash(password))
            cookie = self._secrets.new_secret()
            csrf = self._secrets.new_secret()
            uow.sessions.add(
                Session(
                    token_hash=self._secrets.digest(cookie),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self._policy.session_lifetime,
                )
            )
            uow.audit.append(
                AuditEntry(
                    now, AuditAction.LOGIN_SUCCEEDED, f"user:{user.username}", name, {}, source
                )
            )
            uow.commit()
        return StartedSession(cookie, csrf, user, self._policy.session_lifetime)

    def log_out(self, cookie_value: str, source: str) -> None:
        digest = self._secrets.digest(cookie_value)
        with self._uow() as uow:
            session = uow.sessions.get(digest)
            if session is None:
                return
            user = uow.users.get(session.user_id)
            uow.sessions.delete(digest)
            actor = f"user:{user.username}" if user else "anonymous"
            uow.audit.append(
                AuditEntry(self._clock.now(), AuditAction.LOGOUT, actor, actor, {}, source)
            )
            uow.commit()

    def principal_for_session(self, cookie_value: str) -> Principal | None:
        digest = self._secrets.digest(cookie_value)
        now = self._clock.now()
        with self._uow() as uow:
            session = uow.sessions.get(digest)
            if session is None:
                return None
            if session.expires_at <= now:
                uow.sessions.delete(digest)
                uow.commit()
                return None
            user = uow.users.get(session.user_id)
        if user is None or not user.active:
            return None
        return Principal.of_user(user, "session", session.csrf_token)

    def recently_verified_token(self, secret: str) -> Principal | None:
        """The token's principal if it was verified less than ``TOKEN_CACHE_TTL`` ago,
        without touching the database (so callers on an event loop may use it); None
        means: ask ``principal_for_token``."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        entry = self._verified_tokens.get(self._secrets.digest(secret))
        if entry is None or self._clock.now() - entry[1] >= TOKEN_CACHE_TTL:
            return None
        return entry[0]

    def _forget_verified_tokens(self) -> None:
        self._verified_tokens = {}

    def principal_for_token(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        now = self._clock.now()
        digest = self._secrets.digest(secret)
        self._verified_tokens.pop(digest, None)
        with self._uow() as uow:
            token = uow.tokens.by_hash(digest)
            if token is None or not token.active:
                return None
            user = uow.users.get(token.user_id)
            if user is None or not user.active:
                return None
            # Recording each use would cost a write per request: once a minute is enough.
            if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
                uow.tokens.touch(token.id, now)
                uow.commit()
        principal = Principal.of_user(user, "token")
        if len(self._verified_tokens) >= TOKEN_CACHE_SIZE:
            self._forget_verified_tokens()
        self._verified_tokens[digest] = (principal, now)
        return principal

    # -- sign-in security ----------------------------------------------------------------

    def throttled_sign_ins(self, actor: Principal) -> list[ThrottledSignIn]:
        """Users whose failed sign-ins make their attempts wait (or made them wait lately)."""
        actor.require(Permission.USERS_MANAGE)
        users = {u.username: u for u in self.list_users(actor)}
        with self._uow() as uow:
            return throttled_sign_ins(uow, self._policy, self._clock.now(), users)

    def unlock_user(self, actor: Principal, user_id: str) -> User:
        """The user's failed sign-ins stop counting: their next attempt need not wait."""
        actor.require(Permission.USERS_MANAGE)
        user = self.get_user(actor, user_id)
        with self._uow() as uow:
            # Sign-in entries name the username itself (as typed at sign-in).
            uow.audit.append(
                AuditEntry(self._clock.now(), AuditAction.LOGIN_UNLOCKED, actor.name, user.username)
            )
            uow.commit()
        return user

    def create_password_reset(self, actor: Principal, user_id: str) -> IssuedReset:
        """A one-time link for the user to set a new password; earlier links stop working."""
        actor.require(Permission.USERS_MANAGE)
        user = self.get_user(actor, user_id)
        if user.role is Role.ADMIN:
            actor.require(Permission.ROLES_ASSIGN)
        if not user.active:
            raise Conflict("a deactivated user cannot set a password", code="user_inactive")
        now = self._clock.now()
        secret = self._secrets.new_secret()
        expires_at = now + self._policy.reset_link_lifetime
        with self._uow() as uow:
            uow.password_resets.cancel_for_user(user.id, now)
            uow.password_resets.add(
                PasswordReset(self._secrets.digest(secret), user.id, now, expires_at, actor.name)
            )
            uow.audit.append(
                AuditEntry(
                    now,
                    AuditAction.PASSWORD_RESET_CREATED,
                    actor.name,
                    f"user:{user.username}",
                    {"expires_at": expires_at.isoformat()},
                )
            )
            uow.commit()
        return IssuedReset(secret, user, expires_at)

    def password_reset_user(self, secret: str) -> User:
        """Whose password a reset link sets; NotFound when the link is not usable."""
        now = self._clock.now()
        with self._uow() as uow:
            reset = uow.password_resets.by_hash(self._secrets.digest(secret))
            user = uow.users.get(reset.user_id) if reset is not None else None
        if reset is None or user is None or not user.active or not reset.usable(now):
            raise NotFound(RESET_LINK_INVALID, code="reset_link_invalid")
        return user

    def reset_password(self, secret: str, password: str, source: str) -> User:
        """Set the password through a reset link (once): the user's sessions end and their
        failed sign-ins stop counting."""
        user = self.password_reset_user(secret)
        _validate_password(password)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            if not uow.password_resets.use(self._secrets.digest(secret), now):
                raise NotFound(RESET_LINK_INVALID, code="reset_link_invalid")
            uow.users.set_password_hash(user.id, password_hash)
            uow.sessions.delete_for_user(user.id)
            uow.audit.append(
                AuditEntry(
                    now,
                    AuditAction.PASSWORD_RESET_USED,
                    f"user:{user.username}",
                    user.username,
                    {},
                    source,
                )
            )
            uow.commit()
        return user

    # -- users and roles -----------------------------------------------------------------

    def create_user(
        self,
        actor: Principal,
        *,
        username: str,
        password: str,
        role: Role,
        display_name: str = "",
        client_account_ids: Sequence[str] = (),
        all_client_accounts: bool = False,
        team_id: str | None = None,
        site_id: str | None = None,
    ) -> User:
        actor.require(Permission.USERS_MANAGE)
        if role is Role.ADMIN or all_client_accounts:
            actor.require(Permission.ROLES_ASSIGN)
        name = _validate_username(username)
        _validate_password(password)
        shown_name = _validate_display_name(display_name)
        now = self._clock.now()
        with self._uow() as uow:
            self._check_assignment(uow, actor, client_account_ids, team_id, site_id)
            if uow.users.by_username(name) is not None:
                raise Conflict(f"the username {name!r} is taken", code="username_taken")
            user = User(
                id=self._secrets.new_id(),
                username=name,
                display_name=shown_name or name,
                role=role,
                password_hash=self._hasher.hash(password),
                created_at=now,
                all_client_accounts=all_client_accounts,
                client_account_ids=frozenset(client_account_ids),
                team_id=team_id,
                site_id=site_id,
            )
            uow.users.add(user)
            uow.audit.append(
                AuditEntry(
                    now, AuditAction.USER_CREATED, actor.name, f"user:{name}", {"role": role.value}
                )
            )
            uow.commit()
        return user

    @staticmethod
    def _check_assignment(
        uow: UnitOfWork,
        actor: Principal,
        client_account_ids: Sequence[str],
        team_id: str | None,
        site_id: str | None,
    ) -> None:
        """Each client account, the team and the site exist and the caller sees them."""
        known = {a.id for a in uow.organisation.client_accounts()}
        for account_id in client_account_ids:
            if account_id not in known or not actor.sees_client_account(account_id):
                raise NotFound(
                    f"client account {account_id!r} not found", field="client_account_ids"
                )
        if team_id is not None:
            team = next((t for t in uow.organisation.teams() if t.id == team_id), None)
            if team is None or not actor.sees_client_account(team.client_account_id):
                raise NotFound(f"team {team_id!r} not found", field="team_id")
        if site_id is not None and site_id not in {s.id for s in uow.organisation.sites()}:
            raise NotFound(f"site {site_id!r} not found", field="site_id")

    def update_user(
        self,
        actor: Principal,
        user_id: str,
        *,
        display_name: str,
        client_account_ids: Sequence[str],
        all_client_accounts: bool,
        team_id: str | None,
        site_id: str | None,
    ) -> User:
        """Change a person's display name, client scope, team and site. Client accounts the
        caller does not see stay in the person's scope untouched."""
        actor.require(Permission.USERS_MANAGE)
        user = self.get_user(actor, user_id)
        if user.role is Role.ADMIN or all_client_accounts != user.all_client_accounts:
            actor.require(Permission.ROLES_ASSIGN)
        shown_name = _validate_display_name(display_name) or user.username
        hidden = {a for a in user.client_account_ids if not actor.sees_client_account(a)}
        scope = frozenset(hidden | set(client_account_ids))
        changes = {
            "display_name": shown_name != user.display_name,
            "all_client_accounts": all_client_accounts != user.all_client_accounts,
            "client_account_ids": scope != user.client_account_ids,
            "team_id": team_id != user.team_id,
            "site_id": site_id != user.site_id,
        }
        changed = sorted(k for k, v in changes.items() if v)
        updated = replace(
            user,
            display_name=shown_name,
            all_client_accounts=all_client_accounts,
            client_account_ids=scope,
            team_id=team_id,
            site_id=site_id,
        )
        if not changed:
            return updated
        with self._uow() as uow:
            self._check_assignment(uow, actor, client_account_ids, team_id, site_id)
            uow.users.set_assignment(
                user.id,
                display_name=shown_name,
                all_client_accounts=all_client_accounts,
                client_account_ids=scope,
                team_id=team_id,
                site_id=site_id,
            )
            uow.audit.append(
                AuditEntry(
                    self._clock.now(),
                    AuditAction.USER_UPDATED,
                    actor.name,
                    f"user:{user.username}",
                    {"fields": changed},
                )
            )
            uow.commit()
        self._forget_verified_tokens()
        return updated

    def people_organisation(self, actor: Principal) -> PeopleOrganisation:
        """The choices of the people forms (readable by whoever may read people)."""
        actor.require(Permission.USERS_READ)
        with self._uow() as uow:
            accounts = uow.organisation.client_accounts()
            teams = uow.organisation.teams()
            sites = uow.organisation.sites()
        return PeopleOrganisation(
            [a for a in accounts if actor.sees_client_account(a.id)],
            [t for t in teams if actor.sees_client_account(t.client_account_id)],
            list(sites),
        )

    def list_users(self, actor: Principal) -> list[User]:
        actor.require(Permission.USERS_READ)
        with self._uow() as uow:
            users = list(uow.users.list())
        return [u for u in users if self._user_visible(actor, u)]

    def get_user(self, actor: Principal, user_id: str) -> User:
        actor.require(Permission.USERS_READ)
        with self._uow() as uow:
            user = uow.users.get(user_id)
        if user is None or not self._user_visible(actor, user):
            raise NotFound(f"user {user_id!r} not found")
        return user

    def find_user(self, actor: Principal, username: str) -> User:
        actor.require(Permission.USERS_READ)
        with self._uow() as uow:
            user = uow.users.by_username(username.strip())
        if user is None or not self._user_visible(actor, user):
            raise NotFound(f"user {username!r} not found")
        return user

    @staticmethod
    def _user_visible(actor: Principal, user: User) -> bool:
        if actor.user is None or actor.user.sees_every_client_account() or actor.user == user:
            return True
        if user.sees_every_client_account():
            return False
        return bool(user.client_account_ids & actor.user.client_account_ids)

    def set_role(self, actor: Principal, user_id: str, role: Role) -> User:
        actor.require(Permission.ROLES_ASSIGN)
        user = self.get_user(actor, user_id)
        if actor.user is not None and actor.user.id == user.id and role is not Role.ADMIN:
            raise Conflict("an admin cannot remove their own admin role", code="self_demotion")
        with self._uow() as uow:
            uow.users.set_role(user.id, role)
            uow.sessions.delete_for_user(user.id)
            uow.audit.append(
                AuditEntry(
                    self._clock.now(),
                    AuditAction.ROLE_CHANGED,
                    actor.name,
                    f"user:{user.username}",
                    {"from": user.role.value, "to": role.value},
                )
            )
            uow.commit()
        self._forget_verified_tokens()
        return replace(user, role=role)

    def deactivate_user(self, actor: Principal, user_id: str) -> User:
        actor.require(Permission.USERS_MANAGE)
        user = self.get_user(actor, user_id)
        if user.role is Role.ADMIN:
            actor.require(Permission.ROLES_ASSIGN)
        with self._uow() as uow:
            uow.users.set_active(user.id, False)
            uow.sessions.delete_for_user(user.id)
            uow.audit.append(
                AuditEntry(
                    self._clock.now(),
                    AuditAction.USER_DEACTIVATED,
                    actor.name,
                    f"user:{user.username}",
                )
            )
            uow.commit()
        self._forget_verified_tokens()
        return replace(user, active=False)

    def reactivate_user(self, actor: Principal, user_id: str) -> User:
        """Undo an offboarding: the person may sign in again (with their old password)."""
        actor.require(Permission.USERS_MANAGE)
        user = self.get_user(actor, user_id)
        if user.role is Role.ADMIN:
            actor.require(Permission.ROLES_ASSIGN)
        if user.active:
            return user
        with self._uow() as uow:
            uow.users.set_active(user.id, True)
            uow.audit.append(
                AuditEntry(
                    self._clock.now(),
                    AuditAction.USER_REACTIVATED,
                    actor.name,
                    f"user:{user.username}",
                )
            )
            uow.commit()
        return replace(user, active=True)

    # -- API tokens ----------------------------------------------------------------------

    def issue_token(self, actor: Principal, user_id: str, name: str) -> IssuedToken:
        actor.require(Permission.TOKENS_MANAGE)
        label = name.strip()
        if not label or len(label) > 100:
            raise ValidationFailed("a token name has 1 to 100 characters")
        user = self.get_user(actor, user_id)
        secret = TOKEN_PREFIX + self._secrets.new_secret()
        now = self._clock.now()
        token = ApiToken(
            id=self._secrets.new_id(),
            user_id=user.id,
            name=label,
            token_hash=self._secrets.digest(secret),
            created_at=now,
        )
        with self._uow() as uow:
            uow.tokens.add(token)
            uow.audit.append(
                AuditEntry(
                    now,
                    AuditAction.TOKEN_ISSUED,
                    actor.name,
                    f"token:{token.id}",
                    {"user": user.username, "name": label},
                )
            )
            uow.commit()
        return IssuedToken(token, secret)

    def list_tokens(self, actor: Principal) -> list[ApiToken]:
        actor.require(Permission.TOKENS_MANAGE)
        with self._uow() as uow:
            return list(uow.tokens.list())

    def revoke_token(self, actor: Principal, token_id: str) -> ApiToken:
        actor.require(Permission.TOKENS_MANAGE)
        now = self._clock.now()
        with self._uow() as uow:
            token = uow.tokens.get(token_id)
            if token is None:
                raise NotFound(f"token {token_id!r} not found")
            if token.active:
                uow.tokens.revoke(token_id, now)
                uow.audit.append(
                    AuditEntry(now, AuditAction.TOKEN_REVOKED, actor.name, f"token:{token_id}")
                )
                uow.commit()
                self._forget_verified_tokens()
                token = replace(token, revoked_at=now)
        return token

    # -- organisation --------------------------------------------------------------------

    def create_client_account(self, actor: Principal, name: str) -> ClientAccount:
        actor.require(Permission.ORG_MANAGE)
        if actor.user is not None and not actor.user.sees_every_client_account():
            raise PermissionDenied("only a user who sees every client account may add one")
        label = name.strip()
        if not label or len(label) > 200:
            raise ValidationFailed("a client account name has 1 to 200 characters", field="name")
        now = self._clock.now()
        account = ClientAccount(self._secrets.new_id(), label, now)
        with self._uow() as uow:
            if any(
                a.name.casefold() == label.casefold() for a in uow.organisation.client_accounts()
            ):
                raise Conflict(f"a client account named {label!r} exists", field="name")
            uow.organisation.add_client_account(account)
            uow.audit.append(
                AuditEntry(
                    now,
                    AuditAction.CLIENT_ACCOUNT_CREATED,
                    actor.name,
                    f"client_account:{account.id}",
                    {"name": label},
                )
            )
            uow.commit()
        return account

    def list_client_accounts(self, actor: Principal) -> list[ClientAccount]:
        actor.require(Permission.ORG_READ)
        with self._uow() as uow:
            accounts = uow.organisation.client_accounts()
        return [a for a in accounts if actor.sees_client_account(a.id)]

    def get_client_account(self, actor: Principal, account_id: str) -> ClientAccount:
        for account in self.list_client_accounts(actor):
            if account.id == account_id:
                return account
        raise NotFound(f"client account {account_id!r} not found")

    def create_site(self, actor: Principal, name: str, kind: SiteKind, timezone: str) -> Site:
        actor.require(Permission.ORG_MANAGE)
        label = name.strip()
        if not label or len(label) > 200:
            raise ValidationFailed("a site name has 1 to 200 characters", field="name")
        known = _known_time_zones()
        if known and timezone != "UTC" and timezone not in known:
            raise ValidationFailed(
                f"{timezone!r} is not a known time zone (e.g. Europe/Lisbon, UTC)",
                field="timezone",
            )
        now = self._clock.now()
        site = Site(self._secrets.new_id(), label, kind, timezone, now)
        with self._uow() as uow:
            uow.organisation.add_site(site)
            uow.audit.append(
                AuditEntry(
                    now, AuditAction.SITE_CREATED, actor.name, f"site:{site.id}", {"name": label}
                )
            )
            uow.commit()
        return site

    def list_sites(self, actor: Principal) -> list[Site]:
        actor.require(Permission.ORG_READ)
        with self._uow() as uow:
            return list(uow.organisation.sites())

    def create_team(
        self,
        actor: Principal,
        name: str,
        *,
        leader_id: str | None = None,
        client_account_id: str | None = None,
        site_id: str | None = None,
    ) -> Team:
        actor.require(Permission.ORG_MANAGE)
        label = name.strip()
        if not label or len(label) > 200:
            raise ValidationFailed("a team name has 1 to 200 characters", field="name")
        if client_account_id is not None and not any(
            a.id == client_account_id for a in self.list_client_accounts(actor)
        ):
            raise NotFound(
                f"client account {client_account_id!r} not found", field="client_account_id"
            )
        now = self._clock.now()
        with self._uow() as uow:
            if leader_id is not None:
                leader = uow.users.get(leader_id)
                if leader is None:
                    raise NotFound(f"user {leader_id!r} not found", field="leader_id")
                if leader.role not in (Role.TEAM_LEADER, Role.OPERATIONS_MANAGER):
                    raise ValidationFailed(
                        "a team's leader is a team leader or operations manager",
                        field="leader_id",
                    )
            if site_id is not None and site_id not in {s.id for s in uow.organisation.sites()}:
                raise NotFound(f"site {site_id!r} not found", field="site_id")
            team = Team(self._secrets.new_id(), label, now, leader_id, client_account_id, site_id)
            uow.organisation.add_team(team)
            uow.audit.append(
                AuditEntry(
                    now, AuditAction.TEAM_CREATED, actor.name, f"team:{team.id}", {"name": label}
                )
            )
            uow.commit()
        return team

    def list_teams(self, actor: Principal) -> list[Team]:
        actor.require(Permission.ORG_READ)
        with self._uow() as uow:
            teams = uow.organisation.teams()
        return [t for t in teams if actor.sees_client_account(t.client_account_id)]

    # -- audit ---------------------------------------------------------------------------

    def audit_entries(
        self,
        actor: Principal,
        limit: int = 100,
        action: AuditAction | None = None,
        where: AuditFilter | None = None,
    ) -> list[AuditEntry]:
        actor.require(Permission.AUDIT_READ)
        if not 1 <= limit <= 10_000:
            raise ValidationFailed("limit is between 1 and 10000")
        if where is not None and where.since and where.until and where.since >= where.until:
            raise ValidationFailed("the time range ends before it starts", field="until")
        with self._uow() as uow:
            return list(uow.audit.recent(limit, action, where))

    def export_audit(
        self, actor: Principal, limit: int = 10_000, where: AuditFilter | None = None
    ) -> list[AuditEntry]:
        """Row-level export of the entries ``where`` matches; the export itself is audited
        (with the filter it used)."""
        actor.require(Permission.DATA_EXPORT)
        actor.require(Permission.AUDIT_READ)
        entries = self.audit_entries(actor, limit, where=where)
        detail: dict[str, object] = {"rows": len(entries)}
        if where is not None:
            detail["filter"] = {
                "action": where.action.value if where.action else None,
                "actor": where.actor,
                "since": where.since.isoformat() if where.since else None,
                "until": where.until.isoformat() if where.until else None,
                "client_account_id": where.client_account_id,
            }
        with self._uow() as uow:
            uow.audit.append(
                AuditEntry(
                    self._clock.now(),
                    AuditAction.DATA_EXPORTED,
                    actor.name,
                    "audit_log",
                    detail,
                )
            )
            uow.commit()
        return entries
