"""A client account's redaction policy, and what one pass of redaction found.

Payment card numbers, card security codes, IBANs and the national identifiers a policy
lists are always redacted; phone numbers and email addresses only where the policy says
so (a center usually needs them to reach the contact, and they are stored on the contact
anyway). Redaction runs before a text is stored, indexed or logged: the original is
never written anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class PiiKind(StrEnum):
    CARD = "card"
    CVV = "cvv"
    IBAN = "iban"
    NATIONAL_ID = "national_id"
    PHONE = "phone"
    EMAIL = "email"


ALWAYS: frozenset[PiiKind] = frozenset({PiiKind.CARD, PiiKind.CVV, PiiKind.IBAN})
"""Kinds no policy can turn off: PCI DSS forbids storing a card's security code at all
and its full number unprotected; an IBAN in a chat transcript is never needed again."""

_NATIONAL_ID = re.compile(r"^[a-z]{2}\.[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """What to redact for one client account.

    ``national_ids`` names identifier schemes as ``country.scheme`` (``us.ssn``,
    ``nl.bsn``, ``de.idnr``, ...), each checked with its own checksum or format;
    ``phone_regions`` are the ISO 3166 regions in which numbers written without a
    country code are read (the first one is the default region)."""

    redact_phones: bool = False
    redact_emails: bool = False
    national_ids: tuple[str, ...] = ()
    phone_regions: tuple[str, ...] = ("US",)

    def __post_init__(self) -> None:
        for scheme in self.national_ids:
            if not _NATIONAL_ID.match(scheme):
                raise ValueError(f"national id scheme {scheme!r} is not 'country.scheme'")
        for region in self.phone_regions:
            if not re.fullmatch(r"[A-Z]{2}", region):
                raise ValueError(f"phone region {region!r} is not a two-letter ISO code")
        if not self.phone_regions:
            raise ValueError("a policy needs at least one phone region")

    @property
    def kinds(self) -> frozenset[PiiKind]:
        kinds = set(ALWAYS)
        if self.national_ids:
            kinds.add(PiiKind.NATIONAL_ID)
        if self.redact_phones:
            kinds.add(PiiKind.PHONE)
        if self.redact_emails:
            kinds.add(PiiKind.EMAIL)
        return frozenset(kinds)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One span of the original text that was replaced (offsets into the original)."""

    start: int
    end: int
    kind: PiiKind
    replacement: str = field(compare=False)


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted text and what was replaced. ``previous`` is set when this text
    completed a card number begun at the end of the previous message: it is that
    message's text with the beginning redacted too, for the caller to store instead."""

    text: str
    findings: tuple[Finding, ...] = ()
    previous: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.findings) or self.previous is not None

    @property
    def kinds(self) -> frozenset[PiiKind]:
        return frozenset(f.kind for f in self.findings)


def replace_spans(text: str, findings: list[Finding]) -> tuple[str, tuple[Finding, ...]]:
    """Apply non-overlapping findings (earlier and longer ones win an overlap)."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    parts: list[str] = []
    at = 0
    for finding in kept:
        parts.append(text[at : finding.start])
        parts.append(finding.replacement)
        at = finding.end
    parts.append(text[at:])
    return "".join(parts), tuple(kept)


def policy_to_dict(policy: RedactionPolicy) -> dict[str, object]:
    return {
        "redact_phones": policy.redact_phones,
        "redact_emails": policy.redact_emails,
        "national_ids": list(policy.national_ids),
        "phone_regions": list(policy.phone_regions),
    }


def policy_from_dict(data: dict[str, object]) -> RedactionPolicy:
    """The policy stored as :func:`policy_to_dict` wrote it (ValueError when malformed)."""
    ids = data.get("national_ids", [])
    regions = data.get("phone_regions", ["US"])
    if not isinstance(ids, list) or not isinstance(regions, list):
        raise ValueError("national_ids and phone_regions must be lists")
    return RedactionPolicy(
        redact_phones=bool(data.get("redact_phones", False)),
        redact_emails=bool(data.get("redact_emails", False)),
        national_ids=tuple(str(i) for i in ids),
        phone_regions=tuple(str(r) for r in regions),
    )
