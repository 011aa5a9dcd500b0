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

SOURCE = Path(__file__).resolve().parents[1] / "src"


def env_in_another_directory() -> dict[str, str]:
    """This environment for a command run elsewhere: this checkout's code, and no database
    named, so the command finds its database as a person's would."""
    env = dict(os.environ)
    env.pop("SWITCHDESK_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE), *filter(None, [env.get("PYTHONPATH")])])
    return env


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SWITCHDESK, *args],
        capture_output=True,
        text=True,
        env=env if env is not None else dict(os.environ),
        timeout=120,
        check=check,
        cwd=cwd,
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
def run_demo(folder: Path, *, in_folder: bool = False) -> Iterator[LiveDemo]:
    """``switchdesk demo`` exactly as ``make demo`` runs it, on free local ports. With
    ``in_folder`` it runs in ``folder`` with no database named (its default database)."""
    database = folder / ("var/switchdesk.db" if in_folder else "demo.db")
    port, smtp, sink, wa = (free_port() for _ in range(4))
    url = f"http://127.0.0.1:{port}"
    where = [] if in_folder else ["--database", str(database)]
    args = [
        *("demo", "--json", *where, "--port", str(port)),
        *("--smtp-port", str(smtp), "--sink-port", str(sink), "--whatsapp-port", str(wa)),
    ]
    out_path = folder / "demo.out"
    env = env_in_another_directory() if in_folder else dict(os.environ)
    cwd = folder if in_folder else None
    with running_server(args, url, out_path, env, timeout=60, cwd=cwd):
        seeded = json.loads(out_path.read_text().splitlines()[0])
        state = json.loads(database.with_suffix(".fakes.json").read_text())
        assert seeded["fakes"]["sink"] == f"127.0.0.1:{sink}"
        yield LiveDemo(url, database, seeded["logins"], state)
    # The fakes stop with the demo, and take its secrets' state file with them.
    assert not database.with_suffix(".fakes.json").exists()
