"""Mailbox state on SQL (SQLite and PostgreSQL): IMAP polling positions and the raw mail
that could not become a message. One short transaction per call, outside the live
center's writer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select, update

from switchdesk.adapters.db.live_tables import mailbox_cursors as cursors_t
from switchdesk.adapters.db.live_tables import unparsed_mail as mail_t
from switchdesk.usecases.mail import UnparsedMail


class SqlMailboxCursors:
    """``(uidvalidity, last_uid)`` per channel and mailbox (the IMAP poller's
    ``MailboxCursors``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, channel_id: str, mailbox: str) -> tuple[int, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(cursors_t.c.uidvalidity, cursors_t.c.last_uid).where(
                    cursors_t.c.channel_id == channel_id, cursors_t.c.mailbox == mailbox
                )
            ).first()
        return None if row is None else (int(row.uidvalidity), int(row.last_uid))

    def put(self, channel_id: str, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        where = (cursors_t.c.channel_id == channel_id, cursors_t.c.mailbox == mailbox)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(cursors_t).where(*where).values(uidvalidity=uidvalidity, last_uid=last_uid)
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(cursors_t).values(
                        channel_id=channel_id,
                        mailbox=mailbox,
                        uidvalidity=uidvalidity,
                        last_uid=last_uid,
                    )
                )


_META = [c for c in mail_t.c if c.name != "raw"]


def _mail(r: Any) -> UnparsedMail:
    return UnparsedMail(
        id=r.id,
        received_at=r.received_at,
        source=r.source,
        reason=r.reason,
        size=r.size,
        digest=r.digest,
        channel_id=r.channel_id,
        client_account_id=r.client_account_id,
        recipients=tuple(r.recipients or ()),
        sender=r.sender,
        subject=r.subject,
    )


class SqlUnparsedMailStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, mail: UnparsedMail, raw: bytes) -> UnparsedMail:
        with self.engine.begin() as conn:
            same = conn.execute(
                select(*_META).where(
                    mail_t.c.digest == mail.digest,
                    mail_t.c.channel_id.is_(None)
                    if mail.channel_id is None
                    else mail_t.c.channel_id == mail.channel_id,
                )
            ).first()
            if same is not None:
                return _mail(same)
            conn.execute(
                insert(mail_t).values(
                    id=mail.id,
                    received_at=mail.received_at,
                    source=mail.source,
                    channel_id=mail.channel_id,
                    client_account_id=mail.client_account_id,
                    recipients=list(mail.recipients),
                    sender=mail.sender[:998],
                    subject=mail.subject[:998],
                    reason=mail.reason,
                    size=mail.size,
                    digest=mail.digest,
                    raw=raw,
                )
            )
        return mail

    def newest(self, limit: int) -> list[UnparsedMail]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*_META)
                .order_by(mail_t.c.received_at.desc(), mail_t.c.id.desc())
                .limit(limit)
            ).all()
        return [_mail(r) for r in rows]

    def get(self, mail_id: str) -> UnparsedMail | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_META).where(mail_t.c.id == mail_id)).first()
        return None if row is None else _mail(row)

    def raw(self, mail_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(mail_t.c.raw).where(mail_t.c.id == mail_id)).scalar()
        return None if value is None else bytes(value)
