"""``switchdesk users unlock`` and ``users reset-link`` against a real database."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from switchdesk.bootstrap import build_runtime
from switchdesk.config import Settings
from switchdesk.domain.errors import AuthenticationFailed, RateLimited
from tests.conftest import FAST_HASHER
from tests.demo_process import cli


class StillClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


def test_an_operator_unlocks_a_throttled_user_and_gives_them_a_reset_link(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = dict(
        os.environ, SWITCHDESK_DATABASE_URL=url, SWITCHDESK_PUBLIC_URL="https://desk.example"
    )
    cli("db", "upgrade", env=env)
    cli("users", "create", "ana", "--role", "agent", env=env)
    # A clock that stands still: the waits do not run out while the machine is slow.
    runtime = build_runtime(Settings(database_url=url), hasher=FAST_HASHER, clock=StillClock())
    try:
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                runtime.accounts.log_in("ana", "wrong password", "10.0.0.1")
        with pytest.raises(RateLimited):
            runtime.accounts.log_in("ana", "wrong password", "10.0.0.1")
        assert "ana may sign in again" in cli("users", "unlock", "ana", env=env).stdout
        with pytest.raises(AuthenticationFailed):  # a plain failure again, not a wait
            runtime.accounts.log_in("ana", "wrong password", "10.0.0.1")
        link = json.loads(cli("users", "reset-link", "ana", "--json", env=env).stdout)
        assert link["url"].startswith("https://desk.example/password-reset?token=")
        token = parse_qs(urlparse(link["url"]).query)["token"][0]
        runtime.accounts.reset_password(token, "a brand new password", "10.0.0.1")
        assert runtime.accounts.log_in("ana", "a brand new password", "10.0.0.1")
        missing = cli("users", "unlock", "nobody", env=env, check=False)
        assert missing.returncode == 1 and "not_found" in missing.stderr
    finally:
        runtime.close()
