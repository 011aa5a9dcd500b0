"""A real server is killed with SIGKILL while an agent's disconnection timer and a waiting
customer's departure timer run: once it is back, both fire at their due time (they are
routing engine events in the database, not timers of the dead process)."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER, free_port, running_server
from tests.live.test_restart_sigkill import frames_until

pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")

GRACE_SECONDS = 8.0
START_SECONDS = 120.0
"""How long a start may take on a loaded machine (the timers may fall due meanwhile)."""


def _wait_for(check, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_presence_and_abandon_timers_running_at_a_sigkill_fire_after_the_restart(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url)
    migrate(settings)
    rt = build_runtime(settings, hasher=FAST_HASHER)
    rt.live.start()
    seed_demo_center(rt.accounts, rt.live, lambda: "demo password 123")
    op = Principal.operator("test")
    tokens = {
        name: rt.accounts.issue_token(op, rt.accounts.find_user(op, name).id, "t").secret
        for name in ("agent2", "ops")
    }
    ben = rt.accounts.find_user(op, "agent2").id
    rt.close()
    port = free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    auth = {name: {"authorization": f"Bearer {t}"} for name, t in tokens.items()}
    env = dict(
        os.environ,
        SWITCHDESK_DATABASE_URL=database_url,
        SWITCHDESK_AGENT_GRACE_SECONDS=str(GRACE_SECONDS),
        SWITCHDESK_CONTACT_GRACE_SECONDS=str(GRACE_SECONDS),
    )
    args = ["serve", "--port", str(port)]

    with (
        running_server(args, base, tmp_path / "first.log", env, timeout=START_SECONDS) as proc,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        desk = connect(f"{ws_base}/ws/agent", additional_headers=auth["agent2"])
        frames_until(desk, "snapshot")
        r = http.put(
            "/api/v1/desk/presence", json={"presence": "available"}, headers=auth["agent2"]
        )
        assert r.status_code == 200, r.text
        customer = connect(f"{ws_base}/chat/northwind-chat/ws")
        customer.send(json.dumps({"type": "start", "name": "Kim", "email": "", "text": "hi"}))
        conversation_id = frames_until(customer, "started")["conversation_id"]
        frames_until(customer, "history")
        closed_at = time.time()
        desk.close()
        customer.close()
        time.sleep(1.5)  # the server has seen both sockets go; the timers run
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    with (
        running_server(args, base, tmp_path / "second.log", env, timeout=START_SECONDS),
        httpx.Client(base_url=base, timeout=10) as http,
    ):

        def ben_row() -> dict | None:
            agents = http.get("/api/v1/live/overview", headers=auth["ops"]).json()["agents"]
            row = next(a for a in agents if a["id"] == ben)
            return row if row["presence"] == "not_ready" else None

        row = _wait_for(ben_row)
        assert row["reason"] == "disconnected"

        def abandoned() -> dict | None:
            detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=auth["ops"])
            entries = [e for e in detail.json()["timeline"] if e["kind"] == "abandoned"]
            return entries[0] if entries else None

        entry = _wait_for(abandoned)
        # At its due time, not the restart's time plus a new grace period.
        fired_at = datetime.fromisoformat(entry["at"]).timestamp()
        assert closed_at + GRACE_SECONDS - 1 <= fired_at <= closed_at + GRACE_SECONDS + 2
        assert row["since"] == pytest.approx(fired_at, abs=1.0)
        detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=auth["ops"]).json()
        assert detail["state"] == "resolved"
        support = next(
            q
            for q in http.get("/api/v1/live/overview", headers=auth["ops"]).json()["queues"]
            if q["name"] == "Northwind support"
        )
        assert (support["waiting"], support["abandoned_today"]) == (0, 1)
