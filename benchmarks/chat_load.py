"""Live chat load: simulated customers and agents over real WebSockets (issue 5).

A throwaway PostgreSQL cluster is started and migrated; one client account, one queue
(skill eligibility, longest idle, no wrap-up, no after-contact work), one web chat
channel and N agents with API tokens are seeded in-process through the use cases; then
the real server (``switchdesk serve``) runs as a subprocess on that database.

The client is one asyncio process. N agents hold ``/ws/agent`` sockets (bearer token),
go available over REST, and on every ``offer`` frame note the time, accept over REST,
think for a moment and end the chat so their capacity frees up. Customers open
``/chat/{slug}/ws`` at a fixed rate and send ``start`` with their first message. The
figure that matters is the offer latency: the agent's receipt of the ``offer`` frame
minus the customer's sending of ``start`` (matched by conversation id, same clock).

Reported: achieved new chats per second, offers, p50/p95/p99/max offer latency, errors,
agent connections held, CPU of the server, of PostgreSQL and of this client (from
/proc), and the client's own event-loop lag (which inflates every latency it measures).
Target (issue 5, 2-core machine): 1,000 agents, 100 new chats per second, p99 < 250 ms.

Run: ``.venv/bin/python benchmarks/chat_load.py`` (full size: 1,000 agents, 100 chats/s
for 30 s); quick: ``--agents 100 --rate 20 --seconds 10``; ``--sample-server`` also prints
where the server's threads spent their time. Everything stays on 127.0.0.1 and stops by
itself. Progress goes to stderr; stdout gets one JSON line of figures at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argon2
import httpx
from sqlalchemy import create_engine, text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from switchdesk.adapters.security import Argon2PasswordHasher
from switchdesk.bootstrap import build_runtime, migrate
from switchdesk.config import Settings
from switchdesk.domain.accounts.permissions import Role
from switchdesk.usecases.principal import Principal

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SLUG = "bench"
TARGET_P99_MS = 250.0
REST_POOL_SIZE = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")
# argon2id with small parameters: nobody signs in with these passwords.
FAST_HASHER = Argon2PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# ====================================================================== PostgreSQL


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory (as in tests/conftest.py)."""

    def __init__(self, fsync: bool) -> None:
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs:
            raise SystemExit("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
        self.bindir = Path(bindirs[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="sd-bench-pg-"))
        self.port = free_port()
        self.fsync = fsync
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.started = False

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -h {HOST}" + ("" if self.fsync else " -F")
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o", options, "start"
        )
        self.started = True
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


# ====================================================================== seeding


def seed(database_url: str, agents: int) -> list[str]:
    """Client account, queue, channel and ``agents`` agents; returns their API tokens."""
    settings = Settings(database_url=database_url)
    migrate(settings)
    runtime = build_runtime(settings, hasher=FAST_HASHER)
    try:
        live, accounts = runtime.live, runtime.accounts
        live.start()
        op = Principal.operator("bench")
        account = accounts.create_client_account(op, "Bench")
        queue = live.configure_queue(
            op,
            name="Bench chat",
            client_account_id=account.id,
            eligibility="agent.skills.chat >= 1",
            strategy="longest_idle",
            wrap_up_required=False,
            after_contact_work_seconds=0,
            offer_timeout_seconds=30,
        )
        live.create_channel(op, slug=SLUG, name="Bench", queue_id=queue.id)
        tokens = []
        for index in range(agents):
            user = accounts.create_user(
                op,
                username=f"agent{index:05d}",
                password="benchmark password",
                role=Role.AGENT,
                display_name=f"Agent {index}",
                client_account_ids=[account.id],
            )
            live.set_agent_profile(op, user.id, skills={"chat": 1 + index % 5})
            tokens.append(accounts.issue_token(op, user.id, "chat load benchmark").secret)
        return tokens
    finally:
        runtime.close()


# ====================================================================== server

