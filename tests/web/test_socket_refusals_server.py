"""On a real uvicorn server, a socket opened without signing in is closed with 4401 and
the server logs no traceback."""

from __future__ import annotations

import json
import logging

import pytest
import websockets

from tests.web.conftest import run_async


async def _refused(url: str, headers: dict[str, str]) -> tuple[dict[str, object], int, str]:
    async with websockets.connect(url, additional_headers=headers) as ws:
        frame = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return frame, closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize("path", ["/ws/agent", "/ws/supervisor"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"cookie": "sd_session=forged"}, {"authorization": "Bearer sdt_forged"}],
    ids=["none", "forged-cookie", "bad-token"],
)
def test_a_real_server_closes_with_4401_and_logs_no_traceback(
    real_server, path: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = real_server
    with caplog.at_level(logging.WARNING):
        frame, code, reason = run_async(_refused(url.replace("http", "ws") + path, headers))
    assert frame["code"] == "authentication_failed"
    assert (code, reason) == (4401, "authentication_failed")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
