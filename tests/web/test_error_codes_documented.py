"""Every error code the source can emit is listed in docs/errors.md, and the page lists
none the source no longer has: collected from the source's syntax, so it cannot drift."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from switchdesk.usecases.live.outbound import REFUSALS
from switchdesk.web.errors import CODE_BY_HTTP_STATUS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "switchdesk"
DOCS = ROOT / "docs" / "errors.md"
CODE_ARGUMENT = {"WebhookAnswer": 2, "send_error": 1, "problem": 1, "refuse_socket": 2}
"""Functions that take a code by position, and where."""


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def codes_in(tree: ast.AST) -> set[str]:
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= {_text(k.value) for k in node.keywords if k.arg == "code"}
            if _name(node.func) == "close":  # websocket.close(code=4000, reason="resync")
                found |= {_text(k.value) for k in node.keywords if k.arg == "reason"}
            position = CODE_ARGUMENT.get(_name(node.func))
            if position is not None and len(node.args) > position:
                found.add(_text(node.args[position]))
            if (  # CODE_BY_HTTP_STATUS.get(status, "http_error")
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and _name(node.func.value) == "CODE_BY_HTTP_STATUS"
                and len(node.args) == 2
            ):
                found.add(_text(node.args[1]))
        elif isinstance(node, ast.Dict):  # a problem body built by hand
            found |= {
                _text(v) for k, v in zip(node.keys, node.values, strict=True) if _text(k) == "code"
            }
        elif isinstance(node, ast.Assign | ast.AnnAssign):  # class attribute ``code = "..."``
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                found.add(_text(node.value))
        elif isinstance(node, ast.arguments):  # def __init__(..., code: str = "...")
            named = node.args[len(node.args) - len(node.defaults) :] + node.kwonlyargs
            defaults = list(node.defaults) + list(node.kw_defaults)
            found |= {_text(d) for a, d in zip(named, defaults, strict=True) if a.arg == "code"}
    return {code for code in found if code}


def emitted_codes() -> set[str]:
    codes: set[str] = set(CODE_BY_HTTP_STATUS.values()) | set(REFUSALS)
    for path in SOURCE.rglob("*.py"):
        codes |= codes_in(ast.parse(path.read_text(encoding="utf-8")))
    return codes


def documented_codes() -> set[str]:
    """The first cell of each table row on the page."""
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))


def test_every_code_the_source_emits_is_documented() -> None:
    emitted = emitted_codes()
    assert {"not_found", "malformed_json", "resync", "http_error", "smtp_config"} <= emitted
    missing = emitted - documented_codes()
    assert not missing, f"add these codes to docs/errors.md: {sorted(missing)}"


def test_the_docs_list_no_code_the_source_does_not_emit() -> None:
    stale = documented_codes() - emitted_codes()
    assert not stale, f"docs/errors.md lists codes nothing emits: {sorted(stale)}"


def test_a_code_in_a_new_place_is_collected() -> None:
    tree = ast.parse(
        'raise Conflict("x", code="brand_new")\n'
        'await send_error(ws, "frame_new", "d")\n'
        "class E(Exception):\n    code = 'class_new'\n"
    )
    assert codes_in(tree) == {"brand_new", "frame_new", "class_new"}
