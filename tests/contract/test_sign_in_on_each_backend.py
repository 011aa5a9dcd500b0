"""The sign-in and token flows end to end on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import AuthenticationFailed, RateLimited
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    """A migrated database behind a full runtime whose throttled sign-ins wait ten minutes
    (however slow the machine, the test does not outlive the wait it checks)."""
    settings = Settings(database_url=database_url, login_delay_seconds=600.0)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    yield rt
    rt.close()


def test_sign_in_session_token_and_rate_limit_work_on_each_backend(runtime: Runtime) -> None:
    op = Principal.operator("test")
    acc = runtime.accounts
    account = acc.create_client_account(op, "Northwind")
    user = acc.create_user(
        op,
        username="ana",
        password="long enough pw",
        role=Role.AGENT,
        client_account_ids=[account.id],
    )
    started = acc.log_in("ana", "long enough pw", "127.0.0.1")
    principal = acc.principal_for_session(started.cookie_value)
    assert principal is not None and principal.user == user
    assert principal.csrf_token == started.csrf_token
    issued = acc.issue_token(op, user.id, "sync")
    assert acc.principal_for_token(issued.secret) is not None
    acc.revoke_token(op, issued.token.id)
    assert acc.principal_for_token(issued.secret) is None
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            acc.log_in("ana", "wrong password", "127.0.0.1")
    with pytest.raises(RateLimited):
        acc.log_in("ana", "long enough pw", "127.0.0.1")
    acc.log_out(started.cookie_value, "127.0.0.1")
    assert acc.principal_for_session(started.cookie_value) is None
