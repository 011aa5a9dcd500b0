"""Redaction, case by case: what must go and what must stay."""

from __future__ import annotations

import pytest

from switchdesk.adapters.redaction import TextRedactor
from switchdesk.domain.privacy.policy import PiiKind, RedactionPolicy

REDACTOR = TextRedactor()
DEFAULT = RedactionPolicy()
STRICT = RedactionPolicy(
    redact_phones=True,
    redact_emails=True,
    national_ids=("us.ssn", "nl.bsn", "de.idnr"),
    phone_regions=("US", "GB"),
)

# (text, policy, expected text)
CASES = [
    # Valid card numbers (Luhn), in the spacings people type them.
    ("4111111111111111", DEFAULT, "[card ending 1111]"),
    ("my card is 4111 1111 1111 1111.", DEFAULT, "my card is [card ending 1111]."),
    ("4111-1111-1111-1111 please", DEFAULT, "[card ending 1111] please"),
    ("5555 5555 5555 4444", DEFAULT, "[card ending 4444]"),
    ("amex 3782 822463 10005", DEFAULT, "amex [card ending 0005]"),
    ("amex 378282246310005", DEFAULT, "amex [card ending 0005]"),
    ("4111.1111.1111.1111", DEFAULT, "[card ending 1111]"),
    ("6011 0009 9013 9424", DEFAULT, "[card ending 9424]"),
    ("4222222222222", DEFAULT, "[card ending 2222]"),  # 13-digit Visa
    ("card:4111111111111111,thanks", DEFAULT, "card:[card ending 1111],thanks"),
    # Two cards in one message.
    (
        "old 4111 1111 1111 1111 new 5555555555554444",
        DEFAULT,
        "old [card ending 1111] new [card ending 4444]",
    ),
    # Spoken digits in a transcript.
    (
        "it's four one one one one one one one one one one one one one one one",
        DEFAULT,
        "it's [card ending 1111]",
    ),
    (
        "five five five five, five five five five, five five five five, four four four four",
        DEFAULT,
        "[card ending 4444]",
    ),
    (
        "four double one one, one one one one, triple one one, one one one one",
        DEFAULT,
        "[card ending 1111]",
    ),
    # Not card numbers: failed Luhn, too short or long, not a card scheme's first digit.
    ("4111111111111112", DEFAULT, "4111111111111112"),
    ("4111 1111 1111 1112", DEFAULT, "4111 1111 1111 1112"),
    ("order 411111111111", DEFAULT, "order 411111111111"),
    ("ref 41111111111111111111", DEFAULT, "ref 41111111111111111111"),
    ("tracking 1111111111111111", DEFAULT, "tracking 1111111111111111"),
    ("call me at 555 0100 tomorrow", DEFAULT, "call me at 555 0100 tomorrow"),
    ("my order 1234 arrived on 12/27", DEFAULT, "my order 1234 arrived on 12/27"),
    # Lines end a run: two numbers on two lines are not joined into one.
    ("411111\n1111111111", DEFAULT, "411111\n1111111111"),
    # Security codes after a prompt in the same message, and after the card.
    ("cvv 123", DEFAULT, "cvv [security code]"),
    ("the security code is 4321", DEFAULT, "the security code is [security code]"),
    (
        "4111 1111 1111 1111 exp 12/27 cvv: 737",
        DEFAULT,
        "[card ending 1111] exp 12/27 cvv: [security code]",
    ),
    ("4111111111111111 737", DEFAULT, "[card ending 1111] [security code]"),
    ("CVC one two three", DEFAULT, "CVC [security code]"),
    # No prompt, no card: a 3-digit number stays.
    ("room 123 please", DEFAULT, "room 123 please"),
    # IBANs, grouped or compact; a bad check digit stays.
    ("GB82 WEST 1234 5698 7654 32", DEFAULT, "[IBAN]"),
    ("iban DE89370400440532013000, thanks", DEFAULT, "iban [IBAN], thanks"),
    ("GB83 WEST 1234 5698 7654 32", DEFAULT, "GB83 WEST 1234 5698 7654 32"),
    # National ids only where the policy lists the scheme.
    ("ssn 536-90-4399", STRICT, "ssn [national id]"),
    ("ssn 536-90-4399", DEFAULT, "ssn 536-90-4399"),
    ("bsn 111222333", STRICT, "bsn [national id]"),
    ("bsn 111222334", STRICT, "bsn 111222334"),
    ("invoice 536904399", STRICT, "invoice 536904399"),  # bare 9 digits are not an SSN
    # Phones and emails only where the policy says so.
    ("call +1 415 555 2671 or mail ann@example.org", STRICT, "call [phone] or mail [email]"),
    (
        "call +1 415 555 2671 or mail ann@example.org",
        DEFAULT,
        "call +1 415 555 2671 or mail ann@example.org",
    ),
    ("ring 020 7946 0018", STRICT, "ring [phone]"),
    # Text with nothing in it is untouched.
    ("Where is my parcel?", STRICT, "Where is my parcel?"),
    ("", STRICT, ""),
]


