"""Mail that could not become a message: kept raw, never lost, shown to admins.

An inbound mail that fails to parse, or whose channel refuses it, is stored with its raw
bytes, the reason and the time (:class:`UnparsedMailStore`); :class:`UnparsedMailArchive`
lists it and hands the raw message out to people holding ``mail.unparsed.read``, scoped to
the channel's client account when the channel is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import NotFound
from switchdesk.usecases.principal import Principal


@dataclass(frozen=True, slots=True)
class UnparsedMail:
    """The metadata of one kept mail (its raw bytes are fetched separately)."""

    id: str
    received_at: datetime
    source: str
    """``smtp`` or ``imap``."""
    reason: str
    size: int
    digest: str
    """SHA-256 of the raw bytes: the same mail kept twice for a channel is kept once."""
    channel_id: str | None = None
    client_account_id: str | None = None
    recipients: tuple[str, ...] = field(default_factory=tuple)
    sender: str = ""
    subject: str = ""


class UnparsedMailStore(Protocol):
    def add(self, mail: UnparsedMail, raw: bytes) -> UnparsedMail:
        """Keep ``mail``; if the same raw mail is already kept for the same channel, return
        that one instead (a retried SMTP transaction or a re-fetched IMAP message)."""
        ...

    def newest(self, limit: int) -> list[UnparsedMail]: ...

    def get(self, mail_id: str) -> UnparsedMail | None: ...

    def raw(self, mail_id: str) -> bytes | None: ...


class UnparsedMailArchive:
    """The admins' view of the kept mail."""

    def __init__(self, store: UnparsedMailStore) -> None:
        self.store = store

    def list(self, actor: Principal, limit: int = 100) -> list[UnparsedMail]:
        actor.require(Permission.MAIL_UNPARSED_READ)
        return [
            m
            for m in self.store.newest(max(1, min(limit, 1000)))
            if actor.sees_client_account(m.client_account_id)
        ]

    def raw(self, actor: Principal, mail_id: str) -> tuple[UnparsedMail, bytes]:
        actor.require(Permission.MAIL_UNPARSED_READ)
        mail = self.store.get(mail_id)
        raw = self.store.raw(mail_id) if mail is not None else None
        if mail is None or raw is None or not actor.sees_client_account(mail.client_account_id):
            raise NotFound(f"kept mail {mail_id!r} not found", code="unparsed_mail_not_found")
        return mail, raw
