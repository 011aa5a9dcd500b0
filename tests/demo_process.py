"""A running ``switchdesk demo`` process with its local fakes, on free ports, for the tests
that talk to it as customers do (tests/browser/test_email_e2e.py, tests/cli)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import SWITCHDESK, free_port, running_server


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SWITCHDESK, *args],
        capture_output=True,
        text=True,
        env=env if env is not None else dict(os.environ),
        timeout=120,
        check=True,
    )


@dataclass
class LiveDemo:
    """A running ``switchdesk demo``: its URL, sign-ins and the fakes' state file."""

    url: str
    database: Path
    logins: list[dict[str, str]]
    state: dict[str, Any]

    def password(self, username: str) -> str:
        return next(x["password"] for x in self.logins if x["username"] == username)

    @property
    def outbox(self) -> Path:
        return Path(self.state["outbox"])

    def cli(self, *args: str) -> str:
        return cli(*args, "--database", str(self.database)).stdout


@contextlib.contextmanager
def run_demo(folder: Path) -> Iterator[LiveDemo]:
    """``switchdesk demo`` exactly as ``make demo`` runs it, on free local ports."""
    database = folder / "demo.db"
    port, smtp, sink, wa = (free_port() for _ in range(4))
    url = f"http://127.0.0.1:{port}"
    args = [
        *("demo", "--json", "--database", str(database), "--port", str(port)),
        *("--smtp-port", str(smtp), "--sink-port", str(sink), "--whatsapp-port", str(wa)),
    ]
    out_path = folder / "demo.out"
    with running_server(args, url, out_path, dict(os.environ), timeout=60):
        seeded = json.loads(out_path.read_text().splitlines()[0])
        state = json.loads(database.with_suffix(".fakes.json").read_text())
        assert seeded["fakes"]["sink"] == f"127.0.0.1:{sink}"
        yield LiveDemo(url, database, seeded["logins"], state)
    # The fakes stop with the demo, and take its secrets' state file with them.
    assert not database.with_suffix(".fakes.json").exists()