# With --sample-server the server runs under this stack sampler: every 5 ms it notes the
# line the event loop thread is running and, for busy worker threads, each function on
# the stack and the running line. SIGUSR1 resets the counts (the load starts), SIGUSR2
# writes them out (it ends). Cheap, and unlike cProfile it sees every thread.
SAMPLER = """
import collections, json, os, sys, threading, time
_incl, _leaf, _loop, _n = (collections.Counter(), collections.Counter(),
                           collections.Counter(), [0])
_main = threading.main_thread().ident
def _name(f):
    c = f.f_code
    return c.co_filename.rsplit("site-packages/", 1)[-1].rsplit("src/", 1)[-1] + ":" + c.co_name
def _sample():
    me = threading.get_ident()
    while True:
        time.sleep(0.005)
        _n[0] += 1
        for tid, frame in sys._current_frames().items():
            if tid == me:
                continue
            leaf = _name(frame) + ":" + str(frame.f_lineno)
            if tid == _main:
                _loop[leaf] += 1
                continue
            names = []
            while frame is not None:
                names.append(_name(frame))
                frame = frame.f_back
            if "queue.py:get" in names:
                continue  # an idle worker thread
            _leaf[leaf] += 1
            for name in set(names):
                _incl[name] += 1
def _dump():
    with open(os.environ["SWITCHDESK_BENCH_SAMPLES"], "w") as out:
        json.dump({"ticks": _n[0], "loop": _loop.most_common(25),
                   "inclusive": _incl.most_common(50), "leaf": _leaf.most_common(30)}, out)
def _reset(*_):
    for c in (_incl, _leaf, _loop):
        c.clear()
    _n[0] = 0
import signal
signal.signal(signal.SIGUSR1, _reset)
signal.signal(signal.SIGUSR2, lambda *_: _dump())
threading.Thread(target=_sample, daemon=True).start()
"""


class Server:
    def __init__(
        self, database_url: str, log_level: str, workdir: Path, sample: bool = False
    ) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        env = dict(os.environ)
        env.update(
            SWITCHDESK_DATABASE_URL=database_url,
            SWITCHDESK_LOG_LEVEL=log_level,
            SWITCHDESK_HOST=HOST,
        )
        env.pop("SWITCHDESK_CONFIG", None)
        self.samples_path = workdir / "samples.json" if sample else None
        code = "from switchdesk.cli.main import main; main()"
        if self.samples_path is not None:
            env["SWITCHDESK_BENCH_SAMPLES"] = str(self.samples_path)
            code = SAMPLER + code
        self.log_path = workdir / "server.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited early; see {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"the server was not ready within {timeout:.0f} s")

    def signal(self, number: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(number)

    def stop(self) -> None:
        """SIGINT (uvicorn's graceful stop), a second SIGINT (its forced stop), then kill."""
        try:
            for number, wait in ((signal.SIGINT, 10), (signal.SIGINT, 5), (signal.SIGKILL, 15)):
                if self.proc.poll() is not None:
                    break
                self.proc.send_signal(number)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=wait)
        finally:
            self._log.close()


