"""Log records carry no card numbers, security codes or IBANs: every record's message
is redacted when it is made, whichever logger or handler it goes to (a library that logs
a request body, an error quoting its input)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from switchdesk.adapters.redaction.redactor import TextRedactor
from switchdesk.domain.privacy.policy import RedactionPolicy

RecordFactory = Callable[..., logging.LogRecord]


def install_log_redaction(redactor: TextRedactor | None = None) -> RecordFactory:
    """Wrap the process's log record factory; returns the one it wrapped (to restore)."""
    inner = logging.getLogRecordFactory()
    scrub = redactor or TextRedactor()
    policy = RedactionPolicy()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: logging reports it itself
            return record
        redacted = scrub.redact(message, policy).text
        if redacted != message:
            record.msg, record.args = redacted, None
        return record

    logging.setLogRecordFactory(factory)
    return inner
