"""Attachments of messages, downloaded by people who may see their conversation."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.conversations.attachments import served_type
from switchdesk.usecases.principal import Principal
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])

_UNSAFE = re.compile(r"[^A-Za-z0-9 !#$%&\'()+,\-.;=@\[\]^_`{}~]")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name (RFC 6266) and the real name in
    ``filename*`` (UTF-8, RFC 5987)."""
    ascii_name = "".join(
        unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "_"
        for ch in filename
    )  # "März €" -> "Marz _"
    ascii_name = _UNSAFE.sub("_", ascii_name).strip(" .") or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download_attachment(
    attachment_id: str,
    request: Request,
    principal: Principal = require(Permission.CONTACTS_READ),
) -> Response:
    """The attachment's bytes, always as a download: ``Content-Disposition: attachment``,
    ``nosniff``, a sandboxing CSP, and active content (HTML, SVG, scripts) as
    ``application/octet-stream``. 404 for anyone who may not see its conversation."""
    live = request.app.state.runtime.live
    attachment, data = await run_in_threadpool(live.attachment_download, principal, attachment_id)
    return Response(
        data,
        media_type=served_type(attachment.content_type),
        headers={
            "content-disposition": content_disposition(attachment.filename),
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox; default-src 'none'",
            "cache-control": "private, no-store",
        },
    )