# ====================================================================== /proc figures


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu_seconds(root: int | None) -> float:
    """CPU of a process, its exited children and its live ones (the postmaster, backends
    that ended, backends still running)."""
    if root is None:
        return 0.0
    try:
        fields = Path(f"/proc/{root}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total = sum(int(x) for x in fields[11:15]) / CLK_TCK  # utime stime cutime cstime
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            raw = Path(stat).read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        if int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# ====================================================================== the load


@dataclass
class Figures:
    sent: dict[str, float] = field(default_factory=dict)  # conversation -> start sent
    offered: dict[str, float] = field(default_factory=dict)  # conversation -> offer seen
    started_ms: list[float] = field(default_factory=list)  # start -> "started"
    errors: Counter[str] = field(default_factory=Counter)
    customers_started: int = 0
    first_send: float = 0.0
    last_started: float = 0.0
    accepted: int = 0
    ended: int = 0
    agents_connected: int = 0
    agents_dropped: int = 0
    loop_lag_ms: list[float] = field(default_factory=list)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values``."""
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, math.ceil(q * len(values)) - 1))]


class Load:
    def __init__(self, args: argparse.Namespace, base: str, tokens: list[str]) -> None:
        self.args = args
        self.base = base
        self.ws_base = base.replace("http://", "ws://", 1)
        self.tokens = tokens
        self.fig = Figures()
        self.stop_agents = asyncio.Event()
        self.agent_tasks: list[asyncio.Task[None]] = []
        self.side_tasks: set[asyncio.Task[None]] = set()
        # httpx's pool scans every queued request on every change (quadratic when many
        # wait): never let it queue; wait here instead. It also scans every connection of
        # the pool (a poll() per idle one) for each request: with one pool of 100 that cost
        # most of this client's CPU, so the connections are split into pools of at most
        # REST_POOL_SIZE, each agent always using the same one (same total connections).
        pools = max(1, math.ceil(args.http_connections / REST_POOL_SIZE))
        size = math.ceil(args.http_connections / pools)
        self.rest = [asyncio.Semaphore(size) for _ in range(pools)]
        self.customers_sent = 0
        self.https = [
            httpx.AsyncClient(
                base_url=base,
                timeout=httpx.Timeout(30.0),
                # Close idle connections before the server's 5 s keep-alive timeout does:
                # with both at 5 s a request could meet a connection being closed.
                limits=httpx.Limits(
                    max_connections=size, max_keepalive_connections=size, keepalive_expiry=2.0
                ),
            )
            for _ in range(pools)
        ]

    # ------------------------------------------------------------------ agents

    async def agent(
        self, index: int, token: str, ready: asyncio.Semaphore, connected: asyncio.Event
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        rest, http = self.rest[index % len(self.rest)], self.https[index % len(self.https)]
        try:
            async with ready:
                ws = await connect(
                    f"{self.ws_base}/ws/agent",
                    additional_headers=headers,
                    open_timeout=60,
                    ping_interval=None,
                    max_size=8 * 1024 * 1024,
                )
                first = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if first.get("type") != "snapshot":
                    self.fig.errors["agent_no_snapshot"] += 1
                    await ws.close()
                    return
                async with rest:
                    answer = await http.put(
                        "/api/v1/desk/presence", json={"presence": "available"}, headers=headers
                    )
                if answer.status_code != 200:
                    self.fig.errors[f"presence_http_{answer.status_code}"] += 1
                    await ws.close()
                    return
        except (OSError, WebSocketException, TimeoutError, httpx.HTTPError) as exc:
            self.fig.errors[f"agent_connect_{type(exc).__name__}"] += 1
            return
        self.fig.agents_connected += 1
        if self.fig.agents_connected == len(self.tokens):
            connected.set()
        try:
            reader = asyncio.create_task(self.agent_frames(ws, headers, rest, http))
            stopper = asyncio.create_task(self.stop_agents.wait())
            await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and not self.stop_agents.is_set():
                self.fig.agents_dropped += 1
            for task in (reader, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 5)

    async def agent_frames(
        self,
        ws: ClientConnection,
        headers: dict[str, str],
        rest: asyncio.Semaphore,
        http: httpx.AsyncClient,
    ) -> None:
        with contextlib.suppress(WebSocketException):
            async for raw in ws:
                seen = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "offer":
                    offer = frame["offer"]
                    self.fig.offered.setdefault(offer["conversation_id"], seen)
                    self.spawn(self.handle_offer(offer, headers, rest, http))
                elif kind == "error":
                    self.fig.errors[f"agent_error_{frame.get('code')}"] += 1

    async def handle_offer(
        self,
        offer: dict[str, Any],
        headers: dict[str, str],
        rest: asyncio.Semaphore,
        http: httpx.AsyncClient,
    ) -> None:
        try:
            async with rest:
                answer = await http.post(
                    f"/api/v1/desk/offers/{offer['id']}/accept", headers=headers
                )
            if answer.status_code != 200:
                self.fig.errors[f"accept_http_{answer.status_code}"] += 1
                return
            self.fig.accepted += 1
            await asyncio.sleep(self.args.think)
            async with rest:
                answer = await http.post(
                    f"/api/v1/conversations/{offer['conversation_id']}/end", headers=headers
                )
            if answer.status_code != 204:
                self.fig.errors[f"end_http_{answer.status_code}"] += 1
                return
            self.fig.ended += 1
        except httpx.HTTPError as exc:
            self.fig.errors[f"rest_{type(exc).__name__}"] += 1

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.side_tasks.add(task)
        task.add_done_callback(self.side_tasks.discard)

    # ------------------------------------------------------------------ customers

    async def customer(self, index: int) -> None:
        try:
            async with connect(
                f"{self.ws_base}/chat/{SLUG}/ws", open_timeout=30, ping_interval=None
            ) as ws:
                sent = time.perf_counter()
                if not self.fig.first_send:
                    self.fig.first_send = sent
                await ws.send(
                    json.dumps(
                        {
                            "type": "start",
                            "name": f"Customer {index}",
                            "email": f"customer{index}@bench.example",
                            "text": "Hello, my order has not arrived. Can you help?",
                        }
                    )
                )
                deadline = sent + self.args.customer_wait
                conversation = None
                while True:
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        self.fig.errors[
                            "customer_wait_timeout" if conversation else "no_started"
                        ] += 1
                        return
                    frame = json.loads(await asyncio.wait_for(ws.recv(), left))
                    kind = frame.get("type")
                    if kind == "started":
                        now = time.perf_counter()
                        conversation = frame["conversation_id"]
                        self.fig.sent[conversation] = sent
                        self.fig.started_ms.append((now - sent) * 1000)
                        self.fig.customers_started += 1
                        self.fig.last_started = now
                    elif kind in ("agent_joined", "ended"):
                        return
                    elif kind == "error":
                        self.fig.errors[f"customer_error_{frame.get('code')}"] += 1
                        return
        except TimeoutError:
            self.fig.errors["customer_wait_timeout"] += 1
        except (OSError, WebSocketException) as exc:
            self.fig.errors[f"customer_{type(exc).__name__}"] += 1

    # ------------------------------------------------------------------ the run

    async def loop_lag(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.05)
            self.fig.loop_lag_ms.append((time.perf_counter() - before - 0.05) * 1000)

    async def progress(self, stop: asyncio.Event, server_pid: int, every: float = 5.0) -> None:
        """One line every few seconds: counts so far and CPU over the last interval."""
        began = last_at = time.perf_counter()
        last_server, last_own = cpu_seconds(server_pid), own_cpu_seconds()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            now = time.perf_counter()
            server, own = cpu_seconds(server_pid), own_cpu_seconds()
            span = max(now - last_at, 1e-9)
            fig = self.fig
            log(
                f"  t={now - began:5.1f}s sent {self.customers_sent} started "
                f"{fig.customers_started} offers {len(fig.offered)} accepted {fig.accepted} "
                f"ended {fig.ended} errors {sum(fig.errors.values())} | CPU server "
                f"{100 * (server - last_server) / span:.0f}% "
                f"client {100 * (own - last_own) / span:.0f}%"
            )
            last_at, last_server, last_own = now, server, own

    async def connect_agents(self) -> float:
        began = time.perf_counter()
        ready = asyncio.Semaphore(self.args.connect_concurrency)
        connected = asyncio.Event()
        self.agent_tasks = [
            asyncio.create_task(self.agent(index, token, ready, connected))
            for index, token in enumerate(self.tokens)
        ]
        # Wait until all are connected, or all tried, within a bound.
        deadline = began + self.args.connect_timeout
        while time.perf_counter() < deadline and not connected.is_set():
            tried = self.fig.agents_connected + sum(self.fig.errors.values())
            if tried >= len(self.tokens):
                break
            await asyncio.sleep(0.2)
        return time.perf_counter() - began

    async def customers(self) -> float:
        total = int(self.args.rate * self.args.seconds)
        began = time.perf_counter()
        tasks = []
        for index in range(total):
            delay = began + index / self.args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.customer(index)))
            self.customers_sent += 1
        sending = time.perf_counter() - began
        await asyncio.wait(tasks, timeout=self.args.customer_wait + 30)
        for task in tasks:
            task.cancel()
        return sending

    async def close(self) -> None:
        if self.side_tasks:
            await asyncio.wait(set(self.side_tasks), timeout=self.args.think + 30)
        for task in list(self.side_tasks):
            task.cancel()
        self.stop_agents.set()
        if self.agent_tasks:
            await asyncio.wait(self.agent_tasks, timeout=30)
        for task in self.agent_tasks:
            task.cancel()
        for http in self.https:
            await http.aclose()


async def run_load(
    args: argparse.Namespace, server: Server, postmaster: int | None, tokens: list[str]
) -> dict[str, Any]:
    load = Load(args, server.base, tokens)
    log(f"connecting {len(tokens)} agents...")
    ramp = await load.connect_agents()
    log(f"{load.fig.agents_connected} agents connected and available in {ramp:.1f} s")
    await asyncio.sleep(1.0)  # let presence changes settle
    stop_lag = asyncio.Event()
    lag = asyncio.create_task(load.loop_lag(stop_lag))
    progress = asyncio.create_task(load.progress(stop_lag, server.proc.pid))
    cpu_before = (
        cpu_seconds(server.proc.pid),
        tree_cpu_seconds(postmaster),
        own_cpu_seconds(),
        time.perf_counter(),
    )
    if server.samples_path is not None:
        server.signal(signal.SIGUSR1)  # samples from here on
    log(f"customers: {args.rate:g} new chats per second for {args.seconds:g} s...")
    sending = await load.customers()
    cpu_after = (
        cpu_seconds(server.proc.pid),
        tree_cpu_seconds(postmaster),
        own_cpu_seconds(),
        time.perf_counter(),
    )
    stop_lag.set()
    await lag
    await progress
    if server.samples_path is not None:
        server.signal(signal.SIGUSR2)  # samples until here
        await asyncio.sleep(1.0)
    held = load.fig.agents_connected - load.fig.agents_dropped
    await load.close()
    wall = cpu_after[3] - cpu_before[3]
    fig = load.fig
    latencies = sorted(
        (fig.offered[c] - sent) * 1000 for c, sent in fig.sent.items() if c in fig.offered
    )
    window = fig.last_started - fig.first_send if fig.last_started > fig.first_send else 0.0
    started_ms = sorted(fig.started_ms)
    lag_ms = sorted(fig.loop_lag_ms)
    missing = sum(1 for c in fig.sent if c not in fig.offered)
    errors = sum(fig.errors.values())  # offers_missing is reported on its own
    p99 = quantile(latencies, 0.99)
    chats_per_second = fig.customers_started / window if window else 0.0
    return {
        "benchmark": "chat_load",
        "agents": len(tokens),
        "agents_connected": fig.agents_connected,
        "agents_held": held,
        "agent_connect_seconds": round(ramp, 2),
        "target_chats_per_second": args.rate,
        "seconds": args.seconds,
        "customers_sent": int(args.rate * args.seconds),
        "sending_seconds": round(sending, 2),
        "chats_started": fig.customers_started,
        "chats_per_second": round(chats_per_second, 1),
        "offers_received": len(latencies),
        "accepted": fig.accepted,
        "ended": fig.ended,
        "offer_latency_p50_ms": round(quantile(latencies, 0.50), 1),
        "offer_latency_p95_ms": round(quantile(latencies, 0.95), 1),
        "offer_latency_p99_ms": round(p99, 1),
        "offer_latency_max_ms": round(latencies[-1], 1) if latencies else None,
        "started_latency_p50_ms": round(quantile(started_ms, 0.50), 1),
        "started_latency_p99_ms": round(quantile(started_ms, 0.99), 1),
        "offers_missing": missing,
        "errors": errors,
        "error_kinds": dict(fig.errors),
        "server_cpu_percent": round(100 * (cpu_after[0] - cpu_before[0]) / wall, 1),
        "postgres_cpu_percent": round(100 * (cpu_after[1] - cpu_before[1]) / wall, 1),
        "client_cpu_percent": round(100 * (cpu_after[2] - cpu_before[2]) / wall, 1),
        "client_loop_lag_p99_ms": round(quantile(lag_ms, 0.99), 1),
        "client_loop_lag_max_ms": round(lag_ms[-1], 1) if lag_ms else None,
        "think_seconds": args.think,
        "postgres_fsync": not args.no_fsync,
        "meets_target": bool(
            fig.agents_connected == len(tokens)
            and chats_per_second >= 0.98 * args.rate
            and p99 < TARGET_P99_MS
            and errors == 0
            and missing == 0
        ),
    }


# ====================================================================== main


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agents", type=int, default=1000, help="agent connections (1000)")
    p.add_argument("--rate", type=float, default=100.0, help="new chats per second (100)")
    p.add_argument("--seconds", type=float, default=30.0, help="length of the load (30)")
    p.add_argument("--think", type=float, default=1.0, help="seconds an agent keeps a chat")
    p.add_argument("--customer-wait", type=float, default=30.0, help="a customer gives up after")
    p.add_argument("--connect-concurrency", type=int, default=50, help="agents connecting at once")
    p.add_argument("--connect-timeout", type=float, default=300.0, help="bound on the ramp-up")
    p.add_argument("--http-connections", type=int, default=100, help="REST connection pool")
    p.add_argument("--server-log-level", default="warning", help="uvicorn log level (warning)")
    p.add_argument("--no-fsync", action="store_true", help="run PostgreSQL with fsync off")
    p.add_argument(
        "--sample-server", action="store_true", help="sample the server's stacks; print the top"
    )
    args = p.parse_args(argv)
    if args.agents < 1 or args.rate <= 0 or args.seconds <= 0 or args.rate * args.seconds < 1:
        p.error("need at least one agent and one chat")
    return args


@contextlib.contextmanager
def environment(args: argparse.Namespace) -> Iterator[tuple[Cluster, str, Path]]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.agents + 4096))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    workdir = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    cluster = Cluster(fsync=not args.no_fsync)
    try:
        admin = cluster.start()
        yield cluster, create_database(admin, "switchdesk"), workdir
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    with environment(args) as (cluster, database_url, workdir):
        began = time.perf_counter()
        log(f"seeding {args.agents} agents into PostgreSQL on port {cluster.port}...")
        tokens = seed(database_url, args.agents)
        log(f"seeded in {time.perf_counter() - began:.1f} s; starting the server...")
        server = Server(database_url, args.server_log_level, workdir, args.sample_server)
        try:
            server.wait_ready()
            result = asyncio.run(run_load(args, server, cluster.postmaster_pid(), tokens))
        finally:
            server.stop()
            if server.proc.returncode not in (0, None, -signal.SIGINT):
                log(f"server exited with {server.proc.returncode}; its log ends:")
                log(server.log_path.read_text(errors="replace")[-1500:])
            if server.samples_path is not None and server.samples_path.exists():
                samples = json.loads(server.samples_path.read_text())
                log(f"server stack samples ({samples['ticks']} ticks of 5 ms)")
                log("event loop thread, running lines:")
                for name, count in samples["loop"]:
                    log(f"  {count:7d}  {name}")
                log("busy worker threads, functions on the stack:")
                for name, count in samples["inclusive"]:
                    log(f"  {count:7d}  {name}")
                log("busy worker threads, running lines:")
                for name, count in samples["leaf"]:
                    log(f"  {count:7d}  {name}")
    fig = result
    log("")
    log(f"agents: {fig['agents_connected']}/{fig['agents']} connected, {fig['agents_held']} held")
    log(
        f"chats: {fig['chats_started']} started of {fig['customers_sent']}, "
        f"{fig['chats_per_second']} per second (target {args.rate:g})"
    )
    log(
        f"offer latency ms: p50 {fig['offer_latency_p50_ms']}, p95 {fig['offer_latency_p95_ms']}, "
        f"p99 {fig['offer_latency_p99_ms']}, max {fig['offer_latency_max_ms']} "
        f"(target p99 < {TARGET_P99_MS:g})"
    )
    log(
        f"start -> started ms: p50 {fig['started_latency_p50_ms']}, "
        f"p99 {fig['started_latency_p99_ms']}"
    )
    log(f"errors: {fig['errors']} {fig['error_kinds']} (offers missing: {fig['offers_missing']})")
    log(
        f"CPU (% of one core): server {fig['server_cpu_percent']}, PostgreSQL "
        f"{fig['postgres_cpu_percent']}, this client {fig['client_cpu_percent']} "
        f"(loop lag p99 {fig['client_loop_lag_p99_ms']} ms)"
    )
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
