"""A chat through the live center on SQLite and PostgreSQL: routing, messages, transfer,
wrap-up, rating, timeline, restart, concurrency and bad input."""

from __future__ import annotations

import threading

import pytest

from switchdesk.domain.accounts.permissions import Role
from switchdesk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchdesk.usecases.principal import Principal
from tests.live.conftest import Center


def _offer_for(center: Center, who: str) -> dict:
    snap = center.live.agent_snapshot(center.users[who])
    assert snap["offers"], f"{who} has no offer"
    return snap["offers"][0]


def test_a_chat_goes_from_customer_to_agent_through_transfer_wrap_up_and_rating(
    center: Center,
) -> None:
    live, users = center.live, center.users
    conv, _token = live.start_chat(
        "north", name="Zoe", email="zoe@example.com", text="My bill is wrong"
    )
    assert conv.state.value == "waiting"
    assert live.customer_view(conv.id)["queue"]["position"] == 1

    live.set_presence(users["ana"], "available")
    offer = _offer_for(center, "ana")
    assert offer["contact"]["email"] == "zoe@example.com"
    assert offer["preview"] == "My bill is wrong"
    assert center.recorder.of_type(f"agent:{users['ana'].user.id}", "offer")
    accepted = live.accept_offer(users["ana"], offer["id"])
    assert accepted["state"] == "assigned"
    assert center.recorder.of_type(f"conversation:{conv.id}", "agent_joined")

    live.agent_message(users["ana"], conv.id, "Let me check that for you")
    live.customer_message(conv.id, "Thanks", client_id="c-1")
    live.customer_message(conv.id, "Thanks", client_id="c-1")  # a retry: stored once
    live.agent_message(users["ana"], conv.id, "Billing will fix it", internal=True)
    customer_texts = [m["text"] for m in live.customer_view(conv.id)["messages"]]
    assert customer_texts == ["My bill is wrong", "Let me check that for you", "Thanks"]

    live.set_presence(users["carla"], "available")
    live.transfer(users["ana"], conv.id, queue_id=center.queues["billing"], note="wrong tariff")
    offer2 = _offer_for(center, "carla")
    live.accept_offer(users["carla"], offer2["id"])
    live.agent_message(users["carla"], conv.id, "Fixed: you get a refund")
    live.end_conversation(users["carla"], conv.id)
    with pytest.raises(Conflict) as gone:
        live.end_after_contact_work(users["carla"])
    assert gone.value.code == "wrap_up_required"
    with pytest.raises(ValidationFailed):
        live.wrap_up(users["carla"], conv.id, "no-such-code")
    live.wrap_up(users["carla"], conv.id, "resolved", "refund issued")
    live.rate(conv.id, 4, "quick")
    with pytest.raises(Conflict):
        live.rate(conv.id, 5)

    detail = live.conversation_detail(center.op, conv.id)
    kinds = [e["kind"] for e in detail["timeline"]]
    for step in (
        "created",
        "enqueued",
        "offered",
        "accepted",
        "message",
        "internal_note",
        "transferred",
        "ended",
        "completed",
        "wrapped_up",
        "rated",
    ):
        assert step in kinds, step
    assert kinds.count("accepted") == 2
    assert detail["disposition"] == "resolved"
    assert detail["csat_score"] == 4
    # The queue's after-contact work (30 s) runs on after the wrap-up; Carla ends it.
    assert live.agent_snapshot(users["carla"])["agent"]["activity"] == "after_contact_work"
    live.end_after_contact_work(users["carla"])
    assert live.agent_snapshot(users["carla"])["agent"]["activity"] == "idle"


def test_waiting_chats_keep_their_order_and_assignments_survive_a_restart(center: Center):
    live = center.live
    convs = [
        live.start_chat("north", name=f"C{i}", email=f"c{i}@example.com", text="hello")[0]
        for i in range(4)
    ]
    center.clock.move(1)
    live.set_presence(center.users["ana"], "available")
    offer = _offer_for(center, "ana")
    assert offer["conversation_id"] == convs[0].id  # oldest first
    live.accept_offer(center.users["ana"], offer["id"])
    # Ana takes two chats at once: the next one is offered to her, two wait.
    assert _offer_for(center, "ana")["conversation_id"] == convs[1].id
    before = live.waiting(center.queues["support"])
    assert before == [c.id for c in convs[2:]]

    again = center.restart()
    assert again.live.waiting(center.queues["support"]) == before
    # No desk is open after a restart: the available agent has the grace period to come
    # back (usecases/live/connections.py); the rest of the engine is as it was.
    restarted, before_restart = again.live.engine_snapshot(), live.engine_snapshot()
    assert list(restarted.pop("agents_away")) == [center.users["ana"].user.id]
    assert len(restarted.pop("contacts_away")) == 4  # and the customers too
    assert before_restart.pop("agents_away") == before_restart.pop("contacts_away") == {}
    assert restarted == before_restart
    snap = again.live.agent_snapshot(again.users["ana"])
    assert [c["id"] for c in snap["conversations"]] == [convs[0].id]
    assert [o["conversation_id"] for o in snap["offers"]] == [convs[1].id]
    again.live.agent_message(again.users["ana"], convs[0].id, "still here")
    assert again.live.customer_view(convs[0].id)["messages"][-1]["text"] == "still here"


