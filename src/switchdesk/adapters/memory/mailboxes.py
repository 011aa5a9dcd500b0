"""The kept raw mail in memory (tests); the IMAP cursors' in-memory twin lives next to the
poller (``InMemoryMailboxCursors``)."""

from __future__ import annotations

from switchdesk.usecases.mail import UnparsedMail


class MemoryUnparsedMailStore:
    def __init__(self) -> None:
        self.mails: dict[str, tuple[UnparsedMail, bytes]] = {}

    def add(self, mail: UnparsedMail, raw: bytes) -> UnparsedMail:
        for kept, _ in self.mails.values():
            if kept.digest == mail.digest and kept.channel_id == mail.channel_id:
                return kept
        self.mails[mail.id] = (mail, raw)
        return mail

    def newest(self, limit: int) -> list[UnparsedMail]:
        ordered = sorted(
            (m for m, _ in self.mails.values()), key=lambda m: (m.received_at, m.id), reverse=True
        )
        return ordered[:limit]

    def get(self, mail_id: str) -> UnparsedMail | None:
        kept = self.mails.get(mail_id)
        return None if kept is None else kept[0]

    def raw(self, mail_id: str) -> bytes | None:
        kept = self.mails.get(mail_id)
        return None if kept is None else kept[1]
