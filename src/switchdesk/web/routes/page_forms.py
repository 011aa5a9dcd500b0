"""What the admin pages' HTML forms share: reading a posted form, and turning an error of
a use case into a message next to its field (or above the form)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from switchdesk.domain.errors import SwitchdeskError
from switchdesk.web.errors import status_for


@dataclass
class FormState:
    """The values a person typed (shown again as typed) and the errors found in them."""

    values: dict[str, str | list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    """An error that belongs to no one field."""
    status: int = 200

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        return value if isinstance(value, str) else ""

    def many(self, name: str) -> list[str]:
        value = self.values.get(name, [])
        return value if isinstance(value, list) else [value]

    def optional(self, name: str) -> str | None:
        return self.text(name).strip() or None

    def checked(self, name: str) -> bool:
        return self.text(name) in ("on", "true", "1", "yes")

    def fail(self, error: SwitchdeskError, fields: frozenset[str]) -> None:
        """Put ``error`` next to its field when it names one of ``fields``."""
        name = error.extra.get("field")
        if isinstance(name, str) and name in fields:
            self.errors[name] = error.detail
        else:
            self.message = error.detail
        self.status = status_for(error)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.message)


async def read_form(request: Request, *, lists: frozenset[str] = frozenset()) -> FormState:
    """The posted fields (``lists`` name those that may repeat), never the CSRF token."""
    form = await request.form()
    values: dict[str, str | list[str]] = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in lists:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            value = form.get(key)
            values[key] = value if isinstance(value, str) else ""
    return FormState(values)
