"""GET /metrics: Prometheus text format for an API token holding ``metrics.read``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from switchdesk.bootstrap import Runtime
from switchdesk.usecases.principal import Principal
from switchdesk.web.app import create_app
from tests.web.conftest import Center


def _bearer(runtime: Runtime, center: Center, who: str) -> dict[str, str]:
    acc, op = runtime.accounts, Principal.operator("t")
    token = acc.issue_token(op, center.user_ids[who], "prometheus").secret
    return {"authorization": f"Bearer {token}"}


def test_metrics_need_a_token_of_someone_allowed_to_read_them(
    sqlite_runtime: Runtime, center: Center
) -> None:
    with TestClient(create_app(sqlite_runtime)) as client:
        for headers in ({}, {"authorization": "Bearer wrong"}):
            r = client.get("/metrics", headers=headers)
            assert (r.status_code, r.json()["code"]) == (401, "authentication_failed")
        r = client.get("/metrics", headers=_bearer(sqlite_runtime, center, "executive"))
        assert (r.status_code, r.json()["code"]) == (403, "permission_denied")


def test_metrics_show_waiting_contacts_and_agents_by_state(
    sqlite_runtime: Runtime, center: Center
) -> None:
    live, op = sqlite_runtime.live, Principal.operator("t")
    live.start()
    queue = live.configure_queue(op, name='Care "VIP"', client_account_id=center.north.id)
    live.create_channel(op, slug="care", name="Care", queue_id=queue.id)
    live.set_agent_profile(op, center.user_ids["agent"], skills={})
    live.start_chat("care", name="Zoe", email="zoe@example.com", text="Hi")
    with TestClient(create_app(sqlite_runtime)) as client:
        r = client.get("/metrics", headers=_bearer(sqlite_runtime, center, "operations_manager"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    labels = f'queue_id="{queue.id}",queue="Care \\"VIP\\""'
    lines = r.text.splitlines()
    assert "# TYPE switchdesk_queue_waiting gauge" in lines
    assert f"switchdesk_queue_waiting{{{labels}}} 1" in lines
    assert f'switchdesk_queue_agents{{{labels},state="available"}} 0' in lines
    offline = [line for line in lines if line.startswith('switchdesk_agents{presence="offline"')]
    assert len(offline) == 1 and offline[0].endswith(" 1")  # the one agent, signed out
