"""Who is asking: a signed-in user (browser session or API token) or the local operator."""

from __future__ import annotations

from dataclasses import dataclass

from switchdesk.domain.accounts.model import User
from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    """How the audit log names this actor, e.g. ``user:ana`` or ``cli:root``."""
    user: User | None = None
    via: str = "session"
    """``session``, ``token`` or ``cli``."""
    csrf_token: str | None = None

    @classmethod
    def of_user(cls, user: User, via: str, csrf_token: str | None = None) -> Principal:
        return cls(name=f"user:{user.username}", user=user, via=via, csrf_token=csrf_token)

    @classmethod
    def operator(cls, name: str) -> Principal:
        """The person at the server's console: trusted with everything."""
        return cls(name=f"cli:{name}", user=None, via="cli")

    def can(self, permission: Permission) -> bool:
        return self.user is None or self.user.can(permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"this needs the permission {permission.value!r}",
                permission=permission.value,
            )

    def sees_client_account(self, client_account_id: str | None) -> bool:
        return self.user is None or self.user.sees_client_account(client_account_id)
