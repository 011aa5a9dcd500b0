"""Meta webhooks (WhatsApp Cloud API, Messenger, Instagram): the GET subscription
handshake, the ``X-Hub-Signature-256`` check, and reading Graph API error objects."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_API_BASE = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
_PREFIX = "sha256="
_HEX = frozenset("0123456789abcdef")


def meta_signature(raw_body: bytes, secret: str) -> str:
    """The header value Meta sends for ``raw_body`` signed with the App Secret."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_meta_signature(raw_body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """Whether ``header`` (``sha256=<hex>``) is the HMAC-SHA256 of the raw request bytes
    under one of ``secrets`` (the App Secret; two during a rotation). Check before parsing.
    A missing or malformed header, or no usable secret, is ``False``."""
    if not header or not header.startswith(_PREFIX):
        return False
    given = header[len(_PREFIX) :].strip().lower()
    if len(given) != 64 or not set(given) <= _HEX:
        return False
    ok = False
    for secret in secrets:
        if not secret:
            continue
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        # No early exit: every secret is tried, each compare in constant time.
        ok = hmac.compare_digest(expected, given) or ok
    return ok


def answer_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The ``hub.challenge`` to echo (200) when the GET handshake carries our verify token,
    else ``None`` (answer 403)."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token", "")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    challenge = params.get("hub.challenge")
    return challenge if challenge else None


META_TEMPORARY_CODES = frozenset(
    f"meta_{c}" for c in (1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131000, 131016, 131056)
)
"""Graph API codes that mean "try again later" even on an HTTP 400: rate and throughput
limits, temporary service errors, too many messages to one user (131056)."""


def graph_error(status: int, body: Any) -> tuple[str, str]:
    """(detail, code) from a Graph API error answer ``{"error": {"message", "code", ...}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code", status))
        sub = error.get("error_subcode")
        message = str(error.get("message", "")) or f"HTTP {status}"
        details = error.get("error_data", {})
        if isinstance(details, dict) and details.get("details"):
            message = f"{message}: {details['details']}"
        return f"Meta error {code}{f'/{sub}' if sub else ''}: {message}", f"meta_{code}"
    return f"Meta answered HTTP {status}", f"http_{status}"


def api_url(settings: Mapping[str, Any], path: str) -> str:
    base = str(settings.get("api_base_url") or DEFAULT_API_BASE).rstrip("/")
    version = str(settings.get("api_version") or DEFAULT_API_VERSION).strip("/")
    return f"{base}/{version}/{path.lstrip('/')}"
