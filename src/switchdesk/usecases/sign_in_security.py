"""Sign-in throttling: how long the next attempt waits, and who is waiting now.

Failures are read from the audit log, so every node sees the same counts. Three keys:
one username from one address (a person mistyping, or one bad user behind a shared proxy:
only that username waits), one username from anywhere (guessing from many addresses), and
one address for every username (a much higher ceiling: spraying many names). An admin's
unlock, a password reset and a successful sign-in start the username's counts afresh.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from switchdesk.domain.accounts.model import AuditAction, AuditEntry, User
from switchdesk.domain.accounts.throttle import SignInDelay, latest
from switchdesk.usecases.ports import UnitOfWork

FRESH_START = (
    AuditAction.LOGIN_SUCCEEDED,
    AuditAction.LOGIN_UNLOCKED,
    AuditAction.PASSWORD_RESET_USED,
)
"""Entries (their target is the username) after which a username's failures count anew."""

LISTED_FAILURES_MAX = 10_000


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How failed sign-ins slow the next attempts down (never a hard lock)."""

    window: timedelta = timedelta(minutes=15)
    """Failures older than this are forgotten."""
    max_failures_per_username: int = 5
    """Failures of one username from one address before each next attempt waits."""
    max_failures_per_username_total: int = 50
    """Failures of one username from every address before each next attempt waits."""
    max_failures_per_source: int = 200
    """Failures from one address, every username together, before its attempts wait."""
    delay_base: timedelta = timedelta(seconds=2)
    delay_longest: timedelta = timedelta(minutes=5)
    session_lifetime: timedelta = timedelta(hours=12)
    reset_link_lifetime: timedelta = timedelta(hours=24)

    def _delay(self, free: int) -> SignInDelay:
        return SignInDelay(free, self.delay_base, self.delay_longest)

    @property
    def per_username_and_source(self) -> SignInDelay:
        return self._delay(self.max_failures_per_username)

    @property
    def per_username(self) -> SignInDelay:
        return self._delay(self.max_failures_per_username_total)

    @property
    def per_source(self) -> SignInDelay:
        return self._delay(self.max_failures_per_source)


def retry_at(
    uow: UnitOfWork, policy: LoginPolicy, name: str, source: str, now: datetime
) -> datetime | None:
    """When ``name`` may next try to sign in from ``source``; None: now."""
    since = now - policy.window
    fresh = uow.audit.last_id(FRESH_START, target=name)
    failed = AuditAction.LOGIN_FAILED
    pair = uow.audit.tally_since(failed, since, after_id=fresh, target=name, source=source)
    anywhere = uow.audit.tally_since(failed, since, after_id=fresh, target=name)
    address = uow.audit.tally_since(failed, since, source=source)
    return latest(
        policy.per_username_and_source.retry_at(*pair),
        policy.per_username.retry_at(*anywhere),
        policy.per_source.retry_at(*address),
    )


def seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def say_wait(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


@dataclass(frozen=True, slots=True)
class ThrottledSignIn:
    """A user whose failed sign-ins make (or made) their attempts wait."""

    user: User
    failures: int
    last_failure_at: datetime
    retry_at: datetime | None
    """When the next attempt may be made from the address that failed most; None or past:
    now (a further failure waits longer again)."""
    sources: tuple[str, ...] = field(default=())


def throttled_sign_ins(
    uow: UnitOfWork, policy: LoginPolicy, now: datetime, users: dict[str, User]
) -> list[ThrottledSignIn]:
    """Every user in ``users`` (by username) whose failures since their fresh start reach a
    limit, most recent first."""
    entries = uow.audit.entries_since(
        AuditAction.LOGIN_FAILED, now - policy.window, LISTED_FAILURES_MAX
    )
    by_name: dict[str, list[AuditEntry]] = defaultdict(list)
    for entry in entries:
        if entry.target in users:
            by_name[entry.target].append(entry)
    found = []
    for name, failures in by_name.items():
        fresh = uow.audit.last_id(FRESH_START, target=name)
        counted = [e for e in failures if fresh is None or (e.id or 0) > fresh]
        if not counted:
            continue
        by_source: dict[str, list[datetime]] = defaultdict(list)
        for e in counted:
            by_source[e.source].append(e.at)
        last = max(e.at for e in counted)
        waits = [
            policy.per_username_and_source.retry_at(len(ats), max(ats))
            for ats in by_source.values()
        ]
        waits.append(policy.per_username.retry_at(len(counted), last))
        if all(w is None for w in waits):
            continue
        found.append(
            ThrottledSignIn(
                users[name], len(counted), last, latest(*waits), tuple(sorted(by_source))
            )
        )
    return sorted(found, key=lambda t: t.last_failure_at, reverse=True)
