"""The layers of DESIGN.md hold: import-linter's contracts pass, and they can fail; the
conversation core's intake knows no web chat (ADR 0005); and the test modules can all be
collected in one run (no two share a file name)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_import_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_an_outward_import_breaks_the_contracts(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "src", copy / "src")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    offender = copy / "src" / "switchdesk" / "domain" / "offender.py"
    offender.write_text("import switchdesk.adapters.db.engine  # noqa\n")
    env_path = str(copy / "src")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "switchdesk.domain.offender" in result.stdout


def test_every_test_module_has_its_own_name() -> None:
    """The test folders are not packages, so pytest imports each module by its file name:
    two files of one name in different folders stop the whole run at collection."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted(Path(__file__).parent.rglob("test_*.py")):
        if path.name in seen:
            clashes.append(f"{seen[path.name]} and {path}")
        seen.setdefault(path.name, path)
    assert len(seen) > 50
    assert not clashes, clashes


def _names(path: Path) -> set[str]:
    """The names, attributes and imported modules a module's code uses (not its text)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(alias.name for alias in node.names)
    return found


def test_web_chat_messages_enter_by_the_intake_which_names_no_web_chat() -> None:
    live = ROOT / "src" / "switchdesk" / "usecases" / "live"
    intake = _names(live / "intake.py")
    web_chat = {"WEB_CHAT", "CHAT_VISITOR", "customer_token_hash", "conversation_by_token"}
    assert not intake & web_chat
    assert "switchdesk.usecases.live.customers" not in intake
    assert {"message_by_client_id", "conversation_id"} <= intake  # the session path
    customers = _names(live / "customers.py")
    assert "receive_item" in customers
    assert not customers & {"store_in_conversation", "message_by_client_id"}
