"""When two contacts are the same person: the rules for suggesting duplicates, for linking
a new channel's sender to a known contact automatically, and for merging two contacts.
Pure values and rules (docs/channels.md, "Contacts across channels").

- **Same phone number.** A WhatsApp ``wa_id`` is the sender's number in international form
  without the ``+`` (``16505551234``); an SMS sender is an E.164 number (``+16505551234``).
  Both name one phone number when their digits are equal. This is certain (the providers
  give the full international number), so it is the one rule used for **automatic
  linking**: when the first message on the second channel arrives, its sender becomes an
  identity of the contact who has the other form, in the same client account.
- **Same email address**, compared without case (``Ana@Example.com`` and
  ``ana@example.com``): suggested as a duplicate, never linked automatically (a case
  difference is usually the same mailbox, but not always).
- **A phone number the contact wrote** in one of their own messages, in international
  form (``+1 650 555 1234``: a ``+``, then 8 to 15 digits, spaces, dots, dashes and
  brackets allowed), that is another contact's WhatsApp or SMS number: suggested on the
  card of the contact who wrote it (a person may give a friend's number, so never linked
  automatically).
- **Names count for nothing on their own**: the same name, even with an email address at
  the same domain, is only a coincidence in a large client account. Names are never a
  reason.
- Only contacts of the **same client account** are ever compared, suggested or merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from switchdesk.domain.conversations.model import Contact, Identity, IdentityKind
from switchdesk.domain.conversations.reachability import ConsentRecord
from switchdesk.domain.errors import Conflict, ValidationFailed

PHONE_DIGITS_MIN = 8
PHONE_DIGITS_MAX = 15
"""E.164 numbers have at most 15 digits, country code included."""

SAME_PHONE = "same_phone"
SAME_EMAIL = "same_email"
PHONE_IN_MESSAGE = "phone_in_message"
REASON_TEXT = {
    SAME_PHONE: "the same phone number on WhatsApp and SMS",
    SAME_EMAIL: "the same email address (written with other capitals)",
    PHONE_IN_MESSAGE: "this contact wrote the other's phone number in a message",
}
_WRITTEN_NUMBER = re.compile(r"(?<![\w+])\+\d[\d .()\-]{6,24}\d(?!\w)", re.ASCII)


def phone_number(identity: Identity) -> str | None:
    """The E.164 number an identity names (``+`` and digits), None when it names none.

    A WhatsApp id is digits only (a leading ``+`` is tolerated); an SMS sender must be in
    E.164 form with its ``+`` (a national number without country code names no certain
    international number and is never matched)."""
    value = identity.value.strip()
    if identity.kind is IdentityKind.WHATSAPP:
        digits = value.removeprefix("+")
    elif identity.kind is IdentityKind.PHONE:
        if not value.startswith("+"):
            return None
        digits = value[1:]
    else:
        return None
    if not digits.isascii() or not digits.isdigit():
        return None
    if not PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX or digits.startswith("0"):
        return None
    return "+" + digits


def numbers_in_text(text: str) -> frozenset[str]:
    """The international phone numbers written in ``text`` (E.164 form, ``+`` digits)."""
    found = set()
    for match in _WRITTEN_NUMBER.finditer(text):
        digits = "".join(c for c in match.group() if c.isdigit())
        if PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX and not digits.startswith("0"):
            found.add("+" + digits)
    return frozenset(found)


def linked_identities(identity: Identity) -> tuple[Identity, ...]:
    """The identities that certainly name the same person as ``identity`` on another
    channel (the automatic linking rule): a WhatsApp id's SMS number and back."""
    number = phone_number(identity)
    if number is None:
        return ()
    if identity.kind is IdentityKind.WHATSAPP:
        return (Identity(IdentityKind.PHONE, number),)
    return (Identity(IdentityKind.WHATSAPP, number[1:]),)


def email_key(identity: Identity) -> str | None:
    if identity.kind is not IdentityKind.EMAIL:
        return None
    value = identity.value.strip().lower()
    return value if "@" in value else None


def duplicate_reasons(
    contact: Contact, other: Contact, written: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Why ``other`` is likely the same person as ``contact`` (empty: no reason);
    ``written`` holds the numbers ``contact`` wrote in their messages (``numbers_in_text``).

    Contacts of different client accounts, a contact and itself, and a contact merged
    already are never duplicates."""
    if (
        contact.id == other.id
        or contact.client_account_id != other.client_account_id
        or contact.merged_into
        or other.merged_into
    ):
        return ()
    reasons: list[str] = []
    phones = {p for i in contact.identities if (p := phone_number(i))}
    theirs = {p for i in other.identities if (p := phone_number(i))}
    if phones & theirs:
        reasons.append(SAME_PHONE)
    emails = {e for i in contact.identities if (e := email_key(i))}
    if emails & {e for i in other.identities if (e := email_key(i))}:
        reasons.append(SAME_EMAIL)
    if (written - phones) & theirs:
        reasons.append(PHONE_IN_MESSAGE)
    return tuple(reasons)


def lookups(contact: Contact, written: frozenset[str] = frozenset()) -> tuple[Identity, ...]:
    """The identities under which a duplicate of ``contact`` would be stored: the other
    form of each phone number, each email address in lower case, and the WhatsApp and
    SMS forms of each number the contact wrote."""
    found: list[Identity] = []
    for number in sorted(written):
        found += [Identity(IdentityKind.PHONE, number), Identity(IdentityKind.WHATSAPP, number[1:])]
    for identity in contact.identities:
        found.extend(linked_identities(identity))
        key = email_key(identity)
        if key is not None and key != identity.value:
            found.append(Identity(IdentityKind.EMAIL, key))
    return tuple(dict.fromkeys(i for i in found if i not in contact.identities))


def check_merge(survivor: Contact, absorbed: Contact) -> None:
    """Raise unless ``absorbed`` may be folded into ``survivor``."""
    if survivor.id == absorbed.id:
        raise ValidationFailed("a contact cannot be merged into itself", code="merge_same_contact")
    if survivor.client_account_id != absorbed.client_account_id:
        raise Conflict(
            "only contacts of the same client account can be merged",
            code="merge_other_client_account",
        )
    for contact in (survivor, absorbed):
        if contact.merged_into:
            raise Conflict(
                f"contact {contact.id!r} was merged into {contact.merged_into!r} already",
                code="contact_merged",
                merged_into=contact.merged_into,
            )


def merged_identities(survivor: Contact, absorbed: Contact) -> tuple[Identity, ...]:
    """The survivor's identities first, then the absorbed contact's it lacks."""
    return tuple(dict.fromkeys((*survivor.identities, *absorbed.identities)))


def merged_consent(
    survivor_id: str, mine: ConsentRecord | None, theirs: ConsentRecord | None
) -> ConsentRecord | None:
    """The survivor's consent on one channel after a merge: an opt-out on either contact
    wins (we never send to someone who said STOP because a duplicate did not); between
    two records of the same state the newer one is kept."""
    records = [r for r in (mine, theirs) if r is not None]
    if not records:
        return None
    opted_out = [r for r in records if not r.opted_in]
    pool = opted_out or records
    newest = max(pool, key=lambda r: r.changed_at)
    return ConsentRecord(
        survivor_id, newest.channel_id, newest.opted_in, newest.keyword, newest.changed_at
    )


def pick_unique(candidates: Iterable[Contact]) -> Contact | None:
    """The one contact the candidates name (None when none, or more than one: an
    ambiguous match is never linked automatically)."""
    unique = {c.id: c for c in candidates if not c.merged_into}
    return next(iter(unique.values())) if len(unique) == 1 else None
