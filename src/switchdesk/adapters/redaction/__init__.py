"""Redaction of personal data before it is stored, indexed or logged (see
:mod:`switchdesk.domain.privacy.policy`)."""

from switchdesk.adapters.redaction.redactor import TextRedactor

__all__ = ["TextRedactor"]
