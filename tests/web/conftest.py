"""Fixtures for the web layer: an app on SQLite, a seeded center, signed-in clients."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import uvicorn
from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime
from switchdesk.domain.accounts.model import ClientAccount
from switchdesk.domain.accounts.permissions import Role
from switchdesk.usecases.demo_center import seed_demo_center
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.conftest import free_port

T = TypeVar("T")
PASSWORD = "correct horse battery"


@dataclass
class Center:
    north: ClientAccount
    blue: ClientAccount
    user_ids: dict[str, str]


def seed_center(runtime: Runtime) -> Center:
    """One user per role (username = role value) scoped to Northwind, plus a Bluebird agent
    and an executive who sees every client account."""
    acc = runtime.accounts
    op = Principal.operator("test")
    north = acc.create_client_account(op, "Northwind")
    blue = acc.create_client_account(op, "Bluebird")
    ids = {}
    for role in Role:
        ids[role.value] = acc.create_user(
            op,
            username=role.value,
            password=PASSWORD,
            role=role,
            client_account_ids=[north.id],
        ).id
    ids["blue_agent"] = acc.create_user(
        op,
        username="blue_agent",
        password=PASSWORD,
        role=Role.AGENT,
        client_account_ids=[blue.id],
    ).id
    ids["blue_lead"] = acc.create_user(
        op,
        username="blue_lead",
        password=PASSWORD,
        role=Role.TEAM_LEADER,
        client_account_ids=[blue.id],
    ).id
    ids["global_exec"] = acc.create_user(
        op,
        username="global_exec",
        password=PASSWORD,
        role=Role.EXECUTIVE,
        all_client_accounts=True,
    ).id
    return Center(north, blue, ids)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the HTML form; returns the session's CSRF token."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "login form has a CSRF token"
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    landing = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing.text)
    assert token
    client.headers["x-csrf-token"] = token.group(1)
    return token.group(1)


@pytest.fixture
def app_client(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def center(sqlite_runtime: Runtime) -> Center:
    return seed_center(sqlite_runtime)


@pytest.fixture
def client_for(sqlite_runtime: Runtime, center: Center) -> Iterator[object]:
    """``client_for("admin")`` -> a TestClient signed in as that user."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(create_app(sqlite_runtime), base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        sign_in(client, username)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def demo(sqlite_runtime: Runtime) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The demo center, live, behind an in-process client; API token headers by user."""
    sqlite_runtime.live.start()
    seed_demo_center(sqlite_runtime.accounts, sqlite_runtime.live, lambda: "demo password 1")
    op = Principal.operator("t")
    acc = sqlite_runtime.accounts
    auth = {
        name: {
            "authorization": "Bearer " + acc.issue_token(op, acc.find_user(op, name).id, "t").secret
        }
        for name in (
            "agent",
            "agent2",
            "agent3",
            "lead",
            "admin",
            "ops",
            "qa",
            "exec",
            "hr",
            "trainer",
        )
    }
    with TestClient(create_app(sqlite_runtime)) as client:
        yield client, auth


@pytest.fixture
def real_server(sqlite_runtime: Runtime) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a real uvicorn server on a free local port, in a thread: its base URL and
    an admin's API token header."""
    acc, op = sqlite_runtime.accounts, Principal.operator("t")
    admin = acc.create_user(op, username="admin", password="long enough pw", role=Role.ADMIN)
    headers = {"authorization": "Bearer " + acc.issue_token(op, admin.id, "t").secret}
    port = free_port()
    config = uvicorn.Config(
        create_app(sqlite_runtime), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", headers
    srv.should_exit = True
    thread.join(timeout=10)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a fresh event loop in its own thread: the browser
    tests' Playwright keeps an event loop running in the main thread, where
    ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
