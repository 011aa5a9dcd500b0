"""How long a sign-in waits after failures: a growing delay, never a hard lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_DOUBLINGS = 32


@dataclass(frozen=True, slots=True)
class SignInDelay:
    """After ``free_failures`` failures each attempt waits ``base``, then twice as long
    after each further failure, up to ``longest``."""

    free_failures: int
    base: timedelta
    longest: timedelta

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, MAX_DOUBLINGS)
        wait: timedelta = self.base * (2**doublings)
        return min(wait, self.longest)

    def retry_at(self, failures: int, last_failure_at: datetime | None) -> datetime | None:
        """When the next attempt may be made; None when it need not wait."""
        if last_failure_at is None or failures < self.free_failures:
            return None
        return last_failure_at + self.wait_after(failures)


def latest(*moments: datetime | None) -> datetime | None:
    """The latest of the moments given, ignoring None."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None
