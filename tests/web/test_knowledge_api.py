"""The knowledge base through the API: owners write, agents read and search, versions and
stale edits, client scoping, and bad input refused with stable codes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import Center

Clients = Callable[[str], TestClient]


def _article(center: Center, **changes: object) -> dict[str, object]:
    return {
        "client_account_id": center.north.id,
        "title": "How refunds work",
        "body": "Refunds reach your card within **5 days**.",
        "tags": ["refund", "billing"],
        "audience": "public",
        **changes,
    }


def test_a_trainer_writes_an_article_an_agent_finds_it_and_an_edit_makes_a_version(
    client_for: Clients, center: Center
) -> None:
    trainer, agent = client_for("trainer"), client_for("agent")
    created = trainer.post("/api/v1/knowledge/articles", json=_article(center))
    assert created.status_code == 201, created.text
    article = created.json()
    assert article["version"] == 1 and article["tags"] == ["refund", "billing"]
    trainer.post(
        "/api/v1/knowledge/articles",
        json=_article(center, title="Opening hours", body="We open at 9.", tags=[]),
    )
    hits = agent.get("/api/v1/knowledge/search", params={"q": "refunds card"}).json()
    assert [h["article"]["id"] for h in hits] == [article["id"]]
    changed = trainer.put(
        f"/api/v1/knowledge/articles/{article['id']}",
        json={"version": 1, "body": "Refunds reach your card within 3 days."},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = trainer.put(
        f"/api/v1/knowledge/articles/{article['id']}", json={"version": 1, "title": "Old"}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "article_version_conflict"
    versions = agent.get(f"/api/v1/knowledge/articles/{article['id']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]


def test_agents_read_but_do_not_write_and_other_clients_do_not_see(
    client_for: Clients, center: Center, app_client: TestClient
) -> None:
    trainer = client_for("trainer")
    article = trainer.post("/api/v1/knowledge/articles", json=_article(center)).json()
    assert (
        client_for("agent").post("/api/v1/knowledge/articles", json=_article(center)).status_code
        == 403
    )
    blue = client_for("blue_agent")
    assert blue.get(f"/api/v1/knowledge/articles/{article['id']}").status_code == 404
    assert blue.get("/api/v1/knowledge/search", params={"q": "refund"}).json() == []
    assert client_for("hr").get("/api/v1/knowledge/articles").status_code == 403
    assert app_client.get("/api/v1/knowledge/articles").status_code == 401
    other = trainer.post(
        "/api/v1/knowledge/articles", json=_article(center, client_account_id=center.blue.id)
    )
    assert other.status_code == 404 and other.json()["code"] == "client_account_not_found"
    # An admin sees every client account, but not one that does not exist.
    unknown = client_for("admin").post(
        "/api/v1/knowledge/articles", json=_article(center, client_account_id="no-such-client")
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "client_account_not_found"


def test_bad_articles_and_searches_are_refused_with_stable_codes(
    client_for: Clients, center: Center
) -> None:
    trainer = client_for("trainer")
    bad_tag = trainer.post("/api/v1/knowledge/articles", json=_article(center, tags=["Not ok!"]))
    assert bad_tag.status_code == 422 and bad_tag.json()["code"] == "article_invalid"
    blank = trainer.post("/api/v1/knowledge/articles", json=_article(center, title="   "))
    assert blank.status_code == 422 and blank.json()["code"] == "article_invalid"
    long_q = trainer.get("/api/v1/knowledge/search", params={"q": "x" * 201})
    assert long_q.status_code == 422
    assert trainer.get("/api/v1/knowledge/articles").json() == []  # nothing was stored
