"""IVR flows as data, and the validator that names the bad node.

A flow is a mapping (read from YAML or JSON)::

    name: support-line
    start: language
    default_language: en
    hours:                       # business hours per queue (see hours.py)
      Northwind support: {time_zone: Europe/Paris, weekly: {mon: ["09:00-17:00"]},
                          holidays: ["2026-12-25"]}
    nodes:
      language: {type: menu, prompt: "For English press 1. Pour le français, tapez 2.",
                 timeout_seconds: 5, retries: 2, on_fail: bye,
                 options: {"1": {next: open, language: en}, "2": {next: open, language: fr}}}
      open:     {type: hours, queue: Northwind support, open: main, closed: voicemail}
      main:     {type: menu, prompt: {en: "Billing, press 1.", fr: "Facturation, tapez 1."},
                 timeout_seconds: 5, retries: 2, on_fail: support,
                 options: {"1": {next: account, set: {topic: billing}}, "2": {next: support}}}
      account:  {type: collect, field: account, prompt: "Key in your account number, then hash.",
                 min_digits: 6, max_digits: 16, checksum: luhn, confirm: true,
                 timeout_seconds: 8, retries: 2, next: support, on_fail: support}
      support:  {type: queue, queue: Northwind support}
      voicemail: {type: voicemail, prompt: "We are closed. Leave a message.", max_seconds: 120}
      bye:      {type: hangup, prompt: "Goodbye."}

Node types: ``menu`` (DTMF options), ``collect`` (digits with a checksum and read-back
confirmation), ``say``, ``hours`` (open/closed by the queue's business hours), ``queue``,
``transfer`` (an external number on the allow-list only), ``voicemail``, ``hangup``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.voice.checksums import CHECKSUMS
from switchdesk.domain.voice.hours import BusinessHours, parse_hours

INTERACTIVE = frozenset({"menu", "collect"})
TERMINAL = frozenset({"queue", "transfer", "voicemail", "hangup"})
NODE_TYPES = INTERACTIVE | TERMINAL | {"say", "hours"}
LINKS = {
    "menu": ("on_fail",),
    "collect": ("next", "on_fail"),
    "say": ("next",),
    "hours": ("open", "closed"),
}
"""Each node type's fields that name another node (menu options add theirs)."""
REQUIRED_LINKS = {"collect": ("next",), "say": ("next",), "hours": ("open", "closed")}
DTMF_KEY = re.compile(r"[0-9*#]")
NUMBER = re.compile(r"\+[0-9]{4,15}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_TIMEOUT_SECONDS = 60
MAX_RETRIES = 5


@dataclass(frozen=True, slots=True)
class FlowProblem:
    """One thing wrong with a flow: the node it is on (``""``: the flow itself)."""

    node: str
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow that passed the validator (build it with :func:`parse_flow`)."""

    name: str
    start: str
    nodes: Mapping[str, Mapping[str, Any]]
    default_language: str = "en"
    hours: Mapping[str, BusinessHours] = field(default_factory=dict)
    messages: Mapping[str, Any] = field(default_factory=dict)
    allow_list: frozenset[str] = frozenset()
    """The external numbers transfers may go to (checked again at run time)."""


class FlowInvalid(ValidationFailed):
    """A flow the validator refused; ``problems`` name each bad node."""

    code = "ivr_flow_invalid"

    def __init__(self, problems: Sequence[FlowProblem]) -> None:
        first = problems[0]
        where = f"node {first.node!r}: " if first.node else ""
        super().__init__(
            f"{where}{first.detail}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            problems=[{"node": p.node, "code": p.code, "detail": p.detail} for p in problems],
        )
        self.problems = tuple(problems)


def allowed_number(number: str, allow_list: Collection[str]) -> bool:
    """Whether ``number`` (E.164) is on the allow-list: exact entries, or prefixes ending
    in ``*`` (``+4420794*``). Anything else is refused (no toll fraud)."""
    if not NUMBER.fullmatch(number):
        return False
    for entry in allow_list:
        if entry.endswith("*") and len(entry) > 2 and number.startswith(entry[:-1]):
            return True
        if entry == number:
            return True
    return False


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _prompt_ok(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())
    )


def _links(node: Mapping[str, Any]) -> list[tuple[str, Any]]:
    kind = node.get("type")
    found = [(name, node[name]) for name in LINKS.get(str(kind), ()) if node.get(name) is not None]
    if kind == "menu" and isinstance(node.get("options"), Mapping):
        for key, option in node["options"].items():
            if isinstance(option, Mapping):
                found.append((f"options.{key}.next", option.get("next")))
    return found


class _Checker:
    def __init__(
        self, data: Mapping[str, Any], queues: Collection[str], allow_list: Collection[str]
    ) -> None:
        self.data = data
        self.queues = queues
        self.allow_list = allow_list
        self.problems: list[FlowProblem] = []
        self.hours: dict[str, BusinessHours] = {}

    def bad(self, node: str, code: str, detail: str) -> None:
        self.problems.append(FlowProblem(node, code, detail))

    def run(self) -> None:
        data = self.data
        name = data.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            self.bad("", "flow_name_invalid", "a flow has a name of 1 to 64 letters/digits/._-")
        nodes = data.get("nodes")
        if not isinstance(nodes, Mapping) or not nodes:
            self.bad("", "flow_nodes_missing", "a flow has at least one node")
            return
        self._hours()
        for node_id, node in nodes.items():
            self._node(str(node_id), node)
        start = data.get("start")
        if not isinstance(start, str) or start not in nodes:
            self.bad("", "flow_start_unknown", f"the start node {start!r} does not exist")
            return
        self._graph(nodes, start)

    def _hours(self) -> None:
        raw = self.data.get("hours", {})
        if not isinstance(raw, Mapping):
            self.bad("", "hours_invalid", "hours map queues to business hours")
            return
        for queue, spec in raw.items():
            try:
                self.hours[str(queue)] = parse_hours(spec)
            except ValidationFailed as exc:
                self.bad("", "hours_invalid", f"hours of {queue!r}: {exc.detail}")

    def _node(self, node_id: str, node: Any) -> None:
        if not isinstance(node, Mapping):
            self.bad(node_id, "node_invalid", "a node is a mapping with a type")
            return
        kind = node.get("type")
        if kind not in NODE_TYPES:
            self.bad(node_id, "node_type_unknown", f"unknown node type {kind!r}")
            return
        nodes = self.data["nodes"]
        for name in REQUIRED_LINKS.get(kind, ()):
            if node.get(name) is None:
                self.bad(node_id, "next_missing", f"a {kind} node needs {name!r}")
        for name, target in _links(node):
            if not isinstance(target, str) or target not in nodes:
                self.bad(node_id, "next_unknown", f"{name} goes to unknown node {target!r}")
        if kind in INTERACTIVE:
            self._interactive(node_id, node)
        if kind in ("menu", "collect", "say", "voicemail") and not _prompt_ok(node.get("prompt")):
            self.bad(node_id, "prompt_missing", f"a {kind} node needs a prompt")
        if kind == "menu":
            self._options(node_id, node)
        if kind == "collect":
            self._collect(node_id, node)
        if kind in ("queue", "hours"):
            queue = node.get("queue")
            if not isinstance(queue, str) or queue not in self.queues:
                self.bad(node_id, "queue_unknown", f"queue {queue!r} does not exist")
            elif kind == "hours" and queue not in self.hours:
                self.bad(node_id, "hours_missing", f"queue {queue!r} has no business hours")
        if kind == "transfer":
            number = node.get("number")
            if not isinstance(number, str) or not allowed_number(number, self.allow_list):
                self.bad(
                    node_id,
                    "transfer_not_allowed",
                    f"transfer number {number!r} is not on the allow-list",
                )
        if kind == "voicemail" and not _is_int(node.get("max_seconds", 120), 5, 600):
            self.bad(node_id, "record_limit_invalid", "max_seconds is 5 to 600")

    def _interactive(self, node_id: str, node: Mapping[str, Any]) -> None:
        if "timeout_seconds" not in node:
            self.bad(node_id, "timeout_missing", "an input node needs timeout_seconds")
        elif not _is_int(node["timeout_seconds"], 1, MAX_TIMEOUT_SECONDS):
            self.bad(node_id, "timeout_invalid", f"timeout_seconds is 1 to {MAX_TIMEOUT_SECONDS}")
        if "retries" not in node:
            self.bad(node_id, "retries_missing", "an input node needs retries")
        elif not _is_int(node["retries"], 0, MAX_RETRIES):
            self.bad(node_id, "retries_invalid", f"retries is 0 to {MAX_RETRIES}")
        if node.get("on_fail") is None:
            self.bad(node_id, "on_fail_missing", "an input node needs on_fail (retries used up)")

    def _options(self, node_id: str, node: Mapping[str, Any]) -> None:
        options = node.get("options")
        if not isinstance(options, Mapping) or not options:
            self.bad(node_id, "options_missing", "a menu needs options")
            return
        for key, option in options.items():
            if not isinstance(key, str) or not DTMF_KEY.fullmatch(key):
                self.bad(node_id, "option_invalid", f"option {key!r} is not one DTMF key")
            if not isinstance(option, Mapping) or option.get("next") is None:
                self.bad(node_id, "next_missing", f"option {key!r} needs next")
                continue
            attrs = option.get("set", {})
            if not isinstance(attrs, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str | int | bool) for k, v in attrs.items()
            ):
                self.bad(node_id, "attributes_invalid", f"option {key!r}: set maps names to values")
            language = option.get("language")
            if language is not None and not (isinstance(language, str) and 2 <= len(language) <= 8):
                self.bad(node_id, "language_invalid", f"option {key!r}: bad language")

    def _collect(self, node_id: str, node: Mapping[str, Any]) -> None:
        if not isinstance(node.get("field"), str) or not node["field"]:
            self.bad(node_id, "field_missing", "a collect node needs the field it fills")
        low, high = node.get("min_digits", 1), node.get("max_digits")
        if not _is_int(high, 1, 32) or not _is_int(low, 1, 32) or low > high:
            self.bad(node_id, "digits_invalid", "min_digits <= max_digits, both 1 to 32")
        if node.get("checksum", "none") not in CHECKSUMS:
            self.bad(node_id, "checksum_unknown", f"unknown checksum {node.get('checksum')!r}")

    def _graph(self, nodes: Mapping[str, Any], start: str) -> None:
        edges: dict[str, set[str]] = {
            str(n): {t for _, t in _links(v) if isinstance(t, str) and t in nodes}
            if isinstance(v, Mapping)
            else set()
            for n, v in nodes.items()
        }
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for node_id in nodes:
            if node_id not in seen:
                self.bad(str(node_id), "node_unreachable", "no path from the start reaches it")
        # Every reachable node must be able to end the call (reach a terminal node);
        # otherwise the caller loops forever.
        exits = {
            n for n, v in nodes.items() if isinstance(v, Mapping) and (v.get("type") in TERMINAL)
        }
        changed = True
        while changed:
            changed = False
            for n, targets in edges.items():
                if n not in exits and targets & exits:
                    exits.add(n)
                    changed = True
        for node_id in sorted(seen - exits):
            self.bad(node_id, "loop_without_exit", "every path from here loops without an exit")


def check_flow(
    data: Mapping[str, Any], *, queues: Collection[str], allow_list: Collection[str]
) -> list[FlowProblem]:
    """Every problem of ``data`` as a flow, each naming its node. ``queues`` are the queue
    names flows may use; ``allow_list`` the external numbers transfers may go to."""
    if not isinstance(data, Mapping):
        return [FlowProblem("", "flow_invalid", "a flow is a mapping")]
    checker = _Checker(data, queues, allow_list)
    checker.run()
    return checker.problems


def parse_flow(
    data: Mapping[str, Any], *, queues: Collection[str], allow_list: Collection[str]
) -> Flow:
    """The flow in ``data``; raises :class:`FlowInvalid` naming every bad node."""
    problems = check_flow(data, queues=queues, allow_list=allow_list)
    if problems:
        raise FlowInvalid(problems)
    hours = {str(q): parse_hours(h) for q, h in data.get("hours", {}).items()}
    messages = data.get("messages", {})
    return Flow(
        name=str(data["name"]),
        start=str(data["start"]),
        nodes={str(k): dict(v) for k, v in data["nodes"].items()},
        default_language=str(data.get("default_language", "en")),
        hours=hours,
        messages=dict(messages) if isinstance(messages, Mapping) else {},
        allow_list=frozenset(allow_list),
    )
