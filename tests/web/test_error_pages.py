"""Browsers get pages for errors (or the sign-in page); programs keep problem+json."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Center

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_an_unknown_chat_channel_shows_a_page_with_a_link_home_in_a_browser(
    app_client: TestClient,
) -> None:
    r = app_client.get("/chat/nope", headers=BROWSER)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert 'href="/"' in r.text
    assert "Nothing here" in r.text


def test_an_unknown_chat_channel_stays_problem_json_for_programs(app_client: TestClient) -> None:
    r = app_client.get("/chat/nope", headers={"accept": "application/json"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


def test_an_unknown_page_shows_a_page_in_a_browser(app_client: TestClient) -> None:
    r = app_client.get("/no/such/page", headers=BROWSER)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert 'href="/"' in r.text


def test_a_page_the_user_may_not_open_shows_a_forbidden_page(client_for, center: Center) -> None:
    agent = client_for("agent")
    r = agent.get("/admin/center", headers=BROWSER)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "You may not open this page" in r.text
    assert 'href="/"' in r.text


def test_signed_out_api_docs_send_a_browser_to_sign_in_and_back(app_client: TestClient) -> None:
    r = app_client.get("/api/docs", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/api/docs"


def test_a_signed_out_page_keeps_its_query_in_the_next_parameter(app_client: TestClient) -> None:
    r = app_client.get("/desk?tab=mail", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/desk%3Ftab%3Dmail"


def test_the_api_answers_a_browser_with_problem_json(app_client: TestClient) -> None:
    r = app_client.get("/api/v1/users", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    missing = app_client.get("/api/v1/nothing", headers=BROWSER)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_stays_json_for_a_signed_out_browser(
    app_client: TestClient,
) -> None:
    r = app_client.get("/api/openapi.json", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"
