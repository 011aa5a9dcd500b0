"""The redaction port: personal data is removed from a text before it is stored."""

from __future__ import annotations

from typing import Protocol

from switchdesk.domain.privacy.policy import Redaction, RedactionPolicy


class Redactor(Protocol):
    def redact(
        self,
        text: str,
        policy: RedactionPolicy,
        *,
        before: str | None = None,
        same_author: bool = False,
    ) -> Redaction:
        """``text`` with what ``policy`` names replaced. ``before`` is the stored text of
        the message just before it in the same conversation: a prompt for a security
        code there makes a bare code here one, and when ``same_author`` wrote it, a card
        number begun at its end and finished here is redacted in both (the rewritten
        earlier text comes back in :attr:`Redaction.previous`)."""
        ...
