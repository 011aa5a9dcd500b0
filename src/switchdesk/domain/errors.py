"""The one error tree of switchdesk.

Every error carries a stable, dotted ``code`` that clients can rely on. Mapping codes to
HTTP statuses happens in exactly one place: ``switchdesk.web.errors``.
"""

from __future__ import annotations

from typing import Any


class SwitchdeskError(Exception):
    """Base of every error switchdesk raises on purpose."""

    code: str = "internal"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra: dict[str, Any] = extra


class ValidationFailed(SwitchdeskError):
    """Input does not meet the rules (a value out of range, a bad expression...)."""

    code = "validation_failed"


class ConfigurationError(ValidationFailed):
    """A configuration item (queue, workflow, expression) is not valid."""

    code = "configuration_invalid"


class NotFound(SwitchdeskError):
    """The thing asked for does not exist, or the caller may not know it exists."""

    code = "not_found"


class Conflict(SwitchdeskError):
    """The request collides with the current state (duplicate name, offer taken...)."""

    code = "conflict"


class AuthenticationFailed(SwitchdeskError):
    """Credentials are missing or wrong. Never says which."""

    code = "authentication_failed"


class PermissionDenied(SwitchdeskError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class RateLimited(SwitchdeskError):
    """Too many attempts; try again later."""

    code = "rate_limited"
