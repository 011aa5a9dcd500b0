"""The rules that say when two contacts are the same person (contact_matching.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchdesk.domain.conversations.contact_matching import (
    PHONE_IN_MESSAGE,
    SAME_EMAIL,
    SAME_PHONE,
    check_merge,
    duplicate_reasons,
    linked_identities,
    lookups,
    merged_consent,
    merged_identities,
    numbers_in_text,
    phone_number,
    pick_unique,
)
from switchdesk.domain.conversations.model import Contact, Identity, IdentityKind
from switchdesk.domain.conversations.reachability import ConsentRecord
from switchdesk.domain.errors import Conflict, ValidationFailed

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WA = Identity(IdentityKind.WHATSAPP, "16505551234")
SMS = Identity(IdentityKind.PHONE, "+16505551234")


def contact(cid: str, *identities: Identity, account: str = "north", name: str = "Ana") -> Contact:
    return Contact(cid, account, name, AT, identities)


def test_a_whatsapp_id_and_an_sms_number_with_the_same_digits_name_one_phone() -> None:
    assert phone_number(WA) == phone_number(SMS) == "+16505551234"
    assert linked_identities(WA) == (SMS,)
    assert linked_identities(SMS) == (WA,)


@pytest.mark.parametrize(
    "identity",
    [
        Identity(IdentityKind.PHONE, "6505551234"),  # national: no certain country
        Identity(IdentityKind.PHONE, "+1650555"),  # too short
        Identity(IdentityKind.PHONE, "+1234567890123456"),  # more than 15 digits
        Identity(IdentityKind.WHATSAPP, "0650555123"),  # no country code
        Identity(IdentityKind.WHATSAPP, "1650-555-1234"),
        Identity(IdentityKind.WHATSAPP, "١٦٥٠٥٥٥١٢٣٤"),  # non-ASCII digits
        Identity(IdentityKind.EMAIL, "16505551234"),
    ],
)
def test_values_that_name_no_certain_international_number_are_never_linked(
    identity: Identity,
) -> None:
    assert phone_number(identity) is None
    assert linked_identities(identity) == ()


def test_the_same_phone_on_two_channels_is_a_duplicate() -> None:
    assert duplicate_reasons(contact("a", WA), contact("b", SMS)) == (SAME_PHONE,)


def test_the_same_email_in_other_capitals_is_a_duplicate() -> None:
    a = contact("a", Identity(IdentityKind.EMAIL, "Ana@Example.com"))
    b = contact("b", Identity(IdentityKind.EMAIL, "ana@example.com"))
    assert duplicate_reasons(a, b) == (SAME_EMAIL,)
    assert lookups(a) == (Identity(IdentityKind.EMAIL, "ana@example.com"),)


def test_the_same_name_and_email_domain_is_not_enough() -> None:
    a = contact("a", Identity(IdentityKind.EMAIL, "ana@example.com"), name="Ana Silva")
    b = contact("b", Identity(IdentityKind.EMAIL, "asilva@example.com"), name="Ana Silva")
    assert duplicate_reasons(a, b) == ()


def test_contacts_of_other_client_accounts_are_never_duplicates() -> None:
    assert duplicate_reasons(contact("a", WA), contact("b", SMS, account="blue")) == ()


def test_a_contact_merged_already_is_no_duplicate() -> None:
    gone = Contact("b", "north", "Ana", AT, (SMS,), merged_into="c")
    assert duplicate_reasons(contact("a", WA), gone) == ()


def test_a_merge_across_client_accounts_is_refused_with_a_stable_code() -> None:
    with pytest.raises(Conflict) as err:
        check_merge(contact("a", WA), contact("b", SMS, account="blue"))
    assert err.value.code == "merge_other_client_account"


def test_a_contact_cannot_be_merged_into_itself_or_twice() -> None:
    with pytest.raises(ValidationFailed) as same:
        check_merge(contact("a"), contact("a"))
    assert same.value.code == "merge_same_contact"
    with pytest.raises(Conflict) as twice:
        check_merge(contact("a"), Contact("b", "north", "Ana", AT, merged_into="c"))
    assert twice.value.code == "contact_merged"


def test_merged_identities_keep_the_survivors_first_and_add_the_others() -> None:
    email = Identity(IdentityKind.EMAIL, "ana@example.com")
    assert merged_identities(contact("a", email), contact("b", WA, email)) == (email, WA)


def test_an_opt_out_on_either_contact_survives_a_merge() -> None:
    out = ConsentRecord("b", "sms", False, "STOP", AT)
    later_in = ConsentRecord("a", "sms", True, "START", AT + timedelta(hours=1))
    kept = merged_consent("a", later_in, out)
    assert kept is not None and not kept.opted_in and kept.contact_id == "a"


def test_between_two_opt_ins_the_newer_is_kept() -> None:
    old = ConsentRecord("a", "sms", True, "START", AT)
    new = ConsentRecord("b", "sms", True, "UNSTOP", AT + timedelta(hours=1))
    kept = merged_consent("a", old, new)
    assert kept == ConsentRecord("a", "sms", True, "UNSTOP", new.changed_at)
    assert merged_consent("a", None, None) is None


def test_an_ambiguous_match_is_never_linked() -> None:
    assert pick_unique([contact("a"), contact("b")]) is None
    assert pick_unique([contact("a"), contact("a")]) == contact("a")
    assert pick_unique([]) is None


def test_numbers_written_in_international_form_are_found() -> None:
    text = "Call me on +1 (650) 555-1234 or +44 20 7946 0958; not 650 555 1234 or +12."
    assert numbers_in_text(text) == {"+16505551234", "+442079460958"}
    assert numbers_in_text("order 12345678, ref+1234567890x") == frozenset()


def test_a_number_the_contact_wrote_suggests_the_contact_with_that_phone() -> None:
    mail = contact("a", Identity(IdentityKind.EMAIL, "ana@example.com"))
    written = numbers_in_text("my WhatsApp is +1 650 555 1234")
    assert WA in lookups(mail, written)
    assert duplicate_reasons(mail, contact("b", WA), written) == (PHONE_IN_MESSAGE,)
    assert duplicate_reasons(mail, contact("b", WA)) == ()
