"""The ``switchdesk`` command line, run as a user would: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from switchdesk.cli.main import app


def run(*args: str, db: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if db is not None:
        env["SWITCHDESK_DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run(
        [sys.executable, "-c", "from switchdesk.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def _commands(group, prefix=()):  # walk typer's tree of commands
    for cmd in group.registered_commands:
        yield (*prefix, cmd.name or cmd.callback.__name__.replace("_", "-"))
    for sub in group.registered_groups:
        yield (*prefix, sub.name)
        yield from _commands(sub.typer_instance, (*prefix, sub.name))


def test_every_command_has_help() -> None:
    commands = list(_commands(app))
    assert ("serve",) in commands and ("users", "set-role") in commands
    for command in commands:
        result = run(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage" in result.stdout


def test_demo_seeds_a_center_and_prints_each_password_once(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", "--no-serve", "--json", "--database", str(db))
    assert result.returncode == 0, result.stderr
    seeded = json.loads(result.stdout)
    roles = {login["role"] for login in seeded["logins"]}
    assert roles == {
        "agent",
        "team_leader",
        "qa_analyst",
        "trainer",
        "operations_manager",
        "executive",
        "hr",
        "admin",
    }
    listed = json.loads(run("users", "list", "--json", db=db).stdout)
    assert {u["username"] for u in listed} == {x["username"] for x in seeded["logins"]}
    assert all("password" not in u for u in listed)


def test_users_and_tokens_round_trip_through_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert run("db", "upgrade", db=db).returncode == 0
    created = run(
        "users",
        "create",
        "mia",
        "--role",
        "team_leader",
        "--password-stdin",
        "--json",
        db=db,
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "password" not in json.loads(created.stdout)
    assert run("users", "set-role", "mia", "operations_manager", db=db).returncode == 0
    users = json.loads(run("users", "list", "--json", db=db).stdout)
    assert [(u["username"], u["role"]) for u in users] == [("mia", "operations_manager")]
    issued = json.loads(run("tokens", "issue", "mia", "--name", "bi", "--json", db=db).stdout)
    assert issued["secret"].startswith("sdt_")
    assert run("tokens", "revoke", issued["id"], db=db).returncode == 0
    tokens = json.loads(run("tokens", "list", "--json", db=db).stdout)
    assert tokens[0]["active"] is False and "secret" not in tokens[0]


@pytest.mark.parametrize(
    "args,message",
    [
        (("users", "create", "zed", "--role", "emperor"), "unknown role"),
        (("users", "set-role", "ghost", "agent"), "not found"),
        (("tokens", "revoke", "nope"), "not found"),
    ],
)
def test_bad_cli_input_gives_a_clear_error_and_no_traceback(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    db = tmp_path / "bad.db"
    run("db", "upgrade", db=db)
    result = run(*args, db=db)
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_commands_refuse_an_unmigrated_database_clearly(tmp_path: Path) -> None:
    result = run("users", "list", db=tmp_path / "fresh.db")
    assert result.returncode == 1
    assert "db upgrade" in result.stderr