def test_an_unanswered_offer_expires_and_goes_to_the_next_agent(center: Center) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Zed", email="", text="hi")
    live.set_presence(center.users["ana"], "available")
    first = _offer_for(center, "ana")
    center.clock.move(21)
    live.tick()
    live.set_presence(center.users["dan"], "available")
    second = _offer_for(center, "dan")
    assert second["conversation_id"] == conv.id
    with pytest.raises(Conflict) as err:
        live.accept_offer(center.users["ana"], first["id"])
    assert err.value.code == "offer_gone"


def test_two_agents_accepting_a_ring_all_offer_at_once_get_exactly_one_winner(
    center: Center,
) -> None:
    live, op = center.live, center.op
    ring = live.configure_queue(
        op,
        name="Ring",
        client_account_id=center.client_accounts["north"],
        eligibility="agent.skills.support >= 1",
        strategy="ring_all",
    )
    live.create_channel(op, slug="ring", name="Ring", queue_id=ring.id)
    live.set_presence(center.users["ana"], "available")
    live.set_presence(center.users["dan"], "available")
    conv, _ = live.start_chat("ring", name="Rita", email="", text="anyone?")
    offers = {who: _offer_for(center, who)["id"] for who in ("ana", "dan")}
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def accept(who: str) -> None:
        barrier.wait()
        try:
            results[who] = live.accept_offer(center.users[who], offers[who])["id"]
        except Conflict as exc:
            results[who] = exc.code

    threads = [threading.Thread(target=accept, args=(w,)) for w in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results.values())) == sorted([conv.id, "offer_taken"])


def test_bad_input_is_refused_clearly_and_leaks_nothing_across_client_accounts(
    center: Center,
) -> None:
    live = center.live
    with pytest.raises(ValidationFailed) as long:
        live.start_chat("north", name="Long", email="", text="x" * 4001)
    assert long.value.code == "message_too_long"
    with pytest.raises(NotFound):
        live.start_chat("nope", name="A", email="", text="hi")
    conv, _ = live.start_chat("north", name="Ann", email="", text="hi")
    with pytest.raises(NotFound):
        live.conversation_detail(center.users["ben"], conv.id)  # a Bluebird agent
    with pytest.raises(NotFound):
        live.conversation_detail(center.op, "no-such-conversation")
    with pytest.raises(PermissionDenied):
        live.agent_message(center.users["dan"], conv.id, "not mine")
    with pytest.raises(NotFound):
        live.resume_chat("blue", "made-up-token")
    with pytest.raises(ValidationFailed):
        live.set_presence(center.users["ana"], "not_ready", "nap")
    detail = live.conversation_detail(center.op, conv.id)
    assert [m["text"] for m in detail["messages"]] == ["hi"]


def test_a_customer_who_leaves_while_waiting_is_an_abandon_and_the_agent_gets_nothing(
    center: Center,
) -> None:
    live = center.live
    conv, _ = live.start_chat("north", name="Al", email="", text="hi")
    live.customer_leave(conv.id)
    live.set_presence(center.users["ana"], "available")
    assert live.agent_snapshot(center.users["ana"])["offers"] == []
    row = next(
        q
        for q in live.supervisor_snapshot(center.op)["queues"]
        if q["id"] == center.queues["support"]
    )
    assert row["abandoned_today"] == 1 and row["waiting"] == 0


def test_the_supervisor_sees_waiting_chats_and_agent_states(center: Center) -> None:
    live = center.live
    live.start_chat("north", name="Sue", email="", text="hi")
    center.clock.move(5)
    live.set_presence(center.users["dan"], "not_ready", "break")
    snap = live.supervisor_snapshot(center.users["lead"])
    support = next(q for q in snap["queues"] if q["id"] == center.queues["support"])
    assert support["waiting"] == 1 and support["oldest_waiting_since"] is not None
    assert support["agents_not_ready"] == 1
    dan = next(a for a in snap["agents"] if a["id"] == center.users["dan"].user.id)
    assert (dan["presence"], dan["reason"]) == ("not_ready", "break")
    assert all(q["id"] != center.queues["sales"] for q in snap["queues"])  # other client


