"""Sign-in throttling, unlock and one-time reset links, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from switchdesk.adapters.db import tables
from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.accounts.model import AuditAction, User
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER

PASSWORD = "long enough pw"
OP = Principal.operator("test")


class HandClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def move(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def rt(database_url: str, clock: HandClock) -> Iterator[Runtime]:
    settings = Settings(database_url=database_url)
    migrate(settings)
    runtime = build_runtime(settings, hasher=FAST_HASHER, clock=clock)
    yield runtime
    runtime.close()


def _user(rt: Runtime, name: str, role: Role = Role.AGENT) -> User:
    return rt.accounts.create_user(
        OP, username=name, password=PASSWORD, role=role, all_client_accounts=True
    )


def _fail(rt: Runtime, name: str, source: str, times: int, clock: HandClock) -> None:
    """``times`` wrong passwords, each once any wait is over."""
    for _ in range(times):
        while True:
            try:
                rt.accounts.log_in(name, "wrong password", source)
            except RateLimited as exc:
                clock.move(exc.extra["retry_after"])
                continue
            except AuthenticationFailed:
                break
            raise AssertionError("a wrong password signed in")


def test_five_wrong_passwords_make_the_next_attempt_wait_seconds_not_fifteen_minutes(
    rt: Runtime, clock: HandClock
) -> None:
    _user(rt, "ana")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            rt.accounts.log_in("ana", "wrong password", "10.0.0.1")
    with pytest.raises(RateLimited) as waited:
        rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
    assert waited.value.extra["retry_after"] == 2
    assert "2 seconds" in waited.value.detail
    clock.move(2)
    assert rt.accounts.log_in("ana", PASSWORD, "10.0.0.1").user.username == "ana"


def test_each_further_failure_doubles_the_wait_up_to_the_longest(
    rt: Runtime, clock: HandClock
) -> None:
    _user(rt, "ana")
    _fail(rt, "ana", "10.0.0.1", 5, clock)
    waits = []
    for _ in range(10):
        with pytest.raises(RateLimited) as waited:
            rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
        waits.append(waited.value.extra["retry_after"])
        clock.move(waits[-1])
        with pytest.raises(AuthenticationFailed):
            rt.accounts.log_in("ana", "wrong password", "10.0.0.1")
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_one_bad_user_behind_a_shared_proxy_does_not_lock_out_the_others(
    rt: Runtime, clock: HandClock
) -> None:
    _user(rt, "ana")
    _user(rt, "ben")
    _fail(rt, "ana", "10.0.0.1", 30, clock)
    with pytest.raises(RateLimited):
        rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
    assert rt.accounts.log_in("ben", PASSWORD, "10.0.0.1").user.username == "ben"


def test_many_usernames_failing_from_one_address_reach_its_much_higher_ceiling(
    database_url: str, clock: HandClock
) -> None:
    settings = Settings(
        database_url=database_url,
        login_max_failures_per_username=3,
        login_max_failures_per_source=12,
    )
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER, clock=clock)
    try:
        _user(rt, "ben")
        for n in range(5):
            _fail(rt, f"guess{n}", "10.0.0.9", 2, clock)
        assert rt.accounts.log_in("ben", PASSWORD, "10.0.0.9")
        _fail(rt, "guess5", "10.0.0.9", 2, clock)
        with pytest.raises(RateLimited):
            rt.accounts.log_in("ben", PASSWORD, "10.0.0.9")
        # Another address is not affected.
        assert rt.accounts.log_in("ben", PASSWORD, "10.0.0.10")
    finally:
        rt.close()


def test_an_admin_unlock_lets_the_user_sign_in_at_once_and_is_audited(
    rt: Runtime, clock: HandClock
) -> None:
    ana = _user(rt, "ana")
    _fail(rt, "ana", "10.0.0.1", 12, clock)
    with pytest.raises(RateLimited):
        rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
    [listed] = rt.accounts.throttled_sign_ins(OP)
    assert listed.user.id == ana.id and listed.failures == 12
    assert listed.retry_at is not None and listed.retry_at > clock.now()
    rt.accounts.unlock_user(OP, ana.id)
    assert rt.accounts.throttled_sign_ins(OP) == []
    assert rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
    [entry] = rt.accounts.audit_entries(OP, 10, AuditAction.LOGIN_UNLOCKED)
    assert entry.actor == OP.name
    assert entry.target == "ana"


def test_a_reset_link_sets_an_argon2_password_once_and_ends_the_users_sessions(
    rt: Runtime, clock: HandClock
) -> None:
    ana = _user(rt, "ana")
    session = rt.accounts.log_in("ana", PASSWORD, "10.0.0.1")
    _fail(rt, "ana", "10.0.0.1", 10, clock)
    issued = rt.accounts.create_password_reset(OP, ana.id)
    with rt.engine.connect() as conn:
        stored = conn.execute(select(tables.password_resets)).one()
    assert issued.secret not in str(tuple(stored))  # only the digest is kept
    assert rt.accounts.password_reset_user(issued.secret).id == ana.id
    with pytest.raises(ValidationFailed):
        rt.accounts.reset_password(issued.secret, "short", "10.0.0.1")
    rt.accounts.reset_password(issued.secret, "a brand new password", "10.0.0.1")
    with rt.engine.connect() as conn:
        new_hash = conn.execute(
            select(tables.users.c.password_hash).where(tables.users.c.id == ana.id)
        ).scalar_one()
    assert new_hash.startswith("$argon2id$")
    assert rt.accounts.principal_for_session(session.cookie_value) is None
    with pytest.raises(NotFound) as again:
        rt.accounts.reset_password(issued.secret, "yet another password", "10.0.0.1")
    assert again.value.code == "reset_link_invalid"
    # The failures before the reset no longer count.
    assert rt.accounts.log_in("ana", "a brand new password", "10.0.0.1")
    actions = [e.action for e in rt.accounts.audit_entries(OP, 50)]
    assert AuditAction.PASSWORD_RESET_CREATED in actions
    assert AuditAction.PASSWORD_RESET_USED in actions


def test_a_reset_link_expires_and_a_newer_one_replaces_it(rt: Runtime, clock: HandClock) -> None:
    ana = _user(rt, "ana")
    first = rt.accounts.create_password_reset(OP, ana.id)
    second = rt.accounts.create_password_reset(OP, ana.id)
    with pytest.raises(NotFound):
        rt.accounts.password_reset_user(first.secret)
    clock.move(24 * 3600 + 1)
    with pytest.raises(NotFound):
        rt.accounts.reset_password(second.secret, "a brand new password", "10.0.0.1")


def test_only_someone_who_assigns_roles_may_reset_an_admins_password(rt: Runtime) -> None:
    admin = _user(rt, "root", Role.ADMIN)
    hr = rt.accounts.log_in(_user(rt, "hanna", Role.HR).username, PASSWORD, "10.0.0.1")
    hr_principal = rt.accounts.principal_for_session(hr.cookie_value)
    assert hr_principal is not None
    with pytest.raises(PermissionDenied):
        rt.accounts.create_password_reset(hr_principal, admin.id)
    agent = rt.accounts.log_in(_user(rt, "al").username, PASSWORD, "10.0.0.1")
    agent_principal = rt.accounts.principal_for_session(agent.cookie_value)
    assert agent_principal is not None
    with pytest.raises(PermissionDenied):
        rt.accounts.unlock_user(agent_principal, admin.id)