@pytest.mark.parametrize(("text", "policy", "expected"), CASES)
def test_redaction_replaces_exactly_what_the_policy_names(
    text: str, policy: RedactionPolicy, expected: str
) -> None:
    assert REDACTOR.redact(text, policy).text == expected


def test_a_security_code_answering_a_prompt_in_the_message_before_is_redacted() -> None:
    prompt = "Thanks. And the 3-digit code on the back of your card?"
    assert REDACTOR.redact("it's 456", DEFAULT, before=prompt).text == "it's [security code]"
    assert REDACTOR.redact("it's 456", DEFAULT, before="How can I help?").text == "it's 456"


def test_a_card_number_split_over_two_messages_is_redacted_in_both() -> None:
    first = REDACTOR.redact("my card is 4111 1111", DEFAULT)
    assert first.text == "my card is 4111 1111"  # on its own, not a card number
    second = REDACTOR.redact("1111 1111", DEFAULT, before=first.text, same_author=True)
    assert second.text == "[card ending 1111]"
    assert second.previous == "my card is [card ending 1111]"
    assert second.kinds == {PiiKind.CARD}


def test_a_spoken_card_number_split_over_two_transcript_turns_is_redacted_in_both() -> None:
    first = "four one one one one one one one"
    second = REDACTOR.redact(
        "one one one one one one one one", DEFAULT, before=first, same_author=True
    )
    assert second.text == "[card ending 1111]"
    assert second.previous == "[card ending 1111]"


def test_two_unrelated_numbers_in_two_messages_are_left_alone() -> None:
    result = REDACTOR.redact("4321 thanks", DEFAULT, before="order 1234 5678", same_author=True)
    assert result.text == "4321 thanks"
    assert result.previous is None
    assert not result.changed


def test_a_message_that_does_not_start_with_the_rest_of_the_number_is_not_joined() -> None:
    result = REDACTOR.redact(
        "and also 1111 1111", DEFAULT, before="card 4111 1111", same_author=True
    )
    assert result.previous is None


def test_each_finding_names_its_kind_and_span_in_the_original() -> None:
    text = "card 4111111111111111 cvv 123"
    result = REDACTOR.redact(text, DEFAULT)
    assert [(f.kind, text[f.start : f.end]) for f in result.findings] == [
        (PiiKind.CARD, "4111111111111111"),
        (PiiKind.CVV, "123"),
    ]


def test_redacting_a_redacted_text_changes_nothing() -> None:
    once = REDACTOR.redact("card 4111 1111 1111 1111 cvv 123 GB82 WEST 1234 5698 7654 32", STRICT)
    assert REDACTOR.redact(once.text, STRICT).text == once.text


def test_a_policy_refuses_a_malformed_scheme_or_region() -> None:
    with pytest.raises(ValueError, match=r"country\.scheme"):
        RedactionPolicy(national_ids=("ssn",))
    with pytest.raises(ValueError, match="two-letter"):
        RedactionPolicy(phone_regions=("usa",))


def test_a_card_number_is_not_joined_across_two_authors() -> None:
    result = REDACTOR.redact("1111 1111", DEFAULT, before="my card is 4111 1111")
    assert result.previous is None
    assert result.text == "1111 1111"
