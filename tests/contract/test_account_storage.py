"""The contract every account store honours: the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.db.repositories import SqlUnitOfWorkFactory
from switchdesk.adapters.memory.accounts import MemoryStore
from switchdesk.domain.accounts.model import (
    ApiToken,
    AuditAction,
    AuditEntry,
    AuditFilter,
    ClientAccount,
    PasswordReset,
    Session,
    User,
)
from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import Conflict
from switchdesk.usecases.ports import UnitOfWorkFactory
from tests.conftest import BACKENDS, empty_database

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", *BACKENDS])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryStore()
        return
    with empty_database(request.param, tmp_path, postgres_admin_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield SqlUnitOfWorkFactory(engine)
        engine.dispose()


def _user(uid: str, name: str, scope: frozenset[str] = frozenset()) -> User:
    return User(uid, name, name.title(), Role.AGENT, "$argon2id$x", T0, client_account_ids=scope)


def test_a_committed_user_reads_back_equal_with_aware_utc_times(store) -> None:
    with store() as uow:
        uow.organisation.add_client_account(ClientAccount("ca1", "Northwind", T0))
        uow.users.add(_user("u1", "ana", frozenset({"ca1"})))
        uow.commit()
    with store() as uow:
        got = uow.users.by_username("ana")
        assert got == _user("u1", "ana", frozenset({"ca1"}))
        assert got is not None and got.created_at.tzinfo is not None
        assert uow.users.get("u1") == got
        assert uow.users.get("nope") is None


def test_leaving_without_commit_rolls_back(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
    with store() as uow:
        assert uow.users.list() == []


def test_a_taken_username_is_a_conflict_and_the_rest_of_the_transaction_survives(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
        uow.commit()
    with store() as uow:
        uow.users.add(_user("u2", "ben"))
        with pytest.raises(Conflict) as err:
            uow.users.add(_user("u3", "ana"))
        assert err.value.code == "username_taken"
        uow.commit()
    with store() as uow:
        assert [u.username for u in uow.users.list()] == ["ana", "ben"]


def test_role_password_and_active_updates_persist(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
        uow.commit()
    with store() as uow:
        uow.users.set_role("u1", Role.TEAM_LEADER)
        uow.users.set_password_hash("u1", "$argon2id$y")
        uow.users.set_active("u1", False)
        uow.commit()
    with store() as uow:
        u = uow.users.get("u1")
        assert u is not None
        assert (u.role, u.password_hash, u.active) == (Role.TEAM_LEADER, "$argon2id$y", False)


def test_tokens_are_found_by_hash_revoked_and_touched(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
        uow.tokens.add(ApiToken("t1", "u1", "crm", "hash-1", T0))
        uow.commit()
    with store() as uow:
        assert uow.tokens.by_hash("hash-1") == ApiToken("t1", "u1", "crm", "hash-1", T0)
        assert uow.tokens.by_hash("other") is None
        uow.tokens.revoke("t1", T0 + timedelta(hours=1))
        uow.tokens.touch("t1", T0 + timedelta(minutes=5))
        uow.commit()
    with store() as uow:
        t = uow.tokens.get("t1")
        assert t is not None and not t.active
        assert t.revoked_at == T0 + timedelta(hours=1)
        assert t.last_used_at == T0 + timedelta(minutes=5)
        assert [x.id for x in uow.tokens.for_user("u1")] == ["t1"]


def test_sessions_are_stored_found_and_deleted_per_user(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
        for i in range(3):
            uow.sessions.add(Session(f"h{i}", "u1", "csrf", T0, T0 + timedelta(hours=1)))
        uow.commit()
    with store() as uow:
        assert uow.sessions.get("h1") == Session("h1", "u1", "csrf", T0, T0 + timedelta(hours=1))
        uow.sessions.delete("h0")
        uow.commit()
    with store() as uow:
        assert uow.sessions.get("h0") is None
        uow.sessions.delete_for_user("u1")
        uow.commit()
    with store() as uow:
        assert uow.sessions.get("h2") is None


def test_audit_entries_come_back_newest_first_and_are_counted_by_window(store) -> None:
    with store() as uow:
        for minute, action in [
            (0, AuditAction.LOGIN_FAILED),
            (5, AuditAction.LOGIN_FAILED),
            (10, AuditAction.LOGIN_SUCCEEDED),
        ]:
            uow.audit.append(
                AuditEntry(
                    T0 + timedelta(minutes=minute),
                    action,
                    "anonymous",
                    "ana",
                    {"n": minute},
                    "10.0.0.1",
                )
            )
        uow.commit()
    with store() as uow:
        recent = uow.audit.recent(10)
        assert [e.detail["n"] for e in recent] == [10, 5, 0]
        assert all(e.id is not None for e in recent)
        assert [e.detail["n"] for e in uow.audit.recent(10, AuditAction.LOGIN_FAILED)] == [5, 0]
        since = T0 + timedelta(minutes=1)
        assert uow.audit.count_since(AuditAction.LOGIN_FAILED, since) == 1
        assert uow.audit.count_since(AuditAction.LOGIN_FAILED, T0, target="ana") == 2
        assert uow.audit.count_since(AuditAction.LOGIN_FAILED, T0, target="ben") == 0
        assert uow.audit.count_since(AuditAction.LOGIN_FAILED, T0, source="10.0.0.1") == 2


def test_a_users_assignment_replaces_name_scope_team_and_site(store) -> None:
    with store() as uow:
        for account in ("ca1", "ca2", "ca3"):
            uow.organisation.add_client_account(ClientAccount(account, account.upper(), T0))
        uow.users.add(_user("u1", "ana", frozenset({"ca1", "ca2"})))
        uow.users.add(_user("u2", "ben", frozenset({"ca1"})))
        uow.commit()
    with store() as uow:
        uow.users.set_assignment(
            "u1",
            display_name="Ana Moved",
            all_client_accounts=False,
            client_account_ids=frozenset({"ca2", "ca3"}),
            team_id=None,
            site_id=None,
        )
        uow.commit()
    with store() as uow:
        ana, ben = uow.users.get("u1"), uow.users.get("u2")
        assert ana is not None and ben is not None
        assert (ana.display_name, ana.client_account_ids) == ("Ana Moved", {"ca2", "ca3"})
        assert ben.client_account_ids == {"ca1"}  # nobody else's scope moved


def test_audit_entries_are_filtered_by_actor_time_and_client_account(store) -> None:
    entries = [
        AuditEntry(T0, AuditAction.CLIENT_ACCOUNT_CREATED, "cli:seed", "client_account:ca1"),
        AuditEntry(
            T0 + timedelta(minutes=5),
            AuditAction.CONTACT_MERGED,
            "user:lead",
            "contact:c1",
            {"client_account_id": "ca1"},
        ),
        AuditEntry(
            T0 + timedelta(minutes=10),
            AuditAction.CONTACT_MERGED,
            "user:lead",
            "contact:c2",
            {"client_account_id": "ca2"},
        ),
        AuditEntry(T0 + timedelta(minutes=15), AuditAction.LOGIN_SUCCEEDED, "user:ana", "ana"),
    ]
    with store() as uow:
        for entry in entries:
            uow.audit.append(entry)
        uow.commit()

    def targets(where: AuditFilter, limit: int = 10) -> list[str]:
        with store() as uow:
            found = uow.audit.recent(limit, where=where)
        assert [e for e in entries if where.matches(e)][::-1][:limit] == [
            AuditEntry(e.at, e.action, e.actor, e.target, e.detail, e.source) for e in found
        ]
        return [e.target for e in found]

    assert targets(AuditFilter(actor="user:lead")) == ["contact:c2", "contact:c1"]
    assert targets(AuditFilter(client_account_id="ca1")) == ["contact:c1", "client_account:ca1"]
    window = AuditFilter(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=15))
    assert targets(window) == ["contact:c2", "contact:c1"]  # since inclusive, until exclusive
    assert targets(AuditFilter(action=AuditAction.LOGIN_SUCCEEDED, actor="user:lead")) == []
    assert targets(AuditFilter(actor="user:lead"), limit=1) == ["contact:c2"]


def test_migrations_run_twice_without_harm(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    from switchdesk.adapters.db.migrate import current_revision, head_revision

    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_failed_sign_ins_tally_after_the_last_fresh_start_on_every_store(store) -> None:
    with store() as uow:
        for minute, action, source in [
            (0, AuditAction.LOGIN_FAILED, "10.0.0.1"),
            (1, AuditAction.LOGIN_UNLOCKED, ""),
            (2, AuditAction.LOGIN_FAILED, "10.0.0.1"),
            (3, AuditAction.LOGIN_FAILED, "10.0.0.2"),
        ]:
            uow.audit.append(
                AuditEntry(T0 + timedelta(minutes=minute), action, "x", "ana", {}, source)
            )
        uow.commit()
    with store() as uow:
        fresh = uow.audit.last_id([AuditAction.LOGIN_UNLOCKED], target="ana")
        assert fresh is not None
        assert uow.audit.last_id([AuditAction.LOGIN_UNLOCKED], target="ben") is None
        failed = AuditAction.LOGIN_FAILED
        assert uow.audit.tally_since(failed, T0, target="ana") == (3, T0 + timedelta(minutes=3))
        assert uow.audit.tally_since(failed, T0, after_id=fresh, source="10.0.0.1") == (
            1,
            T0 + timedelta(minutes=2),
        )
        assert uow.audit.tally_since(failed, T0, target="ben") == (0, None)
        since = uow.audit.entries_since(failed, T0 + timedelta(minutes=1), 10)
        assert [e.source for e in since] == ["10.0.0.1", "10.0.0.2"]


def test_a_password_reset_is_used_once_and_a_newer_one_cancels_the_older(store) -> None:
    with store() as uow:
        uow.users.add(_user("u1", "ana"))
        uow.password_resets.add(
            PasswordReset("h1", "u1", T0, T0 + timedelta(hours=1), "operator:x")
        )
        uow.commit()
    with store() as uow:
        got = uow.password_resets.by_hash("h1")
        assert got == PasswordReset("h1", "u1", T0, T0 + timedelta(hours=1), "operator:x")
        assert uow.password_resets.by_hash("nope") is None
        assert not uow.password_resets.use("h1", T0 + timedelta(hours=2))  # expired
        assert uow.password_resets.use("h1", T0 + timedelta(minutes=5))
        assert not uow.password_resets.use("h1", T0 + timedelta(minutes=6))
        uow.password_resets.add(
            PasswordReset("h2", "u1", T0, T0 + timedelta(hours=1), "operator:x")
        )
        uow.password_resets.cancel_for_user("u1", T0 + timedelta(minutes=7))
        uow.commit()
    with store() as uow:
        assert not uow.password_resets.use("h2", T0 + timedelta(minutes=8))
        used = uow.password_resets.by_hash("h1")
        assert used is not None and used.used_at == T0 + timedelta(minutes=5)
