"""Web chat's customer messages through the channel-neutral intake, as a session channel:
the conversation its token opened, repeats keyed by the page's ``client_id`` (kept on the
message itself, never as a provider id), a conversation of another channel refused, and
writing after the end reopening the chat (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from switchdesk.adapters.db.live_store import SqlLiveUnitOfWorkFactory
from switchdesk.domain.conversations.channels import InboundMessage
from switchdesk.domain.conversations.model import Identity, IdentityKind
from switchdesk.domain.errors import NotFound
from tests.live.conftest import Center

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _in_session(channel_id: str, conversation_id: str, text: str, key: str) -> InboundMessage:
    return InboundMessage(
        channel_id,
        Identity(IdentityKind.CHAT_VISITOR, ""),
        "Customer",
        text,
        key,
        AT,
        conversation_id=conversation_id,
    )


def _frames(center: Center, conversation_id: str) -> list[dict]:
    return center.recorder.of_type(f"conversation:{conversation_id}", "message")


def test_a_repeated_send_is_stored_once_and_answered_with_the_stored_message(
    center: Center,
) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Zoe", email="zoe@example.com", text="Hello")
    first = live.customer_message(conv.id, "Anyone there?", client_id="c-1")
    again = live.customer_message(conv.id, "Anyone there?", client_id="c-1")
    assert again == first
    # The same key through the port (any session channel's adapter) is the same message.
    north = live.channel("north").id
    live.receive([_in_session(north, conv.id, "Anyone there?", "c-1")]).result()
    texts = [m["text"] for m in live.customer_view(conv.id)["messages"]]
    assert texts == ["Hello", "Anyone there?"]
    # Every repeat is echoed on the customer's feed: the page waits for it.
    echoed = [f["id"] for f in _frames(center, conv.id) if f["text"] == "Anyone there?"]
    assert echoed == [first.id] * 3
    with SqlLiveUnitOfWorkFactory(center.engine)() as uow:
        assert uow.conversation_by_external_id(north, "c-1") is None  # no provider-id row
        assert [m.client_id for m in uow.messages(conv.id)][-1] == "c-1"


def test_sends_without_a_client_id_are_each_stored(center: Center) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Zoe", email="", text="Hello")
    one = live.customer_message(conv.id, "Again", client_id=None)
    two = live.customer_message(conv.id, "Again", client_id=None)
    assert one.id != two.id and one.client_id is None
    assert one.author_name == "Zoe"
    texts = [m["text"] for m in live.customer_view(conv.id)["messages"]]
    assert texts == ["Hello", "Again", "Again"]


def test_a_conversation_named_on_another_channel_is_not_found_and_nothing_is_stored(
    center: Center,
) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Zoe", email="zoe@example.com", text="Hello")
    blue = live.channel("blue").id
    with pytest.raises(NotFound) as refused:
        live.receive([_in_session(blue, conv.id, "Sneaky", "k-1")]).result()
    assert refused.value.code == "not_found"
    with pytest.raises(NotFound):
        live.customer_message("no-such-conversation", "Hi", client_id=None)
    texts = [m["text"] for m in live.customer_view(conv.id)["messages"]]
    assert texts == ["Hello"]


def test_writing_after_the_chat_ended_reopens_it_for_the_agent_who_had_it(
    center: Center,
) -> None:
    live, ana = center.live, center.users["ana"]
    live.set_presence(ana, "available")
    conv, _ = live.start_chat("north", name="Max", email="max@example.com", text="One")
    [offer] = live.agent_snapshot(ana)["offers"]
    live.accept_offer(ana, offer["id"])
    live.end_conversation(ana, conv.id)
    live.wrap_up(ana, conv.id, "resolved")
    assert live.customer_view(conv.id)["state"] == "resolved"
    center.clock.move(60)
    message = live.customer_message(conv.id, "One more thing", client_id="m-2")
    assert message.text == "One more thing" and message.client_id == "m-2"
    view = live.customer_view(conv.id)
    assert view["state"] in ("reopened", "waiting", "assigned")
    assert [m["text"] for m in view["messages"]] == ["One", "One more thing"]
    detail = live.conversation_detail(center.op, conv.id)
    kinds = [e["kind"] for e in detail["timeline"]]
    assert "reopened" in kinds
    [again] = live.agent_snapshot(ana)["offers"]
    assert again["conversation_id"] == conv.id
