"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable), runtimes, clients.

PostgreSQL comes from ``SWITCHDESK_TEST_POSTGRES_URL`` (an admin URL; each test gets a
fresh database), or else a throwaway cluster started from the local PostgreSQL binaries.
With ``SWITCHDESK_REQUIRE_ALL=1`` (set by CI) a missing PostgreSQL or Chromium fails the
tests that need it instead of skipping them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import argon2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from switchdesk.adapters.security import Argon2PasswordHasher
from switchdesk.bootstrap import Runtime, build_runtime, migrate
from switchdesk.config import Settings

REQUIRE_ALL = os.environ.get("SWITCHDESK_REQUIRE_ALL") == "1"

# argon2id with small parameters: same algorithm and code path, faster tests.
FAST_HASHER = Argon2PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def missing(what: str) -> None:
    """Skip locally; fail when every backend is required (CI)."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required (SWITCHDESK_REQUIRE_ALL=1) but not available")
    pytest.skip(f"{what} not available")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self, bindir: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="sd-pg-"))
        self.port = free_port()
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -h 127.0.0.1 -F",
            "start",
        )
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    url = os.environ.get("SWITCHDESK_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs:
        yield None
        return
    cluster = _Cluster(Path(bindirs[-1]))
    try:
        url = cluster.start()
    except (subprocess.SubprocessError, OSError) as exc:
        if REQUIRE_ALL:
            raise RuntimeError(f"could not start PostgreSQL: {exc}") from exc
        yield None
        return
    try:
        yield url
    finally:
        cluster.stop()


def _fresh_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"sd_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def empty_database(kind: str, tmp_path: Path, postgres_admin_url: str | None) -> Iterator[str]:
    """An empty database of ``kind`` ("sqlite" or "postgres"), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'switchdesk.db'}"
        return
    if postgres_admin_url is None:
        missing("PostgreSQL")
    assert postgres_admin_url is not None
    url, drop = _fresh_postgres_database(postgres_admin_url)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[str]:
    """An empty database: SQLite file, then PostgreSQL (each test gets its own)."""
    with empty_database(request.param, tmp_path, postgres_admin_url) as url:
        yield url


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    """A migrated database behind a full runtime."""
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    yield rt
    rt.close()


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """Like ``runtime`` but SQLite only, for tests about the web layer, not storage."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}")
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    yield rt
    rt.close()


SWITCHDESK = [sys.executable, "-c", "from switchdesk.cli.main import main; main()"]
"""The ``switchdesk`` command, run with this interpreter (and this checkout's code)."""


@contextlib.contextmanager
def running_server(
    args: list[str],
    url: str,
    log: Path,
    env: dict[str, str],
    *,
    timeout: float = 30,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``switchdesk <args>`` in a process of its own (in ``cwd`` if given), its output in
    ``log``: yielded once ``<url>/readyz`` answers 200, stopped at the end (terminate, then
    kill)."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*SWITCHDESK, *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"switchdesk {args[0]} did not start: {log.read_text()}")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
