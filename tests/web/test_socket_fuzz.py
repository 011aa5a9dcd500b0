"""Fuzz every WebSocket endpoint on a real uvicorn server: garbage, binary, oversized,
deeply nested, unknown and ill-typed frames, frames out of order, anonymous callers and
an agent of one client naming another client's conversation.

None may crash the server (``/readyz`` and a normal chat still work afterwards); every bad
frame gets an ``error`` frame with a documented code and the socket stays open (or closes
with a documented close code, for what RFC 6455 says ends a connection); a conversation
started before the fuzzing keeps all its messages; no frame a Northwind socket receives
carries anything of Bluebird's chat.

Frames are drawn by hypothesis with a fixed seed (``SWITCHDESK_SOCKET_FUZZ_EXAMPLES`` per
kind of frame and socket, 15 in ``make test``; ``make fuzz`` runs 200).

Its first run found three defects, each with a regression test in test_socket_frames.py:
a binary frame dropped every feed with no close frame (``receive_text`` on bytes); a chat
``start`` with a ``client_id`` that is not text failed in the database and dropped the
socket; the agent and supervisor feeds ignored unknown and ill-typed frames without an
error frame.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import pytest
import uvicorn
import websockets
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from switchdesk.bootstrap import Runtime
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from switchdesk.web.routes.sockets import MAX_FRAME_CHARS
from tests.conftest import free_port
from tests.web.conftest import run_async

EXAMPLES = int(os.environ.get("SWITCHDESK_SOCKET_FUZZ_EXAMPLES", "15"))
SEED = 20261203
WAIT = 5.0
"""Seconds to wait for the answer to a frame."""
FRAME_CODES = {
    "malformed_json",
    "bad_request",
    "message_too_long",
    "rating_invalid",
    "not_found",
    "not_ended",
}
"""The codes of docs/live.md a bad frame may get."""
SECRETS = ("Bertha Secretbird", "bertha@secretbird.example", "a Bluebird secret")


@dataclass
class Demo:
    base: str
    auth: dict[str, dict[str, str]]

    @property
    def ws(self) -> str:
        return self.base.replace("http", "ws", 1)


@pytest.fixture
def demo_server(sqlite_runtime: Runtime) -> Iterator[Demo]:
    """The demo center on a real uvicorn server; API token headers by username."""
    sqlite_runtime.live.start()
    acc, op = sqlite_runtime.accounts, Principal.operator("t")
    seed_demo_center(acc, sqlite_runtime.live, lambda: "demo password 1")
    auth = {
        name: {
            "authorization": "Bearer " + acc.issue_token(op, acc.find_user(op, name).id, "t").secret
        }
        for name in ("agent", "agent2", "lead")
    }
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(sqlite_runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Demo(f"http://127.0.0.1:{port}", auth)
    server.should_exit = True
    thread.join(timeout=10)


# -- frames ---------------------------------------------------------------------------

WRONG_TYPES = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KNOWN_TYPES = {"start", "resume", "message", "typing", "rate", "leave"}


def _not_a_frame(value: Any) -> bool:
    return not (isinstance(value, dict) and isinstance(value.get("type"), str))


def _ill_typed(kind: str, *fields: str) -> st.SearchStrategy[str]:
    """A frame of a known ``kind`` whose first field has a wrong type."""
    first, *rest = fields
    return st.fixed_dictionaries(
        {"type": st.just(kind), first: WRONG_TYPES},
        optional={name: WRONG_TYPES | st.text(max_size=10) for name in rest},
    ).map(json.dumps)


def strategies(socket: str) -> dict[str, st.SearchStrategy[str | bytes]]:
    """The kinds of bad frame for ``socket`` (``chat``, ``agent`` or ``supervisor``)."""
    kinds: dict[str, st.SearchStrategy[str | bytes]] = {
        "garbage text": st.text(max_size=200).filter(lambda t: _parses_to_frame(t) is False),
        "binary": st.binary(max_size=200),
        "json that is not a frame": JSON.filter(_not_a_frame).map(json.dumps),
        "unknown type": st.fixed_dictionaries(
            {"type": st.text(max_size=30).filter(lambda t: t not in KNOWN_TYPES)},
            optional={"text": JSON, "conversation_id": JSON},
        ).map(json.dumps),
        "oversized": st.integers(MAX_FRAME_CHARS + 1, MAX_FRAME_CHARS * 4).map(
            lambda n: json.dumps({"type": "message", "text": "x" * n})
        ),
        "deeply nested": st.sampled_from(["[", '{"a":', '[{"a":']).flatmap(
            lambda opener: st.integers(1_000, 12_000).map(lambda n: opener * n)
        ),
    }
    if socket == "chat":
        kinds["ill-typed start"] = _ill_typed("start", "name", "email", "text")
        kinds["ill-typed resume"] = _ill_typed("resume", "token")
        kinds["ill-typed message"] = _ill_typed("message", "text", "client_id")
        kinds["ill-typed rate"] = st.fixed_dictionaries(
            {"type": st.just("rate"), "score": WRONG_TYPES.filter(lambda v: type(v) is not int)}
        ).map(json.dumps)
    if socket == "agent":
        kinds["ill-typed typing"] = _ill_typed("typing", "conversation_id")
    if socket == "supervisor":
        kinds["any frame"] = st.fixed_dictionaries(
            {"type": st.sampled_from(sorted(KNOWN_TYPES))}
        ).map(json.dumps)
    return kinds


def _parses_to_frame(text: str) -> bool:
    try:
        return not _not_a_frame(json.loads(text))
    except (ValueError, RecursionError):
        return False


def draw(strategy: st.SearchStrategy[Any], examples: int = EXAMPLES) -> list[Any]:
    """``examples`` values of ``strategy``, the same on every run (seeded)."""
    drawn: list[Any] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(value=strategy)
    @hypothesis.seed(SEED)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def bad_frames(socket: str) -> list[tuple[str, str | bytes]]:
    return [(kind, frame) for kind, s in strategies(socket).items() for frame in draw(s)]


# -- sockets --------------------------------------------------------------------------


@dataclass
class Seen:
    """Every frame a Northwind socket received, and what went wrong."""

    frames: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def _recv(ws: Any, seen: Seen | None = None, kind: str | None = None) -> dict[str, Any]:
    """The next frame (of ``kind``, skipping others); recorded in ``seen``."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), WAIT)
        if seen is not None:
            seen.frames.append(raw)
        frame = json.loads(raw)
        if kind is None or frame["type"] == kind:
            return frame  # type: ignore[no-any-return]


