"""The IVR state machine on the sample flow: menus, timeouts and retries, business hours
with a holiday and across a DST change, the account number's checksum and read-back,
routing attributes and language from choices, the transfer allow-list."""

from __future__ import annotations

from datetime import UTC, datetime

from switchdesk.domain.voice.actions import (
    DigitsEntered,
    Gather,
    GatherTimedOut,
    HangUp,
    Record,
    RecordingDone,
    Say,
    Transfer,
)
from switchdesk.domain.voice.checksums import luhn_valid, mod97_valid
from switchdesk.domain.voice.flows import Flow, parse_flow
from switchdesk.domain.voice.hours import parse_hours
from switchdesk.domain.voice.ivr import IvrState, Turn, start, step
from tests.domain.voice.sample_flow import ALLOW_LIST, QUEUES, sample_flow

# Tuesday 1 December 2026, 10:00 in Paris (09:00 UTC): open.
OPEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VALID_ACCOUNT = "79927398713"  # the classic Luhn example


def flow() -> Flow:
    return parse_flow(sample_flow(), queues=QUEUES, allow_list=ALLOW_LIST)


def press(f: Flow, turn: Turn, *digits: str, at: datetime = OPEN) -> Turn:
    for d in digits:
        turn = step(f, turn.state, DigitsEntered(d, at), at)
    return turn


def said(turn: Turn) -> str:
    texts = []
    for action in turn.actions:
        if isinstance(action, Say):
            texts.append(action.text)
        if isinstance(action, Gather):
            texts.extend(p.text for p in action.prompts if isinstance(p, Say))
    return " ".join(texts)


def test_a_call_starts_with_the_language_menu() -> None:
    turn = start(flow(), OPEN)
    (gather,) = turn.actions
    assert isinstance(gather, Gather) and gather.max_digits == 1 and gather.timeout_seconds == 5
    assert "For English press 1" in said(turn)


def test_choices_set_the_language_and_routing_attributes_and_reach_the_queue() -> None:
    f = flow()
    turn = press(f, start(f, OPEN), "2")
    assert "Facturation" in said(turn)  # the main menu in French
    turn = press(f, turn, "2")
    assert turn.outcome is not None
    assert (turn.outcome.kind, turn.outcome.target) == ("queue", "Northwind support")
    assert turn.outcome.language == "fr" and turn.outcome.attributes == {"topic": "support"}


def test_a_wrong_key_asks_again_and_the_retries_end_at_on_fail() -> None:
    f = flow()
    turn = press(f, start(f, OPEN), "7")
    assert "not an option" in said(turn) and turn.outcome is None
    turn = press(f, turn, "8", "9")  # retries: 2 -> the third wrong key goes to on_fail
    assert turn.outcome is not None and turn.outcome.kind == "hangup"
    assert isinstance(turn.actions[-1], HangUp) and "Goodbye" in said(turn)


def test_silence_times_out_and_is_retried() -> None:
    f = flow()
    turn = step(f, start(f, OPEN).state, GatherTimedOut(OPEN), OPEN)
    assert "did not hear" in said(turn) and turn.state.tries == 1
    turn = step(f, turn.state, GatherTimedOut(OPEN), OPEN)
    turn = step(f, turn.state, GatherTimedOut(OPEN), OPEN)
    assert turn.outcome is not None and turn.outcome.kind == "hangup"


def test_the_account_number_is_checked_read_back_and_confirmed() -> None:
    f = flow()
    turn = press(f, start(f, OPEN), "1", "1")
    assert "account number" in said(turn)
    turn = press(f, turn, "79927398710#")  # wrong check digit
    assert "not valid" in said(turn) and turn.outcome is None
    turn = press(f, turn, VALID_ACCOUNT + "#")
    assert "7 9 9 2 7 3 9 8 7 1 3" in said(turn) and "Press 1 to confirm" in said(turn)
    turn = press(f, turn, "2")  # enter it again
    assert "account number" in said(turn)
    turn = press(f, turn, VALID_ACCOUNT + "#", "1")
    assert turn.outcome is not None and turn.outcome.target == "Northwind billing"
    assert turn.outcome.collected == {"account": VALID_ACCOUNT}
    assert turn.outcome.attributes == {"topic": "billing"}


def test_a_holiday_and_the_night_send_callers_to_voicemail() -> None:
    f = flow()
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)  # a Friday, 11:00 in Paris
    night = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    for at in (christmas, night):
        turn = press(f, start(f, at), "1", at=at)
        assert "We are closed" in said(turn) and isinstance(turn.actions[-1], Record)
        done = step(f, turn.state, RecordingDone("https://rec/1", 14, at), at)
        assert done.outcome is not None and done.outcome.kind == "voicemail"
        assert done.outcome.target == "https://rec/1" and isinstance(done.actions[-1], HangUp)


def test_business_hours_follow_the_time_zone_across_daylight_saving() -> None:
    hours = parse_hours(
        {"time_zone": "Europe/Paris", "weekly": {"mon": ["09:00-18:00"]}, "holidays": []}
    )
    # 08:30 UTC is 10:30 in Paris in summer (UTC+2) and 09:30 in winter (UTC+1): open both.
    assert hours.is_open(datetime(2026, 3, 23, 8, 30, tzinfo=UTC))  # Monday before the change
    assert hours.is_open(datetime(2026, 3, 30, 8, 30, tzinfo=UTC))  # Monday after it
    # 07:30 UTC: 08:30 local in winter (closed), 09:30 in summer (open).
    assert not hours.is_open(datetime(2026, 3, 23, 7, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 3, 30, 7, 30, tzinfo=UTC))


def test_a_transfer_goes_only_to_a_number_on_the_allow_list() -> None:
    f = flow()
    turn = press(f, start(f, OPEN), "1", "3")
    assert turn.outcome is not None and turn.outcome.kind == "transfer"
    assert Transfer("+441632960123") in turn.actions
    # A flow that got past the validator with a number later taken off the list: refused.
    shrunk = Flow(f.name, f.start, f.nodes, f.default_language, f.hours, f.messages, frozenset())
    turn = press(shrunk, start(shrunk, OPEN), "1", "3")
    assert turn.outcome is not None and turn.outcome.kind == "hangup"
    assert not any(isinstance(a, Transfer) for a in turn.actions)


def test_the_state_survives_a_round_trip_through_storage() -> None:
    f = flow()
    turn = press(f, start(f, OPEN), "1", "1", VALID_ACCOUNT + "#")
    again = IvrState.from_dict(turn.state.to_dict())
    assert again == turn.state
    assert press(f, Turn(again, ()), "1").outcome == press(f, turn, "1").outcome


def test_checksums_accept_good_numbers_and_refuse_typos() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398731")
    assert mod97_valid("3214282912345698765432161182")  # IBAN digits rearranged
    assert not mod97_valid("3214282912345698765432161183")
