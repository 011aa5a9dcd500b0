"""What crosses the call-control port: actions the platform asks a call for, and events
the call reports. Adapters render actions (a TwiML verb, a SIP media operation) and turn
their provider's callbacks into events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# ---------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Answer:
    """Pick up the call."""


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Play:
    url: str


@dataclass(frozen=True, slots=True)
class Gather:
    """Collect DTMF digits while ``prompts`` play; ends on ``num_digits``, ``finish_on_key``
    or ``timeout_seconds`` of silence (``max_digits`` 1 with no finish key: a menu)."""

    prompts: tuple[Say | Play, ...]
    max_digits: int = 1
    timeout_seconds: int = 5
    finish_on_key: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """Record the caller (voicemail) for at most ``max_seconds``."""

    max_seconds: int = 120
    finish_on_key: str = "#"


@dataclass(frozen=True, slots=True)
class Hold:
    """Keep the caller waiting with ``music_url`` (empty: silence) for ``seconds`` and then
    ask again: the queue experience loops on it."""

    seconds: int = 20
    music_url: str = ""


@dataclass(frozen=True, slots=True)
class RingAgent:
    """Ring the agent who accepted the call (``target``: a number or a SIP URI) and bridge
    the caller to them when they answer."""

    agent_id: str
    target: str
    timeout_seconds: int = 20


@dataclass(frozen=True, slots=True)
class Bridge:
    """Connect the caller's leg to an answered agent leg (adapters that hold both legs)."""

    leg_id: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """Send the call to an external number (only ever one on the allow-list)."""

    number: str


@dataclass(frozen=True, slots=True)
class HangUp:
    reason: str = "normal"


Action = Answer | Say | Play | Gather | Record | Hold | RingAgent | Bridge | Transfer | HangUp


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class IncomingCall:
    call_id: str
    caller: str
    called: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """A gather ended with digits (DTMF)."""

    digits: str
    at: datetime


@dataclass(frozen=True, slots=True)
class GatherTimedOut:
    """A gather ended with nothing entered."""

    at: datetime


@dataclass(frozen=True, slots=True)
class RecordingDone:
    url: str
    duration_seconds: int
    at: datetime


@dataclass(frozen=True, slots=True)
class LegAnswered:
    leg_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The call is over: ``reason`` is ``completed``, ``busy``, ``no-answer``, ``failed``
    or ``canceled`` (the caller hung up before we answered)."""

    reason: str
    duration_seconds: int
    at: datetime


CallEvent = IncomingCall | DigitsEntered | GatherTimedOut | RecordingDone | LegAnswered | CallEnded
