"""The HTTP call the channel senders share: provider answers to ``DeliveryFailed``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from switchdesk.domain.conversations.channels import DeliveryFailed

ErrorReader = Callable[[int, Any], tuple[str, str]]
"""(HTTP status, decoded body or None) -> (detail, code) for a refused request."""

TEMPORARY_STATUSES = frozenset({408, 425, 429})


def post(
    client: httpx.Client,
    url: str,
    *,
    read_error: ErrorReader,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    temporary_codes: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """POST and return the decoded JSON answer. Timeouts, connection errors, 5xx, rate
    limiting (429, or a 4xx whose provider code is in ``temporary_codes``) raise a
    temporary ``DeliveryFailed``; other 4xx a permanent one."""
    try:
        response = client.post(
            url,
            headers=headers,
            json=json,
            data=data,
            auth=httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT,
        )
    except httpx.TimeoutException as exc:
        raise DeliveryFailed(f"provider timed out: {exc}", permanent=False, code="timeout") from exc
    except httpx.HTTPError as exc:
        raise DeliveryFailed(
            f"provider unreachable: {exc}", permanent=False, code="unreachable"
        ) from exc
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if status >= 400:
        detail, code = read_error(status, body)
        temporary = status >= 500 or status in TEMPORARY_STATUSES or code in temporary_codes
        raise DeliveryFailed(detail, permanent=not temporary, code=code)
    if not isinstance(body, dict):
        raise DeliveryFailed(
            f"provider answered {status} without a JSON object", permanent=False, code="bad_answer"
        )
    return body
