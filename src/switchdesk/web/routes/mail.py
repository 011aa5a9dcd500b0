"""Kept raw mail: inbound mail that failed to parse or that its channel refused."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.mail import UnparsedMail
from switchdesk.usecases.principal import Principal
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1/mail", tags=["mail"])


class UnparsedMailOut(BaseModel):
    id: str
    received_at: datetime
    source: str
    reason: str
    size: int
    sha256: str
    channel_id: str | None
    client_account_id: str | None
    recipients: list[str]
    sender: str
    subject: str

    @classmethod
    def of(cls, m: UnparsedMail) -> UnparsedMailOut:
        return cls(
            id=m.id,
            received_at=m.received_at,
            source=m.source,
            reason=m.reason,
            size=m.size,
            sha256=m.digest,
            channel_id=m.channel_id,
            client_account_id=m.client_account_id,
            recipients=list(m.recipients),
            sender=m.sender,
            subject=m.subject,
        )


@router.get("/unparsed")
def list_unparsed_mail(
    request: Request,
    limit: int = Query(default=100, ge=1, le=1000),
    principal: Principal = require(Permission.MAIL_UNPARSED_READ),
) -> list[UnparsedMailOut]:
    """Newest first; metadata only (the raw message is its own download)."""
    mails = request.app.state.runtime.mail.list(principal, limit)
    return [UnparsedMailOut.of(m) for m in mails]


@router.get(
    "/unparsed/{mail_id}/raw",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}},
)
def download_unparsed_mail(
    mail_id: str,
    request: Request,
    principal: Principal = require(Permission.MAIL_UNPARSED_READ),
) -> Response:
    """The mail exactly as it arrived, as ``message/rfc822``."""
    mail, raw = request.app.state.runtime.mail.raw(principal, mail_id)
    return Response(
        raw,
        media_type="message/rfc822",
        headers={"content-disposition": f'attachment; filename="{mail.id}.eml"'},
    )
