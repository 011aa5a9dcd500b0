"""The flow validator refuses each kind of bad flow and names the bad node."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from switchdesk.domain.voice.flows import FlowInvalid, check_flow, parse_flow
from tests.domain.voice.sample_flow import ALLOW_LIST, QUEUES, sample_flow

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(flow: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = flow
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(flow: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = flow
        for part in parents:
            target = target[part]
        del target[last]

    return edit


def _loop(flow: dict[str, Any]) -> None:
    flow["nodes"]["main"]["options"]["3"] = {"next": "again"}
    flow["nodes"]["again"] = {"type": "say", "prompt": "Once more.", "next": "again2"}
    flow["nodes"]["again2"] = {"type": "say", "prompt": "And again.", "next": "again"}


def _orphan(flow: dict[str, Any]) -> None:
    flow["nodes"]["orphan"] = {"type": "hangup"}


CASES = [
    ("unknown next node", _set("nodes.main.options.2.next", "nowhere"), "main", "next_unknown"),
    ("unknown on_fail node", _set("nodes.account.on_fail", "nowhere"), "account", "next_unknown"),
    ("unreachable node", _orphan, "orphan", "node_unreachable"),
    ("menu without timeout", _drop("nodes.main.timeout_seconds"), "main", "timeout_missing"),
    ("collect without retries", _drop("nodes.account.retries"), "account", "retries_missing"),
    ("menu without on_fail", _drop("nodes.language.on_fail"), "language", "on_fail_missing"),
    (
        "transfer off the allow-list",
        _set("nodes.partner.number", "+882123456789"),
        "partner",
        "transfer_not_allowed",
    ),
    ("unknown queue", _set("nodes.billing.queue", "Nobody"), "billing", "queue_unknown"),
    (
        "hours of a queue without hours",
        _set("nodes.open.queue", "Northwind billing"),
        "open",
        "hours_missing",
    ),
    ("loop without exit", _loop, "again", "loop_without_exit"),
    ("unknown checksum", _set("nodes.account.checksum", "crc32"), "account", "checksum_unknown"),
    (
        "two-key option",
        _set("nodes.main.options.12", {"next": "support"}),
        "main",
        "option_invalid",
    ),
    ("unknown node type", _set("nodes.bye.type", "dance"), "bye", "node_type_unknown"),
    ("menu without prompt", _drop("nodes.main.prompt"), "main", "prompt_missing"),
    ("unknown start", _set("start", "nowhere"), "", "flow_start_unknown"),
    (
        "bad time zone",
        _set("hours.Northwind support.time_zone", "Mars/Olympus"),
        "",
        "hours_invalid",
    ),
]


def test_the_sample_flow_is_valid() -> None:
    assert check_flow(sample_flow(), queues=QUEUES, allow_list=ALLOW_LIST) == []


@pytest.mark.parametrize(("case", "edit", "node", "code"), CASES, ids=[c[0] for c in CASES])
def test_the_validator_names_the_bad_node(case: str, edit: Edit, node: str, code: str) -> None:
    flow = copy.deepcopy(sample_flow())
    edit(flow)
    problems = check_flow(flow, queues=QUEUES, allow_list=ALLOW_LIST)
    assert (node, code) in [(p.node, p.code) for p in problems], problems
    with pytest.raises(FlowInvalid) as refused:
        parse_flow(flow, queues=QUEUES, allow_list=ALLOW_LIST)
    assert refused.value.code == "ivr_flow_invalid"
    assert {"node": node, "code": code} in [
        {"node": p["node"], "code": p["code"]} for p in refused.value.extra["problems"]
    ]


def test_a_loop_with_an_exit_is_allowed() -> None:
    flow = sample_flow()
    flow["nodes"]["main"]["options"]["0"] = {"next": "main"}  # "press 0 to hear it again"
    assert check_flow(flow, queues=QUEUES, allow_list=ALLOW_LIST) == []
