"""The demo's database is where every other command looks, and no command makes an empty one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.demo_process import cli, env_in_another_directory, run_demo


def test_users_list_next_to_the_running_demo_lists_the_demos_users(tmp_path: Path) -> None:
    with run_demo(tmp_path, in_folder=True) as demo:
        seeded = json.loads((tmp_path / "demo.out").read_text().splitlines()[0])
        assert seeded["database_url"] == f"sqlite:///{tmp_path / 'var' / 'switchdesk.db'}"
        listed = cli("users", "list", "--json", env=env_in_another_directory(), cwd=tmp_path).stdout
        assert {u["username"] for u in json.loads(listed)} == {x["username"] for x in demo.logins}


def test_the_demo_says_where_its_database_is_before_anything_else(tmp_path: Path) -> None:
    out = cli("demo", "--no-serve", env=env_in_another_directory(), cwd=tmp_path).stdout
    first = out.splitlines()[0]
    assert first == f"Demo database: sqlite:///{tmp_path / 'var' / 'switchdesk.db'}"


def test_a_command_without_a_database_says_where_it_looked_and_creates_none(
    tmp_path: Path,
) -> None:
    result = cli("users", "list", env=env_in_another_directory(), cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert str(tmp_path / "var" / "switchdesk.db") in result.stderr
    assert "SWITCHDESK_DATABASE_URL" in result.stderr
    assert not (tmp_path / "var" / "switchdesk.db").exists()
    assert not (tmp_path / "var").exists()


def test_the_demo_never_recreates_a_database_it_did_not_make(tmp_path: Path) -> None:
    env = env_in_another_directory()
    assert cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    made = (tmp_path / "var" / "switchdesk.db").stat().st_mtime_ns
    result = cli("demo", "--no-serve", env=env, cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert "did not make" in result.stderr
    assert (tmp_path / "var" / "switchdesk.db").stat().st_mtime_ns == made
    # A database the demo made, it recreates.
    other = tmp_path / "other.db"
    assert (
        cli("demo", "--no-serve", "--database", str(other), env=env, cwd=tmp_path).returncode == 0
    )
    assert (
        cli("demo", "--no-serve", "--database", str(other), env=env, cwd=tmp_path).returncode == 0
    )
