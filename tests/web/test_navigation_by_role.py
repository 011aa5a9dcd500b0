"""The shared layout: each role's header links only to the pages its permissions allow."""

from __future__ import annotations

import re

import pytest

from switchdesk.domain.accounts.permissions import Role, role_allows
from switchdesk.web.navigation import NAVIGATION, NavLink, current_link
from tests.web.conftest import sign_in


def _nav_ids(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav, "the page has the shared navigation"
    return re.findall(r'id="(nav-[a-z-]+)"', nav.group(0))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_sees_exactly_the_links_its_permissions_allow(role: Role, client_for) -> None:
    html = client_for(role.value).get("/").text
    expected = [link.id for link in NAVIGATION if role_allows(role, link.permission)]
    assert _nav_ids(html) == expected
    assert 'action="/logout"' in html
    assert 'class="skip-link" href="#main"' in html


def test_an_agent_sees_the_desk_and_not_the_admin_page(client_for) -> None:
    ids = _nav_ids(client_for("agent").get("/inbox").text)
    assert "nav-desk" in ids and "nav-inbox" in ids
    assert "nav-center" not in ids and "nav-supervisor" not in ids


def test_the_current_page_is_marked_in_the_navigation(client_for) -> None:
    html = client_for("operations_manager").get("/admin/center").text
    assert re.search(r'href="/admin/center" id="nav-center" aria-current="page"', html)
    assert 'href="/" id="nav-home" aria-current' not in html


def test_the_longest_matching_link_is_the_current_one() -> None:
    links = (NavLink("Home", "/", NAVIGATION[0].permission), NAVIGATION[4])
    assert current_link(links, "/admin/center") == "/admin/center"
    assert current_link(links, "/") == "/"
    assert current_link(links, "/admin/centers") == "/"


def test_an_agent_sees_their_presence_in_the_header_and_an_admin_sees_none(demo) -> None:
    client, _ = demo
    sign_in(client, "agent", "demo password 1")
    assert client.get("/api/v1/me").json()["username"] == "agent"

    def badge(path: str = "/inbox") -> str | None:
        page = client.get(path)
        assert page.status_code == 200
        found = re.search(r'id="layout-presence"[^>]*>([^<]+)<', page.text)
        return found.group(1) if found else None

    assert badge() == "Offline"
    put = client.put("/api/v1/desk/presence", json={"presence": "available"})
    assert put.status_code == 200, put.text
    assert badge() == "Available"
    client.post("/logout", data={"csrf_token": client.headers["x-csrf-token"]})
    sign_in(client, "admin", "demo password 1")
    assert badge("/") is None


def test_the_sign_in_page_and_the_customers_chat_have_no_staff_navigation(demo) -> None:
    client, _ = demo
    assert "site-nav" not in client.get("/login").text
    sign_in(client, "admin", "demo password 1")
    assert "site-nav" in client.get("/").text
    chat = client.get("/chat/northwind-chat")
    assert chat.status_code == 200 and 'id="chat-title"' in chat.text
    assert "site-nav" not in chat.text and 'action="/logout"' not in chat.text


def test_the_executive_landing_shows_waiting_now_per_client_account(demo) -> None:
    client, _ = demo
    runtime_live = client.app.state.runtime.live  # type: ignore[attr-defined]
    runtime_live.start_chat("northwind-chat", name="Zoe", email="", text="Hello")
    sign_in(client, "exec", "demo password 1")
    html = client.get("/").text
    row = re.search(r'data-client-account="Northwind Energy".*?</tr>', html, re.S)
    assert row, html
    assert re.search(r'data-testid="waiting-now">1<', row.group(0))
    assert "—" in row.group(0)  # no contact answered or abandoned yet today
    client.post("/logout", data={"csrf_token": client.headers["x-csrf-token"]})
    sign_in(client, "lead", "demo password 1")
    assert 'id="headline-table"' not in client.get("/").text  # the executive's page only
