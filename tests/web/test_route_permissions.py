"""Every route declares its permission; roles get what the matrix says and no more."""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from switchdesk.bootstrap import Runtime
from switchdesk.domain.accounts.permissions import PERMISSION_MATRIX, Permission, Role
from switchdesk.web.app import create_app
from switchdesk.web.security import PUBLIC_MOUNTS, PUBLIC_ROUTES, route_access_table
from tests.web.conftest import Center


def test_every_route_declares_a_permission_or_is_on_the_short_public_list(
    sqlite_runtime: Runtime,
) -> None:
    table = route_access_table(create_app(sqlite_runtime))
    assert len(table) > 20  # the walk does reach into the included routers
    undeclared, public = [], set()
    for route in table:
        if route.mount:
            assert route.path in PUBLIC_MOUNTS, f"mount {route.path} is not declared public"
            continue
        if not route.declared:
            undeclared.append(f"{sorted(route.methods)} {route.path}")
        assert len(route.declared) <= 1, f"{route.path} declares access twice"
        if route.declared and route.declared[0][0] == "public":
            public.update((m, route.path) for m in route.methods)
    assert undeclared == [], f"routes without a declared permission: {undeclared}"
    assert public == set(PUBLIC_ROUTES)
    # sign-in, health, the chat widget, webhooks and the password reset link: keep it short.
    assert len(PUBLIC_ROUTES) <= 10


def test_the_walk_notices_a_new_route_without_a_permission(sqlite_runtime: Runtime) -> None:
    app = create_app(sqlite_runtime)
    extra = APIRouter(prefix="/api/v1")

    @extra.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    app.include_router(extra)
    table = route_access_table(app)
    entry = next(r for r in table if r.path == "/api/v1/forgotten")
    assert entry.declared == ()
    declared = next(r for r in table if r.path == "/api/v1/users" and "GET" in r.methods)
    assert declared.declared == (("permission", "users.read"),)


# (method, path, body, permission or permissions) for a representative set of routes.
REPRESENTATIVE = [
    ("GET", "/api/v1/me", None, Permission.SELF_READ),
    ("GET", "/api/v1/users", None, Permission.USERS_READ),
    (
        "POST",
        "/api/v1/users",
        {"username": "newbie", "password": "long enough pw", "role": "agent"},
        Permission.USERS_MANAGE,
    ),
    ("GET", "/api/v1/tokens", None, Permission.TOKENS_MANAGE),
    ("GET", "/api/v1/audit", None, Permission.AUDIT_READ),
    ("GET", "/api/v1/audit/export.csv", None, (Permission.DATA_EXPORT, Permission.AUDIT_READ)),
    ("GET", "/api/v1/client-accounts", None, Permission.ORG_READ),
    ("POST", "/api/v1/sites", {"name": "Porto", "kind": "on_site"}, Permission.ORG_MANAGE),
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_allowed_and_denied_as_the_matrix_says(
    role: Role, client_for, center: Center
) -> None:
    client = client_for(role.value)
    for method, path, body, permission in REPRESENTATIVE:
        response = client.request(method, path, json=body)
        needed = permission if isinstance(permission, tuple) else (permission,)
        allowed = all(p in PERMISSION_MATRIX[role] for p in needed)
        if allowed:
            assert response.status_code < 400, (role, path, response.text)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
            assert response.json()["code"] == "permission_denied"
            assert response.headers["content-type"] == "application/problem+json"


def test_hr_never_holds_contact_data_permissions() -> None:
    assert Permission.CONTACTS_READ not in PERMISSION_MATRIX[Role.HR]
    assert Permission.CONVERSATIONS_HANDLE not in PERMISSION_MATRIX[Role.HR]


def test_anonymous_callers_get_401_on_the_api_and_the_login_page_for_pages(
    app_client, center: Center
) -> None:
    r = app_client.get("/api/v1/users")
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"
    page = app_client.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