async def _error_for(ws: Any, seen: Seen, what: str) -> None:
    """The next error frame answers the frame just sent; the socket is still open."""
    try:
        frame = await _recv(ws, seen, "error")
    except websockets.ConnectionClosed as closed:
        seen.failures.append(f"{what}: the socket closed ({closed.rcvd})")
        raise
    except TimeoutError:
        seen.failures.append(f"{what}: no error frame")
        return
    if frame.get("code") not in FRAME_CODES:
        seen.failures.append(f"{what}: undocumented code {frame.get('code')!r}")


async def _fuzz(ws: Any, frames: list[tuple[str, str | bytes]], seen: Seen, name: str) -> int:
    for kind, frame in frames:
        await ws.send(frame)
        try:
            await _error_for(ws, seen, f"{name} {kind} {frame[:80]!r}")
        except websockets.ConnectionClosed:
            return 1
    return 0


async def _start_chat(
    demo: Demo, slug: str, name: str, email: str, text: str
) -> tuple[Any, str, str]:
    ws = await websockets.connect(f"{demo.ws}/chat/{slug}/ws", max_size=None)
    await ws.send(json.dumps({"type": "start", "name": name, "email": email, "text": text}))
    started = await _recv(ws, kind="started")
    await _recv(ws, kind="history")
    return ws, started["conversation_id"], started["token"]


