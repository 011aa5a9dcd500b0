"""A real server process and a real headless Chromium (Debian's /usr/bin/chromium)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, missing, running_server
from tests.demo_process import cli

CHROMIUM = os.environ.get("SWITCHDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class DemoServer:
    url: str
    logins: list[dict[str, str]]

    def password(self, username: str) -> str:
        return next(x["password"] for x in self.logins if x["username"] == username)


@contextlib.contextmanager
def serve_demo(db: Path, *, timeout: float = 30) -> Iterator[DemoServer]:
    """``switchdesk demo`` seeds a database; ``switchdesk serve`` serves it on a free port
    (ready within ``timeout`` seconds)."""
    env = dict(os.environ, SWITCHDESK_DATABASE_URL=f"sqlite:///{db}")
    seeded = json.loads(cli("demo", "--no-serve", "--json", "--database", str(db), env=env).stdout)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server(
        ["serve", "--port", str(port)], url, db.with_suffix(".log"), env, timeout=timeout
    ):
        yield DemoServer(url, seeded["logins"])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo center shared by the browser tests (they add to it, each in its own way)."""
    with serve_demo(tmp_path_factory.mktemp("browser") / "demo.db") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
