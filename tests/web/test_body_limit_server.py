"""A body over the limit is a 413 that the client receives, on a real uvicorn server.

Answering before reading the body and closing made the kernel reset the connection under
the client's unread upload: an async client then saw a reset instead of the 413.
"""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import run_async

RUNS = 20


async def _post_big(url: str, headers: dict[str, str], chunked: bool) -> list[str]:
    body = b'{"name": "' + b"x" * 3_000_000 + b'"}'
    outcomes: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(RUNS):

            async def chunks() -> object:
                for i in range(0, len(body), 65_536):
                    yield body[i : i + 65_536]

            try:
                r = await client.post(
                    f"{url}/api/v1/client-accounts",
                    content=chunks() if chunked else body,
                    headers={**headers, "content-type": "application/json"},
                )
            except httpx.TransportError as exc:
                outcomes.append(f"transport error: {type(exc).__name__}")
                continue
            if (
                r.status_code == 413
                and r.headers["content-type"] == "application/problem+json"
                and r.json()["code"] == "payload_too_large"
            ):
                outcomes.append("413")
            else:
                outcomes.append(f"{r.status_code} {r.text[:80]}")
    return outcomes


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_every_oversized_post_gets_its_413(real_server, chunked: bool) -> None:
    url, headers = real_server
    outcomes = run_async(_post_big(url, headers, chunked))
    assert outcomes == ["413"] * RUNS, outcomes


def test_the_server_still_answers_after_refusing_a_large_body(real_server) -> None:
    url, headers = real_server
    run_async(_post_big(url, headers, chunked=False))
    r = httpx.post(f"{url}/api/v1/client-accounts", json={"name": "Small"}, headers=headers)
    assert r.status_code == 201, r.text


def test_a_refused_body_is_drained_only_up_to_the_cap() -> None:
    from switchdesk.web.body_limit import BodySizeLimit

    async def app(scope, receive, send) -> None:  # pragma: no cover - never reached
        raise AssertionError("the app is not called for a declared oversized body")

    reads = 0
    sent: list[dict] = []

    async def endless() -> dict:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    limit = BodySizeLimit(app, max_bytes=1024, drain_cap=64 * 1024)
    scope = {"type": "http", "headers": [(b"content-length", b"999999999")]}
    run_async(limit(scope, endless, send))
    assert 64 <= reads <= 66
    assert sent[0]["status"] == 413
    assert b"payload_too_large" in sent[1]["body"]
