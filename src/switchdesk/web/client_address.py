"""The client's address: the peer's, or what a trusted reverse proxy says it forwarded."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection

ADDRESS_MAX = 100

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in proxies)


def forwarded_client(peer: str, forwarded_for: Sequence[str], proxies: Sequence[Network]) -> str:
    """Walk ``X-Forwarded-For`` from the right while each hop is a trusted proxy: the first
    address that is not one is the client. A client's own X-Forwarded-For (sent to a
    proxy, which appends to it) is never believed past the proxies we trust."""
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    address = peer
    while hops and _trusted(address, proxies):
        address = hops.pop()
    return address[:ADDRESS_MAX]


def client_address(conn: HTTPConnection) -> str:
    """Who is calling, for the sign-in limits and the audit log (see docs/sign-in-security.md)."""
    peer = conn.client.host if conn.client else "unknown"
    proxies = conn.app.state.runtime.settings.trusted_proxies
    if not proxies:
        return peer
    return forwarded_client(peer, conn.headers.getlist("x-forwarded-for"), proxies)
