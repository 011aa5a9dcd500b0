"""Bad input gets a 4xx problem+json with a stable code, never a 500."""

from __future__ import annotations

import pytest

from tests.web.conftest import Center


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["detail"]


def test_malformed_json_is_a_400_malformed_json(client_for, center: Center) -> None:
    admin = client_for("admin")
    r = admin.post(
        "/api/v1/client-accounts",
        content=b'{"name": ',
        headers={"content-type": "application/json"},
    )
    _problem(r, 400, "malformed_json")


def test_wrong_types_are_a_422_validation_failed(client_for, center: Center) -> None:
    admin = client_for("admin")
    r = admin.post("/api/v1/users", json={"username": 42, "password": ["x"], "role": "agent"})
    _problem(r, 422, "validation_failed")
    assert {tuple(e["location"]) for e in r.json()["errors"]} >= {("body", "username")}


def test_unknown_fields_are_refused(client_for, center: Center) -> None:
    admin = client_for("admin")
    r = admin.post("/api/v1/client-accounts", json={"name": "Contoso", "is_admin": True})
    _problem(r, 422, "validation_failed")
    assert any(e["type"] == "extra_forbidden" for e in r.json()["errors"])


def test_unknown_role_names_are_refused(client_for, center: Center) -> None:
    admin = client_for("admin")
    r = admin.put(f"/api/v1/users/{center.user_ids['agent']}/role", json={"role": "king"})
    _problem(r, 422, "validation_failed")


def test_oversized_bodies_are_a_413(client_for, center: Center) -> None:
    admin = client_for("admin")
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    r = admin.post(
        "/api/v1/client-accounts", content=big, headers={"content-type": "application/json"}
    )
    _problem(r, 413, "payload_too_large")


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/users/nope"),
        ("PUT", "/api/v1/users/nope/role"),
        ("DELETE", "/api/v1/tokens/nope"),
        ("GET", "/api/v1/client-accounts/nope"),
        ("GET", "/api/v1/no-such-route"),
    ],
)
def test_unknown_ids_and_paths_are_a_404(method: str, path: str, client_for, center: Center):
    admin = client_for("admin")
    body = {"role": "agent"} if method == "PUT" else None
    _problem(admin.request(method, path, json=body), 404, "not_found")


def test_a_wrong_method_is_a_405_problem(client_for, center: Center) -> None:
    _problem(client_for("admin").patch("/api/v1/users"), 405, "method_not_allowed")


def test_duplicate_names_are_a_409_and_change_nothing(client_for, center: Center) -> None:
    admin = client_for("admin")
    r = admin.post(
        "/api/v1/users", json={"username": "agent", "password": "long enough pw", "role": "agent"}
    )
    _problem(r, 409, "username_taken")
    _problem(admin.post("/api/v1/client-accounts", json={"name": "northwind"}), 409, "conflict")
    names = [a["name"] for a in admin.get("/api/v1/client-accounts").json()]
    assert sorted(names) == ["Bluebird", "Northwind"]


def test_short_passwords_and_bad_usernames_are_refused(client_for, center: Center) -> None:
    admin = client_for("admin")
    _problem(
        admin.post(
            "/api/v1/users", json={"username": "shorty", "password": "short", "role": "agent"}
        ),
        422,
        "validation_failed",
    )
    _problem(
        admin.post(
            "/api/v1/users",
            json={"username": "bad name!", "password": "long enough pw", "role": "agent"},
        ),
        422,
        "validation_failed",
    )


def test_out_of_range_query_parameters_are_a_422(client_for, center: Center) -> None:
    _problem(client_for("admin").get("/api/v1/audit?limit=0"), 422, "validation_failed")
    _problem(client_for("admin").get("/api/v1/audit?limit=abc"), 422, "validation_failed")
