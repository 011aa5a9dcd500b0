"""The staff pages' navigation: one entry per page, shown to those whose permission allows it.

A new page is one more :class:`NavLink` in :data:`NAVIGATION`. The shared layout
(``templates/base.html``) gets a :class:`Layout` through :func:`layout_context`, a Jinja
context processor; pages anyone may open (sign-in, the customers' chat) get none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    url: str
    permission: Permission

    @property
    def id(self) -> str:
        """The link's element id: ``nav-`` and the last part of its path (``nav-home``)."""
        tail = self.url.rstrip("/").rsplit("/", 1)[-1]
        return f"nav-{tail or 'home'}"


NAVIGATION: tuple[NavLink, ...] = (
    NavLink("Home", "/", Permission.SELF_READ),
    NavLink("Desk", "/desk", Permission.CONVERSATIONS_HANDLE),
    NavLink("Inbox", "/inbox", Permission.CONTACTS_READ),
    NavLink("Live view", "/supervisor", Permission.TEAM_MONITOR),
    NavLink("Admin", "/admin/center", Permission.ROUTING_CONFIGURE),
    NavLink("Voice flows", "/admin/voice-flows", Permission.ROUTING_CONFIGURE),
    NavLink("People", "/admin/people", Permission.USERS_READ),
    NavLink("Organisation", "/admin/organisation", Permission.ORG_READ),
    NavLink("Sign-in security", "/admin/sign-in", Permission.USERS_MANAGE),
    NavLink("Tokens", "/admin/tokens", Permission.TOKENS_MANAGE),
    NavLink("Audit log", "/admin/audit", Permission.AUDIT_READ),
    NavLink("API", "/api/docs", Permission.SELF_READ),
)
"""Every staff page in the navigation, in the order shown."""

PRESENCE_LABELS = {"available": "Available", "not_ready": "Not ready", "offline": "Offline"}


@dataclass(frozen=True, slots=True)
class Layout:
    """What the shared header shows to the signed-in person."""

    display_name: str
    role: str
    csrf_token: str
    links: tuple[NavLink, ...]
    current: str
    """The url of the link for this page ("" when none matches)."""
    presence: str | None = None
    """The agent's presence label (with the not-ready reason); None for non-agents."""


def links_for(principal: Principal) -> tuple[NavLink, ...]:
    return tuple(link for link in NAVIGATION if principal.can(link.permission))


def current_link(links: tuple[NavLink, ...], path: str) -> str:
    """The link this path belongs to: the longest url that is the path or a parent of it."""
    best = ""
    for link in links:
        url = link.url
        if (path == url or path.startswith(url.rstrip("/") + "/")) and len(url) > len(best):
            best = url
    return best


def _presence(request: Request, principal: Principal) -> str | None:
    if principal.user is None or not principal.can(Permission.CONVERSATIONS_HANDLE):
        return None
    live = request.app.state.runtime.live
    found: tuple[str, str | None] | None = live.presence_of(principal.user.id)
    if found is None:
        return None
    presence, reason = found
    label = PRESENCE_LABELS.get(presence, presence)
    if presence == "not_ready" and reason:
        labels = {r.code: r.label for r in live.reasons()}
        label = f"{label}: {labels.get(reason, reason)}"
    return label


def layout_for(request: Request) -> Layout | None:
    """The header of a signed-in person's page; None when nobody is signed in (the page
    did not resolve a principal, as public pages do not)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.user is None or principal.via != "session":
        return None
    links = links_for(principal)
    return Layout(
        display_name=principal.user.display_name,
        role=principal.user.role.value,
        csrf_token=principal.csrf_token or "",
        links=links,
        current=current_link(links, request.url.path),
        presence=_presence(request, principal),
    )


def layout_context(request: Request) -> dict[str, Any]:
    """Jinja context processor: ``layout`` for ``base.html``."""
    return {"layout": layout_for(request)}
