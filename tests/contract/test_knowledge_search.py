"""The knowledge base on both databases: the same articles, the same searches, the same
order (a title match outranks a tag match, which outranks a body match), versions kept,
stale edits refused, and nothing outside the caller's client accounts or audience."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.knowledge import SqlKnowledgeStore
from switchdesk.adapters.db.migrate import upgrade
from switchdesk.adapters.db.repositories import SqlUnitOfWorkFactory
from switchdesk.adapters.security import SystemSecrets
from switchdesk.domain.accounts.model import ClientAccount, Role
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchdesk.domain.knowledge.articles import Audience
from switchdesk.usecases.accounts import Accounts
from switchdesk.usecases.knowledge import KnowledgeBase
from switchdesk.usecases.principal import Principal
from tests.conftest import FAST_HASHER

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return AT


@dataclass
class Kb:
    kb: KnowledgeBase
    north: ClientAccount
    blue: ClientAccount
    op: Principal
    people: dict[str, Principal]


@pytest.fixture
def kb(database_url: str) -> Iterator[Kb]:
    upgrade(database_url)
    engine = make_engine(database_url)
    accounts = Accounts(SqlUnitOfWorkFactory(engine), FAST_HASHER, SystemSecrets(), Clock())
    op = Principal.operator("test")
    north = accounts.create_client_account(op, "Northwind")
    blue = accounts.create_client_account(op, "Bluebird")
    people = {}
    for name, role, client in [
        ("agent", Role.AGENT, north),
        ("trainer", Role.TRAINER, north),
        ("blue_agent", Role.AGENT, blue),
        ("hr", Role.HR, north),
    ]:
        user = accounts.create_user(
            op, username=name, password="long enough pw", role=role, client_account_ids=[client.id]
        )
        people[name] = Principal.of_user(accounts.get_user(op, user.id), "session")
    ids = (f"art-{n}" for n in itertools.count(1))
    yield Kb(
        KnowledgeBase(SqlKnowledgeStore(engine), Clock(), lambda: next(ids)),
        north,
        blue,
        op,
        people,
    )
    engine.dispose()


def _add(
    k: Kb,
    title: str,
    body: str,
    tags: list[str],
    *,
    client: ClientAccount | None = None,
    audience: Audience = Audience.PUBLIC,
) -> str:
    return k.kb.create(
        k.people["trainer"] if client is None or client is k.north else k.op,
        client_account_id=(client or k.north).id,
        title=title,
        body=body,
        tags=tags,
        audience=audience,
    ).id


def test_a_title_match_outranks_a_tag_match_which_outranks_a_body_match(kb: Kb) -> None:
    body_only = _add(kb, "Opening hours", "We can issue a refund at any branch.", ["branches"])
    tagged = _add(kb, "Money back", "Ask us within 30 days.", ["refund"])
    titled = _add(kb, "How refunds work", "Ask us within 30 days.", ["payments"])
    _add(kb, "Lost card", "Call us at once to block it.", ["cards"])
    hits = kb.kb.search(kb.people["agent"], "refund")
    assert [h.article.id for h in hits] == [titled, tagged, body_only]
    assert hits[0].score > hits[1].score > hits[2].score


def test_words_are_stemmed_and_more_matching_words_rank_higher(kb: Kb) -> None:
    one = _add(kb, "Card delivery", "Cards arrive in five days.", [])
    both = _add(kb, "Card delivery abroad", "Delivering cards abroad takes ten days.", [])
    hits = kb.kb.search(kb.people["agent"], "delivered card abroad")
    assert [h.article.id for h in hits] == [both, one]


def test_search_syntax_in_a_query_is_only_words(kb: Kb) -> None:
    found = _add(kb, "Refund policy", "Refunds within 30 days.", [])
    for query in ['refund" OR body:*', "refund & !x | (", "refund -- ; drop table"]:
        assert [h.article.id for h in kb.kb.search(kb.people["agent"], query)][:1] == [found]
    assert kb.kb.search(kb.people["agent"], "   ...   ") == []
    with pytest.raises(ValidationFailed):
        kb.kb.search(kb.people["agent"], "x" * 201)


def test_the_public_help_sees_only_public_articles_of_its_client(kb: Kb) -> None:
    public = _add(kb, "Refund policy", "Refunds within 30 days.", [])
    _add(
        kb,
        "Refund exceptions (staff)",
        "Refunds over 500 need a lead.",
        [],
        audience=Audience.INTERNAL,
    )
    _add(kb, "Refunds at Bluebird", "Bluebird refunds.", [], client=kb.blue)
    assert [h.article.id for h in kb.kb.public_search(kb.north.id, "refund")] == [public]
    agent_hits = kb.kb.search(kb.people["agent"], "refund")
    assert len(agent_hits) == 2  # internal included, never Bluebird's
    assert all(h.article.client_account_id == kb.north.id for h in agent_hits)
    assert [h.article.title for h in kb.kb.search(kb.people["blue_agent"], "refund")] == [
        "Refunds at Bluebird"
    ]


def test_an_edit_makes_a_new_version_and_a_stale_edit_is_refused(kb: Kb) -> None:
    trainer = kb.people["trainer"]
    article_id = _add(kb, "Refund policy", "Refunds within 30 days.", ["refund"])
    second = kb.kb.update(trainer, article_id, version=1, body="Refunds within 14 days.")
    assert second.version == 2
    with pytest.raises(Conflict) as stale:
        kb.kb.update(trainer, article_id, version=1, title="Old edit")
    assert stale.value.code == "article_version_conflict"
    assert [v.body for v in kb.kb.versions(trainer, article_id)] == [
        "Refunds within 30 days.",
        "Refunds within 14 days.",
    ]
    # The index follows the current version only.
    assert kb.kb.search(trainer, "14")[0].article.id == article_id
    assert kb.kb.search(trainer, "30") == []


def test_an_archived_article_leaves_search_and_lists(kb: Kb) -> None:
    trainer = kb.people["trainer"]
    article_id = _add(kb, "Refund policy", "Refunds within 30 days.", [])
    kb.kb.update(trainer, article_id, version=1, archived=True)
    assert kb.kb.search(trainer, "refund") == []
    assert kb.kb.articles(trainer) == []
    with pytest.raises(NotFound):
        kb.kb.public_article(kb.north.id, article_id)


def test_only_the_owners_write_and_nobody_reads_another_client_s_article(kb: Kb) -> None:
    article_id = _add(kb, "Refund policy", "Refunds within 30 days.", [])
    with pytest.raises(PermissionDenied):
        kb.kb.create(
            kb.people["agent"],
            client_account_id=kb.north.id,
            title="t",
            body="b",
            tags=[],
            audience=Audience.PUBLIC,
        )
    with pytest.raises(PermissionDenied):
        kb.kb.search(kb.people["hr"], "refund")
    with pytest.raises(NotFound):
        kb.kb.get(kb.people["blue_agent"], article_id)
    with pytest.raises(NotFound):
        kb.kb.create(
            kb.people["trainer"],
            client_account_id=kb.blue.id,
            title="t",
            body="b",
            tags=[],
            audience=Audience.PUBLIC,
        )
    with pytest.raises(ValidationFailed):
        kb.kb.create(
            kb.people["trainer"],
            client_account_id=kb.north.id,
            title=" ",
            body="b",
            tags=[],
            audience=Audience.PUBLIC,
        )
    with pytest.raises(ValidationFailed):
        kb.kb.create(
            kb.people["trainer"],
            client_account_id=kb.north.id,
            title="t",
            body="b",
            tags=["Not A Tag!"],
            audience=Audience.PUBLIC,
        )
