"""The IVR flow admin API: store versions, read any of them, list the newest, validate
without storing; the validator's problems name the bad nodes; only people who configure
routing may touch flows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.domain.voice.sample_flow import sample_flow

Demo = tuple[TestClient, dict[str, dict[str, str]]]
URL = "/api/v1/voice/flows"


def local_flow() -> dict[str, Any]:
    """The sample flow without its external transfer (this server allows none)."""
    flow = sample_flow()
    del flow["nodes"]["partner"]
    del flow["nodes"]["main"]["options"]["3"]
    return flow


def test_an_edit_makes_a_new_version_and_old_versions_stay_readable(demo: Demo) -> None:
    client, auth = demo
    first = client.put(f"{URL}/support-line", json=local_flow(), headers=auth["ops"])
    assert first.status_code == 200 and first.json()["version"] == 1
    same = client.put(f"{URL}/support-line", json=local_flow(), headers=auth["ops"])
    assert same.json()["version"] == 1  # nothing changed: no new version
    edited = local_flow()
    edited["nodes"]["bye"]["prompt"] = "Thank you for calling. Goodbye."
    second = client.put(f"{URL}/support-line", json=edited, headers=auth["ops"])
    assert second.status_code == 200 and second.json()["version"] == 2
    listed = client.get(URL, headers=auth["ops"]).json()
    assert [(f["name"], f["version"]) for f in listed] == [("support-line", 2)]
    old = client.get(f"{URL}/support-line", params={"version": 1}, headers=auth["ops"]).json()
    assert old["document"]["nodes"]["bye"]["prompt"] == "Goodbye."
    newest = client.get(f"{URL}/support-line", headers=auth["ops"]).json()
    assert newest["version"] == 2 and newest["document"] == edited


def test_a_bad_flow_is_refused_with_each_bad_node_named(demo: Demo) -> None:
    client, auth = demo
    flow = local_flow()
    flow["nodes"]["main"]["options"]["2"]["next"] = "nowhere"
    flow["nodes"]["partner"] = {"type": "transfer", "number": "+882123456789"}
    flow["nodes"]["main"]["options"]["3"] = {"next": "partner"}
    refused = client.put(f"{URL}/support-line", json=flow, headers=auth["ops"])
    assert refused.status_code == 422 and refused.json()["code"] == "ivr_flow_invalid"
    named = {(p["node"], p["code"]) for p in refused.json()["problems"]}
    assert {("main", "next_unknown"), ("partner", "transfer_not_allowed")} <= named
    checked = client.post(f"{URL}/validate", json=flow, headers=auth["ops"]).json()
    assert checked["valid"] is False
    assert {(p["node"], p["code"]) for p in checked["problems"]} == named
    good = client.post(f"{URL}/validate", json=local_flow(), headers=auth["ops"]).json()
    assert good == {"valid": True, "problems": []}
    assert client.get(URL, headers=auth["ops"]).json() == []  # nothing was stored
    mismatch = client.put(f"{URL}/other-name", json=local_flow(), headers=auth["ops"])
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "ivr_flow_name_mismatch"


def test_only_people_who_configure_routing_may_touch_flows(demo: Demo) -> None:
    client, auth = demo
    for user in ("agent", "lead", "qa"):
        put = client.put(f"{URL}/support-line", json=local_flow(), headers=auth[user])
        assert put.status_code == 403 and put.json()["code"] == "permission_denied"
        assert client.get(URL, headers=auth[user]).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/missing", headers=auth["ops"]).status_code == 404