def test_a_follow_up_is_routed_to_its_author_when_due(center: Center) -> None:
    from datetime import timedelta

    live, ana = center.live, center.users["ana"]
    conv, _ = live.start_chat("north", name="Fay", email="fay@example.com", text="call me")
    live.set_presence(ana, "available")
    live.accept_offer(ana, _offer_for(center, "ana")["id"])
    contact_id = live.conversation_detail(center.op, conv.id)["contact"]["id"]
    due = center.clock.now() + timedelta(minutes=30)
    live.create_follow_up(ana, contact_id, due, "Call back about the meter", conv.id)
    card = live.contact_card(ana, contact_id)
    assert [f["note"] for f in card["follow_ups"]] == ["Call back about the meter"]
    live.end_conversation(ana, conv.id)
    live.wrap_up(ana, conv.id, "resolved")
    center.clock.move(29 * 60)
    live.tick()
    assert live.agent_snapshot(ana)["offers"] == []
    center.clock.move(61)
    live.tick()
    offers = live.agent_snapshot(ana)["offers"]
    assert len(offers) == 1 and offers[0]["channel_kind"] == "task"
    assert offers[0]["contact"]["id"] == contact_id


def test_escalation_goes_to_the_escalation_queue_with_higher_priority(center: Center) -> None:
    live, ana, lead = center.live, center.users["ana"], center.users["lead"]
    conv, _ = live.start_chat("north", name="Eve", email="", text="I want a manager")
    live.set_presence(ana, "available")
    live.accept_offer(ana, _offer_for(center, "ana")["id"])
    live.transfer(ana, conv.id, note="angry customer", escalate=True)
    live.set_presence(lead, "available")
    offer = _offer_for(center, "lead")
    assert offer["queue_id"] == center.queues["escalations"]
    kinds = [e["kind"] for e in live.conversation_detail(center.op, conv.id)["timeline"]]
    assert "escalated" in kinds and "transferred" in kinds
    notes = [m for m in live.conversation_detail(center.op, conv.id)["messages"] if m["internal"]]
    assert notes[0]["text"] == "angry customer"
    assert all(m["text"] != "angry customer" for m in live.customer_view(conv.id)["messages"])


