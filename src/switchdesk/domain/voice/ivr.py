"""The IVR as a pure state machine over a validated flow: :func:`start` enters the start
node, :func:`step` consumes one call event; each returns a :class:`Turn` with the new
state, the call-control actions for the adapter to render, and, once the caller leaves
the IVR, the :class:`Outcome` (a queue with routing attributes, a transfer, voicemail or
hang-up). Deterministic: the clock comes in as ``now``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from switchdesk.domain.voice.actions import (
    Action,
    CallEvent,
    DigitsEntered,
    Gather,
    GatherTimedOut,
    HangUp,
    Play,
    Record,
    RecordingDone,
    Say,
    Transfer,
)
from switchdesk.domain.voice.checksums import CHECKSUMS
from switchdesk.domain.voice.flows import Flow, allowed_number

MAX_HOPS = 64
"""Nodes entered in one turn before the call is ended (the validator prevents loops;
this is the backstop)."""

DEFAULT_MESSAGES = {
    "invalid": {"en": "Sorry, that is not an option.", "fr": "Désolé, ce choix n'existe pas."},
    "no_input": {"en": "Sorry, I did not hear anything.", "fr": "Désolé, je n'ai rien entendu."},
    "bad_number": {
        "en": "Sorry, that number is not valid.",
        "fr": "Désolé, ce numéro n'est pas valide.",
    },
    "confirm": {
        "en": "You entered {digits}. Press 1 to confirm, or 2 to enter it again.",
        "fr": "Vous avez saisi {digits}. Tapez 1 pour confirmer, ou 2 pour recommencer.",
    },
    "goodbye": {"en": "Goodbye.", "fr": "Au revoir."},
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the caller left the IVR: ``kind`` is ``queue`` (``target`` = queue name),
    ``transfer`` (the number), ``voicemail`` (the recording URL) or ``hangup``."""

    kind: str
    target: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    language: str = "en"
    collected: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IvrState:
    node: str
    language: str
    tries: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)
    collected: Mapping[str, str] = field(default_factory=dict)
    confirming: str = ""
    """Digits a collect node read back and waits to have confirmed."""
    outcome: Outcome | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "node": self.node,
            "language": self.language,
            "tries": self.tries,
            "attributes": dict(self.attributes),
            "collected": dict(self.collected),
            "confirming": self.confirming,
        }
        if self.outcome is not None:
            o = self.outcome
            data["outcome"] = {
                "kind": o.kind,
                "target": o.target,
                "attributes": dict(o.attributes),
                "language": o.language,
                "collected": dict(o.collected),
            }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IvrState:
        outcome = data.get("outcome")
        return cls(
            node=str(data["node"]),
            language=str(data["language"]),
            tries=int(data.get("tries", 0)),
            attributes=dict(data.get("attributes", {})),
            collected=dict(data.get("collected", {})),
            confirming=str(data.get("confirming", "")),
            outcome=Outcome(**outcome) if isinstance(outcome, Mapping) else None,
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One IVR step for the call's record (the timeline and the call event log)."""

    node: str
    what: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    state: IvrState
    actions: tuple[Action, ...]
    steps: tuple[Step, ...] = ()

    @property
    def outcome(self) -> Outcome | None:
        return self.state.outcome


def text_for(flow: Flow, value: Any, language: str) -> str:
    """A prompt in the caller's language (else the flow's default, else the first)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and value:
        chosen = value.get(language) or value.get(flow.default_language)
        return str(chosen if chosen is not None else next(iter(value.values())))
    return ""


def _message(flow: Flow, key: str, language: str, **fields: str) -> Say:
    raw = flow.messages.get(key, DEFAULT_MESSAGES[key])
    return Say(text_for(flow, raw, language).format(**fields), language)


def _prompt(flow: Flow, node: Mapping[str, Any], language: str) -> tuple[Say | Play, ...]:
    parts: list[Say | Play] = []
    if node.get("play"):
        parts.append(Play(str(node["play"])))
    text = text_for(flow, node.get("prompt"), language)
    if text:
        parts.append(Say(text, language))
    return tuple(parts)


def _gather(flow: Flow, node: Mapping[str, Any], state: IvrState, *lead: Say) -> Gather:
    if node["type"] == "menu":
        return Gather((*lead, *_prompt(flow, node, state.language)), 1, node["timeout_seconds"])
    return Gather(
        (*lead, *_prompt(flow, node, state.language)),
        int(node["max_digits"]),
        int(node["timeout_seconds"]),
        "#",
    )


class _Run:
    def __init__(self, flow: Flow, state: IvrState, now: datetime) -> None:
        self.flow = flow
        self.state = state
        self.now = now
        self.actions: list[Action] = []
        self.steps: list[Step] = []

    def turn(self) -> Turn:
        return Turn(self.state, tuple(self.actions), tuple(self.steps))

    def finish(self, outcome: Outcome, *actions: Action) -> None:
        self.actions.extend(actions)
        self.state = replace(self.state, outcome=outcome)
        self.steps.append(Step(self.state.node, f"left_to_{outcome.kind}", {"to": outcome.target}))

    def enter(self, node_id: str) -> None:
        """Go to ``node_id`` and run non-interactive nodes until input is needed or the
        caller leaves the IVR."""
        for _ in range(MAX_HOPS):
            self.state = replace(self.state, node=node_id, tries=0, confirming="")
            node = self.flow.nodes[node_id]
            kind = node["type"]
            self.steps.append(Step(node_id, "entered", {"type": kind}))
            if kind in ("menu", "collect"):
                self.actions.append(_gather(self.flow, node, self.state))
                return
            if kind == "say":
                self.actions.extend(_prompt(self.flow, node, self.state.language))
                node_id = node["next"]
                continue
            if kind == "hours":
                hours = self.flow.hours[node["queue"]]
                is_open = hours.is_open(self.now)
                self.steps.append(Step(node_id, "open" if is_open else "closed"))
                node_id = node["open"] if is_open else node["closed"]
                continue
            if kind == "queue":
                self.actions.extend(_prompt(self.flow, node, self.state.language))
                s = self.state
                self.finish(Outcome("queue", node["queue"], s.attributes, s.language, s.collected))
                return
            if kind == "transfer":
                number = str(node["number"])
                if not allowed_number(number, self.flow.allow_list):  # the validator's check, again
                    self.steps.append(Step(node_id, "transfer_refused", {"number": number}))
                    self.finish(Outcome("hangup", "transfer_refused"), HangUp("transfer_refused"))
                    return
                self.actions.extend(_prompt(self.flow, node, self.state.language))
                self.finish(Outcome("transfer", number), Transfer(number))
                return
            if kind == "voicemail":
                self.actions.extend(_prompt(self.flow, node, self.state.language))
                self.actions.append(Record(int(node.get("max_seconds", 120))))
                return
            # hangup
            prompt = _prompt(self.flow, node, self.state.language)
            self.finish(
                Outcome("hangup", "flow"),
                *(prompt or (_message(self.flow, "goodbye", self.state.language),)),
                HangUp(),
            )
            return
        self.finish(Outcome("hangup", "flow_loop"), HangUp("flow_loop"))

    def failed(self, node: Mapping[str, Any], why: str) -> None:
        """A wrong or missing input: ask again, or after the retries go to ``on_fail``."""
        tries = self.state.tries + 1
        self.steps.append(Step(self.state.node, why, {"try": tries}))
        if tries > int(node["retries"]):
            self.enter(node["on_fail"])
            return
        key = {"timeout": "no_input", "invalid": "invalid"}.get(why, "bad_number")
        self.state = replace(self.state, tries=tries, confirming="")
        lead = _message(self.flow, key, self.state.language)
        self.actions.append(_gather(self.flow, node, self.state, lead))

    def digits(self, node: Mapping[str, Any], digits: str) -> None:
        if node["type"] == "menu":
            option = node["options"].get(digits[:1]) if digits else None
            if option is None:
                self.failed(node, "invalid")
                return
            attributes = {**self.state.attributes, **option.get("set", {})}
            language = option.get("language") or self.state.language
            self.steps.append(Step(self.state.node, "chose", {"key": digits[:1]}))
            self.state = replace(self.state, attributes=attributes, language=language)
            self.enter(option["next"])
            return
        self.collect(node, digits.rstrip("#"))

    def collect(self, node: Mapping[str, Any], digits: str) -> None:
        state = self.state
        if state.confirming:
            if digits == "1":
                field_name = str(node["field"])
                self.steps.append(Step(state.node, "confirmed", {"field": field_name}))
                collected = {**state.collected, field_name: state.confirming}
                self.state = replace(state, collected=collected, confirming="")
                self.enter(node["next"])
            elif digits == "2":
                self.state = replace(state, confirming="")
                self.actions.append(_gather(self.flow, node, self.state))
            else:
                self.failed(node, "invalid")
            return
        check = CHECKSUMS[str(node.get("checksum", "none"))]
        low, high = int(node.get("min_digits", 1)), int(node["max_digits"])
        if not (low <= len(digits) <= high and check(digits)):
            self.failed(node, "bad_number")
            return
        if node.get("confirm"):
            self.state = replace(state, confirming=digits)
            spoken = " ".join(digits)
            say = _message(self.flow, "confirm", state.language, digits=spoken)
            self.actions.append(Gather((say,), 1, int(node["timeout_seconds"])))
            self.steps.append(Step(state.node, "read_back"))
            return
        collected = {**state.collected, str(node["field"]): digits}
        self.state = replace(state, collected=collected)
        self.enter(node["next"])


def start(flow: Flow, now: datetime) -> Turn:
    """A new call enters the flow's start node."""
    run = _Run(flow, IvrState(flow.start, flow.default_language), now)
    run.enter(flow.start)
    return run.turn()


def step(flow: Flow, state: IvrState, event: CallEvent, now: datetime) -> Turn:
    """The caller's next input (digits, a timeout, a finished recording). Events that
    mean nothing at this point change nothing (and ask again)."""
    run = _Run(flow, state, now)
    if state.outcome is not None:
        return run.turn()
    node = flow.nodes[state.node]
    kind = node["type"]
    if isinstance(event, DigitsEntered) and kind in ("menu", "collect"):
        run.digits(node, event.digits)
    elif isinstance(event, GatherTimedOut) and kind in ("menu", "collect"):
        run.failed(node, "timeout")
    elif isinstance(event, RecordingDone) and kind == "voicemail":
        run.steps.append(Step(state.node, "recorded", {"seconds": event.duration_seconds}))
        recorded = Outcome("voicemail", event.url, state.attributes, state.language)
        run.finish(recorded, _message(flow, "goodbye", state.language), HangUp())
    elif kind in ("menu", "collect"):
        run.actions.append(_gather(flow, node, state))
    return run.turn()
