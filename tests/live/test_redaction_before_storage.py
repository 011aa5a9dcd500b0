"""Personal data is removed from messages before anything is stored: the message, its
timeline excerpt and what the desk and the customer's feed receive (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from switchdesk.adapters.db import live_tables
from switchdesk.domain.errors import NotFound, PermissionDenied
from switchdesk.domain.privacy.policy import RedactionPolicy
from switchdesk.usecases.principal import Principal
from tests.live.conftest import Center

CARD = "4111 1111 1111 1111"


def _no_schemes(schemes: tuple[str, ...]) -> None:
    return None


def _everything_stored(center: Center) -> str:
    """Every text column of every live table, as one string to search."""
    found: list[str] = []
    with center.engine.connect() as c:
        for table in live_tables.metadata.sorted_tables:
            for row in c.execute(select(table)):
                found.extend(str(v) for v in row)
    return "\n".join(found)


def _assigned_chat(center: Center, first: str = "Hello") -> str:
    live, users = center.live, center.users
    conv, _ = live.start_chat("north", name="Zoe", email="zoe@example.com", text=first)
    live.set_presence(users["ana"], "available")
    [offer] = live.agent_snapshot(users["ana"])["offers"]
    live.accept_offer(users["ana"], offer["id"])
    return conv.id


def test_a_card_number_in_the_first_message_is_never_stored(center: Center) -> None:
    conv, _ = center.live.start_chat(
        "north", name="Zoe", email="zoe@example.com", text=f"pay with {CARD} please"
    )
    texts = [m["text"] for m in center.live.customer_view(conv.id)["messages"]]
    assert texts == ["pay with [card ending 1111] please"]
    assert "4111 1111" not in _everything_stored(center)
    assert "4111111111111111" not in _everything_stored(center)


def test_a_security_code_answering_the_agent_s_prompt_is_redacted(center: Center) -> None:
    conv_id = _assigned_chat(center)
    live, ana = center.live, center.users["ana"]
    live.agent_message(ana, conv_id, "What is the 3-digit security code on the back?")
    live.customer_message(conv_id, "it's 737", client_id="c-1")
    texts = [m["text"] for m in live.customer_view(conv_id)["messages"]]
    assert texts[-1] == "it's [security code]"
    # The desk got the redacted text, never the code.
    desk = center.recorder.of_type(f"agent:{ana.user.id}", "message")
    assert desk[-1]["text"] == "it's [security code]"
    assert "737" not in _everything_stored(center)


def test_a_card_number_split_over_two_messages_is_redacted_in_both(center: Center) -> None:
    conv_id = _assigned_chat(center)
    live, ana = center.live, center.users["ana"]
    live.customer_message(conv_id, "my card is 4111 1111 1111", client_id="c-1")
    live.customer_message(conv_id, "1111", client_id="c-2")
    texts = [m["text"] for m in live.customer_view(conv_id)["messages"]]
    assert texts[-2:] == ["my card is [card ending 1111]", "[card ending 1111]"]
    stored = _everything_stored(center)
    assert "4111 1111 1111" not in stored
    # The desk and the customer's page are told to replace the first one.
    for topic in (f"agent:{ana.user.id}", f"conversation:{conv_id}"):
        [frame] = center.recorder.of_type(topic, "message_redacted")
        assert frame["text"] == "my card is [card ending 1111]"


def test_an_agent_s_reply_and_note_are_redacted_too(center: Center) -> None:
    conv_id = _assigned_chat(center)
    live, ana = center.live, center.users["ana"]
    live.agent_message(ana, conv_id, f"I see {CARD} on file")
    live.agent_message(ana, conv_id, "IBAN GB82 WEST 1234 5698 7654 32", internal=True)
    assert "4111 1111" not in _everything_stored(center)
    assert "GB82 WEST" not in _everything_stored(center)


def test_a_client_account_s_policy_redacts_phones_and_emails_from_then_on(
    center: Center,
) -> None:
    live, op = center.live, center.op
    north = center.client_accounts["north"]
    before, _ = live.start_chat("north", name="Zoe", email="", text="call +1 415 555 2671")
    policy = RedactionPolicy(redact_phones=True, redact_emails=True)
    live.set_redaction_policy(op, north, policy, _no_schemes)
    assert live.get_redaction_policy(op, north) == policy
    after, _ = live.start_chat("north", name="Zoe", email="", text="call +1 415 555 2671")
    assert live.customer_view(before.id)["messages"][0]["text"] == "call +1 415 555 2671"
    assert live.customer_view(after.id)["messages"][0]["text"] == "call [phone]"
    # Another client account keeps the default.
    blue, _ = live.start_chat("blue", name="Max", email="", text="mail max@example.org")
    assert live.customer_view(blue.id)["messages"][0]["text"] == "mail max@example.org"


def test_a_policy_survives_a_restart(center: Center) -> None:
    north = center.client_accounts["north"]
    center.live.set_redaction_policy(
        center.op, north, RedactionPolicy(redact_emails=True), _no_schemes
    )
    again = center.restart()
    conv, _ = again.live.start_chat("north", name="Zoe", email="", text="zoe@example.org")
    assert again.live.customer_view(conv.id)["messages"][0]["text"] == "[email]"


def test_only_people_who_manage_the_organisation_change_a_policy_of_a_client_they_see(
    center: Center,
) -> None:
    live = center.live
    north, blue = center.client_accounts["north"], center.client_accounts["blue"]
    with pytest.raises(PermissionDenied):
        live.set_redaction_policy(center.users["lead"], north, RedactionPolicy(), _no_schemes)
    with pytest.raises(NotFound):
        live.set_redaction_policy(center.op, "nope", RedactionPolicy(), _no_schemes)
    scoped = Principal.of_user(
        center.accounts.get_user(center.op, center.users["ana"].user.id), "session"
    )
    with pytest.raises((NotFound, PermissionDenied)):
        live.get_redaction_policy(scoped, blue)
    with center.engine.connect() as c:
        assert c.execute(text("select count(*) from redaction_policies")).scalar() == 0
