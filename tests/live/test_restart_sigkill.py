"""A real server is killed with SIGKILL mid-traffic and started again: nothing is lost,
the waiting order holds, and agents and customers reconnect and carry on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER, free_port

pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")


@contextmanager
def server(
    database_url: str, port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, SWITCHDESK_DATABASE_URL=database_url, **(env or {}))
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from switchdesk.cli.main import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def frames_until(
    ws: ClientConnection, kind: str, timeout: float = 10.0, where: Any = None
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind} frame in {timeout}s"
        frame = json.loads(ws.recv(timeout=left))
        if frame["type"] == kind and (where is None or where(frame)):
            return frame


def test_sigkill_loses_nothing_and_everyone_reconnects(database_url: str, tmp_path: Path):
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    rt.live.start()
    seed_demo_center(rt.accounts, rt.live, lambda: "demo password 123")
    op = Principal.operator("test")
    tokens = {
        name: rt.accounts.issue_token(op, rt.accounts.find_user(op, name).id, "t").secret
        for name in ("agent", "agent3", "lead")
    }
    rt.close()
    port = free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    auth = {name: {"authorization": f"Bearer {t}"} for name, t in tokens.items()}
    log = tmp_path / "server.log"

    with server(database_url, port, log) as proc:
        customers: list[tuple[ClientConnection, str, str]] = []
        for i in range(5):
            ws = connect(f"{ws_base}/chat/northwind-chat/ws")
            ws.send(
                json.dumps(
                    {
                        "type": "start",
                        "name": f"Cust {i}",
                        "email": f"c{i}@example.com",
                        "text": f"hello {i}",
                    }
                )
            )
            started = frames_until(ws, "started")
            customers.append((ws, started["conversation_id"], started["token"]))
            time.sleep(0.01)  # distinct arrival times
        http = httpx.Client(base_url=base, timeout=10)
        agent_ws = connect(f"{ws_base}/ws/agent", additional_headers=auth["agent"])
        frames_until(agent_ws, "snapshot")
        assert (
            http.put(
                "/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent"]
            ).status_code
            == 200
        )
        accepted = []
        for _ in range(3):  # Ana takes three chats at once
            offer = frames_until(agent_ws, "offer")["offer"]
            r = http.post(f"/api/v1/desk/offers/{offer['id']}/accept", headers=auth["agent"])
            assert r.status_code == 200, r.text
            accepted.append(offer["conversation_id"])
        assert accepted == [c[1] for c in customers[:3]]
        r = http.post(
            f"/api/v1/conversations/{accepted[0]}/messages",
            json={"text": "before the crash"},
            headers=auth["agent"],
        )
        assert r.status_code == 201
        frames_until(customers[0][0], "message", where=lambda f: f["text"] == "before the crash")
        waiting_before = [c[1] for c in customers[3:]]

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for ws, _, _ in customers:
            ws.close()
        agent_ws.close()
        http.close()

    with server(database_url, port, log):
        http = httpx.Client(base_url=base, timeout=10)
        desk = http.get("/api/v1/desk", headers=auth["agent"]).json()
        assert sorted(c["id"] for c in desk["conversations"]) == sorted(accepted)
        first = next(c for c in desk["conversations"] if c["id"] == accepted[0])
        assert [m["text"] for m in first["messages"]] == ["hello 0", "before the crash"]

        # Customers come back with their tokens: the waiting ones keep their places.
        resumed = {}
        for _, conv_id, token in customers:
            ws = connect(f"{ws_base}/chat/northwind-chat/ws")
            ws.send(json.dumps({"type": "resume", "token": token}))
            history = frames_until(ws, "history")
            resumed[conv_id] = (ws, history)
        assert resumed[accepted[0]][1]["state"] == "assigned"
        for place, conv_id in enumerate(waiting_before, start=1):
            ws = resumed[conv_id][0]
            assert frames_until(ws, "queue")["position"] == place

        # The agent reconnects and the conversation carries on both ways.
        agent_ws = connect(f"{ws_base}/ws/agent", additional_headers=auth["agent"])
        snapshot = frames_until(agent_ws, "snapshot")
        assert len(snapshot["conversations"]) == 3
        customer_ws = resumed[accepted[0]][0]
        customer_ws.send(
            json.dumps({"type": "message", "text": "after the crash", "client_id": "x1"})
        )
        frames_until(agent_ws, "message", where=lambda f: f["text"] == "after the crash")
        http.post(
            f"/api/v1/conversations/{accepted[0]}/messages",
            json={"text": "welcome back"},
            headers=auth["agent"],
        )
        frames_until(customer_ws, "message", where=lambda f: f["text"] == "welcome back")

        # The oldest waiting chat goes first to the next free agent.
        carla_ws = connect(f"{ws_base}/ws/agent", additional_headers=auth["agent3"])
        frames_until(carla_ws, "snapshot")
        http.put("/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent3"])
        offer = frames_until(carla_ws, "offer")["offer"]
        assert offer["conversation_id"] == waiting_before[0]
        for ws, _ in resumed.values():
            ws.close()
        agent_ws.close()
        carla_ws.close()
        http.close()