async def _history(demo: Demo, slug: str, token: str) -> list[str]:
    async with websockets.connect(f"{demo.ws}/chat/{slug}/ws") as ws:
        await ws.send(json.dumps({"type": "resume", "token": token}))
        history = await _recv(ws, kind="history")
    return [m["text"] for m in history["messages"]]


async def _scenario(demo: Demo) -> tuple[Seen, dict[str, int]]:
    seen = Seen()
    cases: dict[str, int] = {}
    http = httpx.AsyncClient(base_url=demo.base, timeout=WAIT)
    # Bluebird's chat, taken by Bluebird's agent; its offer is refused to Northwind's.
    blue, blue_id, blue_token = await _start_chat(
        demo, "bluebird-chat", SECRETS[0], SECRETS[1], SECRETS[2]
    )
    blue_agent = await websockets.connect(
        f"{demo.ws}/ws/agent", additional_headers=demo.auth["agent2"]
    )
    await _recv(blue_agent, kind="snapshot")
    r = await http.put(
        "/api/v1/desk/presence", json={"presence": "available"}, headers=demo.auth["agent2"]
    )
    assert r.status_code == 200, r.text
    offer = (await _recv(blue_agent, kind="offer"))["offer"]
    assert offer["conversation_id"] == blue_id
    # Accepting another agent's offer is refused like an offer that does not exist.
    theirs = await http.post(
        f"/api/v1/desk/offers/{offer['id']}/accept", headers=demo.auth["agent"]
    )
    none = await http.post("/api/v1/desk/offers/o-none/accept", headers=demo.auth["agent"])
    if (theirs.status_code, theirs.json()["code"]) != (none.status_code, none.json()["code"]):
        seen.failures.append(f"another agent's offer: {theirs.status_code} {theirs.text[:100]}")
    r = await http.post(f"/api/v1/desk/offers/{offer['id']}/accept", headers=demo.auth["agent2"])
    assert r.status_code == 200, r.text
    # Northwind's chat, started before the fuzzing, with two messages.
    north, _, north_token = await _start_chat(
        demo, "northwind-chat", "Alma North", "alma@example.com", "first"
    )
    await north.send(json.dumps({"type": "message", "text": "second", "client_id": "c2"}))
    assert (await _recv(north, kind="message"))["text"] == "second"

    agent = await websockets.connect(f"{demo.ws}/ws/agent", additional_headers=demo.auth["agent"])
    await _recv(agent, seen, "snapshot")
    lead = await websockets.connect(
        f"{demo.ws}/ws/supervisor", additional_headers=demo.auth["lead"]
    )
    await _recv(lead, seen, "snapshot")
    fresh = await websockets.connect(f"{demo.ws}/chat/northwind-chat/ws")
    closed = 0
    for name, ws, socket in [
        ("fresh chat", fresh, "chat"),
        ("attached chat", north, "chat"),
        ("agent", agent, "agent"),
        ("supervisor", lead, "supervisor"),
    ]:
        frames = bad_frames(socket)
        cases[name] = len(frames)
        closed += await _fuzz(ws, frames, seen, name)
    assert not closed, "\n".join(seen.failures)

    # Out of order, and across clients.
    for what, frame in [
        ("a message before start", {"type": "message", "text": "hi"}),
        ("a rating before start", {"type": "rate", "score": 5}),
        ("a leave before start", {"type": "leave"}),
        ("a token of another channel", {"type": "resume", "token": blue_token}),
        ("a made-up token", {"type": "resume", "token": "not-a-token"}),
    ]:
        await fresh.send(json.dumps(frame))
        await _error_for(fresh, seen, f"fresh chat: {what}")
    for what, frame in [
        ("a second start", {"type": "start", "name": "A", "email": "", "text": "again"}),
        ("a rating before the end", {"type": "rate", "score": 5}),
        ("a rating out of range", {"type": "rate", "score": 99}),
        (
            "a start with an ill-typed client_id",
            {"type": "start", "name": "A", "email": "", "text": "t", "client_id": [1]},
        ),
    ]:
        await north.send(json.dumps(frame))
        await _error_for(north, seen, f"attached chat: {what}")
    odd = await websockets.connect(f"{demo.ws}/chat/northwind-chat/ws")
    for client_id in ([1], {"a": 1}, 7, True):
        await odd.send(
            json.dumps(
                {"type": "start", "name": "B", "email": "", "text": "t", "client_id": client_id}
            )
        )
        await _error_for(odd, seen, f"a start with client_id {client_id!r}")
    await odd.close()
    # Northwind's agent names Bluebird's conversation: nothing reaches Bluebird's customer.
    await agent.send(json.dumps({"type": "typing", "conversation_id": blue_id}))
    await agent.send(json.dumps({"type": "typing", "conversation_id": 1}))
    await _error_for(agent, seen, "agent: typing after typing in another client's chat")
    cases["out of order and cross-client"] = 11 + 4 + 1

    # Anonymous callers are refused whatever they send.
    for path in ("/ws/agent", "/ws/supervisor"):
        async with websockets.connect(demo.ws + path) as ws:
            got: list[dict[str, Any]] = []
            code = None
            try:
                await ws.send("[" * 12_000)
                while True:
                    got.append(await _recv(ws))
            except websockets.ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
            except TimeoutError:
                pass
            # The refusal's error frame may be lost to the client's own send racing the
            # close; the close code is what a browser reads.
            if {f.get("code") for f in got} - {"authentication_failed"} or code != 4401:
                seen.failures.append(f"anonymous {path}: {got} then {code}")
    cases["anonymous"] = 2

    # What RFC 6455 says ends a connection ends it with its documented close code.
    for what, send, close_code in [
        ("a text frame that is not UTF-8", lambda ws: ws.send(b"\xff\xfe", text=True), 1007),
        ("a frame over the server's 16 MiB", lambda ws: ws.send("x" * (16 * 2**20 + 1)), 1009),
    ]:
        ws = await websockets.connect(f"{demo.ws}/chat/northwind-chat/ws", max_size=None)
        await send(ws)
        try:
            await asyncio.wait_for(ws.recv(), WAIT)
            seen.failures.append(f"{what}: the socket stayed open")
        except websockets.ConnectionClosed as exc:
            if exc.rcvd is None or exc.rcvd.code != close_code:
                seen.failures.append(f"{what}: closed with {exc.rcvd}, not {close_code}")
    cases["protocol errors"] = 2

    # The server still serves, and nothing was dropped.
    assert (await http.get("/readyz")).status_code == 200
    after, _, _ = await _start_chat(demo, "northwind-chat", "After", "", "after the fuzzing")
    await after.close()
    history = await _history(demo, "northwind-chat", north_token)
    if history[:2] != ["first", "second"]:
        seen.failures.append(f"Northwind's chat lost messages: {history}")
    r = await http.post(
        f"/api/v1/conversations/{blue_id}/messages",
        json={"text": "still with you"},
        headers=demo.auth["agent2"],
    )
    assert r.status_code == 201, r.text
    to_blue = []
    while not to_blue or to_blue[-1]["type"] != "message":
        to_blue.append(await _recv(blue))
    if to_blue[-1]["text"] != "still with you":
        seen.failures.append("Bluebird's chat stopped receiving")
    if any(f["type"] == "typing" for f in to_blue):
        seen.failures.append("Northwind's agent typed into Bluebird's chat")
    for ws in (blue, blue_agent, north, agent, lead, fresh):
        await ws.close()
    await http.aclose()
    for raw in seen.frames:
        for secret in (*SECRETS, blue_id):
            if secret in raw:
                seen.failures.append(f"a Northwind socket received {secret!r}: {raw[:120]}")
    return seen, cases


def test_no_frame_crashes_a_socket_drops_a_chat_or_leaks_another_client(demo_server) -> None:
    seen, cases = run_async(_scenario(demo_server))
    print(f"\nsocket fuzz: {sum(cases.values())} frames: {cases}")
    assert not seen.failures, "\n".join(seen.failures)