def test_new_chats_are_refused_as_busy_when_too_many_wait_for_their_turn(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    from switchdesk.domain.errors import RateLimited
    from switchdesk.usecases.live import writer

    monkeypatch.setattr(writer, "MAX_WAITING_CUSTOMER_COMMANDS", 0)
    with pytest.raises(RateLimited) as busy:
        center.live.start_chat("north", name="Bo", email="", text="hi")
    assert busy.value.code == "busy"
    # Agents' actions are never refused this way.
    center.live.set_presence(center.users["ana"], "available")


def test_a_supervisor_sees_only_agents_of_their_client_accounts(center: Center) -> None:
    snap = center.live.supervisor_snapshot(center.users["lead"])  # Northwind only
    names = {a["name"] for a in snap["agents"]}
    ben = center.users["ben"].user
    assert ben is not None and ben.display_name not in names
    assert center.users["ana"].user.display_name in names
    everyone = {a["id"] for a in center.live.supervisor_snapshot(center.op)["agents"]}
    assert ben.id in everyone


def test_an_agents_change_resends_the_rows_of_their_queues(center: Center) -> None:
    live = center.live
    live.set_presence(center.users["ana"], "available")
    rows = center.recorder.of_type("supervisor", "queue")
    assert any(r["queue"]["id"] == center.queues["support"] for r in rows)


def test_a_changed_capacity_takes_effect_in_routing_at_once_and_after_a_restart(
    center: Center,
) -> None:
    live, op = center.live, center.op
    convs = [live.start_chat("north", name=f"C{i}", email="", text="hello")[0] for i in range(3)]
    ana = center.users["ana"]
    assert ana.user is not None
    live.set_presence(ana, "available")
    assert len(live.agent_snapshot(ana)["offers"]) == 2  # two chats at a time
    three = {"total": 90, "costs": {"chat": 30}, "maximum": {"chat": 3}}
    live.set_agent_profile(op, ana.user.id, skills={"support": 3}, capacity=three)
    offered = [o["conversation_id"] for o in live.agent_snapshot(ana)["offers"]]
    assert sorted(offered) == sorted(c.id for c in convs)
    again = center.restart()
    restarted, before_restart = again.live.engine_snapshot(), live.engine_snapshot()
    assert list(restarted.pop("agents_away")) == [ana.user.id]  # no desk open yet
    assert len(restarted.pop("contacts_away")) == 3  # no chat page either
    before_restart.pop("agents_away")
    before_restart.pop("contacts_away")
    assert restarted == before_restart
    status = again.live.engine_snapshot()["agents"]
    ana_row = next(a for a in status if a["id"] == ana.user.id)
    assert ana_row["capacity"] == three


def test_the_screen_pop_names_the_client_account(center: Center) -> None:
    live, ana = center.live, center.users["ana"]
    conv, _ = live.start_chat("north", name="Ivy", email="ivy@example.com", text="Hello")
    live.set_presence(ana, "available")
    pushed = center.recorder.of_type(f"agent:{ana.user.id}", "offer")[-1]["offer"]
    for card in (pushed["contact"], _offer_for(center, "ana")["contact"]):
        assert card["client_account"] == center.client_accounts["north"]
        assert card["client_account_name"] == "Northwind"
    assigned = live.accept_offer(ana, pushed["id"])
    assert assigned["contact"]["client_account_name"] == "Northwind"
    contact_id = assigned["contact"]["id"]
    assert live.contact_card(ana, contact_id)["client_account_name"] == "Northwind"
    assert live.conversation_detail(ana, conv.id)["contact"]["client_account_name"] == "Northwind"


def test_a_returning_contact_sees_every_earlier_chat_before_and_after_a_restart(
    center: Center,
) -> None:
    live, ana = center.live, center.users["ana"]
    live.set_presence(ana, "available")
    first, _ = live.start_chat("north", name="Max", email="max@example.com", text="One")
    live.accept_offer(ana, _offer_for(center, "ana")["id"])
    live.customer_message(first.id, "Still there?", client_id="m-1")
    live.end_conversation(ana, first.id)
    live.wrap_up(ana, first.id, "resolved")
    center.clock.move(60)
    second, _ = live.start_chat("north", name="Max", email="max@example.com", text="Two")
    assert second.contact_id == first.contact_id
    card = _offer_for(center, "ana")["contact"]
    assert [h["conversation_id"] for h in card["history"]] == [second.id, first.id]
    assert card["history"][1]["disposition"] == "resolved"

    again = center.restart()  # nothing in memory: everything from the database
    card_after = again.live.contact_card(again.users["ana"], first.contact_id)
    assert card_after["history"] == card["history"]
    texts = [m["text"] for m in again.live.customer_view(first.id)["messages"]]
    assert texts == ["One", "Still there?"]


def test_commands_sent_together_commit_together_and_a_refusal_undoes_none_of_them(
    center: Center,
) -> None:
    live, ana = center.live, center.users["ana"]
    errors: list[Exception] = []
    started: list[str] = []

    def customer(index: int) -> None:
        conv, _ = live.start_chat("north", name=f"C{index}", email="", text="hi")
        started.append(conv.id)

    def bad_accept() -> None:
        try:
            live.accept_offer(ana, "no-such-offer")
        except NotFound as exc:
            errors.append(exc)

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(12)]
    threads += [threading.Thread(target=bad_accept) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 3 and len(started) == 12
    waiting = live.waiting(center.queues["support"])
    assert sorted(waiting) == sorted(started)
    assert center.restart().live.waiting(center.queues["support"]) == waiting


def test_a_client_scoped_manager_lists_only_the_agents_of_their_client_accounts(
    center: Center,
) -> None:
    manager = center.accounts.create_user(
        center.op,
        username="nora",
        password="long enough pw",
        role=Role.OPERATIONS_MANAGER,
        client_account_ids=[center.client_accounts["north"]],
    )
    nora = Principal.of_user(center.accounts.get_user(center.op, manager.id), "session")
    listed = {p.user_id for p in center.live.agent_profiles(nora)}
    expected = {center.users[n].user.id for n in ("ana", "carla", "dan", "lead")}
    assert listed == expected
    everyone = {p.user_id for p in center.live.agent_profiles(center.op)}
    assert center.users["ben"].user.id in everyone - listed


def test_a_changed_reason_list_reaches_every_agents_desk_at_once(center: Center) -> None:
    center.live.set_not_ready_reasons(center.op, [("break", "Short break"), ("meeting", "Meeting")])
    for name in ("ana", "ben", "lead"):
        user = center.users[name].user
        assert user is not None
        frames = center.recorder.of_type(f"agent:{user.id}", "reasons")
        assert frames[-1]["reasons"] == [
            {"code": "break", "label": "Short break"},
            {"code": "meeting", "label": "Meeting"},
        ]
