"""The redactor: one pass over a text with a client account's policy."""

from __future__ import annotations

from switchdesk.adapters.redaction import cards, identifiers
from switchdesk.domain.privacy.digits import Run, runs
from switchdesk.domain.privacy.policy import (
    Finding,
    PiiKind,
    Redaction,
    RedactionPolicy,
    replace_spans,
)

_TRAILING = " \t\r\n.,;:!?-"


def card_token(last4: str) -> str:
    return f"[card ending {last4}]"


REPLACEMENTS: dict[PiiKind, str] = {
    PiiKind.CVV: "[security code]",
    PiiKind.IBAN: "[IBAN]",
    PiiKind.NATIONAL_ID: "[national id]",
    PiiKind.PHONE: "[phone]",
    PiiKind.EMAIL: "[email]",
}


class TextRedactor:
    """Finds and replaces personal data (implements the usecases' ``Redactor`` port).

    ``before`` is the stored text of the message before this one in the same
    conversation (already redacted): it tells whether this message answers a prompt
    for a security code, and, when ``same_author`` wrote it, lets a card number split
    over the two be caught."""

    def check_policy(self, policy: RedactionPolicy) -> None:
        identifiers.check_schemes(policy.national_ids)

    def redact(
        self,
        text: str,
        policy: RedactionPolicy,
        *,
        before: str | None = None,
        same_author: bool = False,
    ) -> Redaction:
        if not text:
            return Redaction(text)
        findings: list[Finding] = []
        rewritten_previous: str | None = None
        all_runs = runs(text)

        if before and same_author:
            split = self._split_card(before, text, all_runs)
            if split is not None:
                rewritten_previous, finding = split
                findings.append(finding)

        leftover_codes: list[tuple[int, int]] = []
        for run in all_runs:
            spans, leftover = cards.find_cards(run)
            for span in spans:
                findings.append(Finding(span.start, span.end, PiiKind.CARD, card_token(span.last4)))
            if spans:
                # Digits right after a card number in the same run: its code (or expiry).
                after = [g for g in leftover if g.start > spans[0].start]
                if after and len("".join(g.digits for g in after)) in (3, 4):
                    leftover_codes.append((after[0].start, after[-1].end))

        prompted = before is not None and cards.has_prompt(before)
        for run in cards.code_runs(text, all_runs, prompted):
            leftover_codes.append((run.start, run.end))
        for start, end in leftover_codes:
            findings.append(Finding(start, end, PiiKind.CVV, REPLACEMENTS[PiiKind.CVV]))

        for start, end in identifiers.ibans(text):
            findings.append(Finding(start, end, PiiKind.IBAN, REPLACEMENTS[PiiKind.IBAN]))
        if policy.national_ids:
            for start, end in identifiers.national_ids(text, policy.national_ids):
                findings.append(
                    Finding(start, end, PiiKind.NATIONAL_ID, REPLACEMENTS[PiiKind.NATIONAL_ID])
                )
        if policy.redact_phones:
            for start, end in identifiers.phones(text, policy.phone_regions):
                findings.append(Finding(start, end, PiiKind.PHONE, REPLACEMENTS[PiiKind.PHONE]))
        if policy.redact_emails:
            for start, end in identifiers.emails(text):
                findings.append(Finding(start, end, PiiKind.EMAIL, REPLACEMENTS[PiiKind.EMAIL]))

        redacted, kept = replace_spans(text, findings)
        return Redaction(redacted, kept, rewritten_previous)

    @staticmethod
    def _split_card(
        previous: str, text: str, current_runs: list[Run]
    ) -> tuple[str, Finding] | None:
        tail = previous.rstrip(_TRAILING)
        if not tail or not current_runs or text[: current_runs[0].start].strip():
            return None
        previous_runs = runs(tail)
        if not previous_runs or previous_runs[-1].end != len(tail):
            return None
        last, first = previous_runs[-1], current_runs[0]
        if cards.find_cards(last)[0] or cards.find_cards(first)[0]:
            return None
        split = cards.split_card(last, first)
        if split is None:
            return None
        back, ahead, last4 = split
        begin = last.groups[-back].start
        rewritten = previous[:begin] + card_token(last4) + previous[len(tail) :]
        end = first.groups[ahead - 1].end
        return rewritten, Finding(first.start, end, PiiKind.CARD, card_token(last4))
