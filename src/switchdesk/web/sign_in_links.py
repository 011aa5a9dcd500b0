"""The address of a password reset link, from the public URL (or the request's host)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from switchdesk.usecases.accounts import IssuedReset
from switchdesk.web.schemas import ResetLinkOut

RESET_PATH = "/password-reset"


def reset_url(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}{RESET_PATH}?token={quote(secret, safe='')}"


def reset_link_out(request: Request, issued: IssuedReset) -> ResetLinkOut:
    base = request.app.state.runtime.settings.public_url or str(request.base_url)
    return ResetLinkOut(
        user_id=issued.user.id,
        username=issued.user.username,
        url=reset_url(base, issued.secret),
        expires_at=issued.expires_at,
    )
