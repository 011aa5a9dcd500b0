"""Inbound email by polling one IMAP mailbox (stdlib ``imaplib``; blocking, so the caller
runs :meth:`ImapPoller.poll` in a thread).

State is ``(uidvalidity, last_uid)`` per channel and mailbox, kept through
:class:`MailboxCursors`, never a date window. Messages are fetched with ``BODY.PEEK[]`` on
a read-only ``EXAMINE`` so ``\\Seen`` is never set; each batch is capped; the cursor moves
after each accepted message, so a crash re-fetches at most the message being stored (the
core dedupes by Message-ID). A changed UIDVALIDITY restarts from the mailbox's start.
Failures raise :class:`ImapPollError` with a message meant for the UI.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from switchdesk.usecases.channel_ports import ChannelEndpoint

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100


class ImapPollError(Exception):
    """Polling failed; ``str(error)`` says why in words an operator can act on.

    ``temporary`` is true for network trouble and server hiccups (the next poll may work),
    false for configuration errors (bad credentials, a missing mailbox)."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.message = message
        self.temporary = temporary


class MailboxCursors(Protocol):
    """Where each mailbox's polling position is kept."""

    def get(self, channel_id: str, mailbox: str) -> tuple[int, int] | None:
        """``(uidvalidity, last_uid)``, or ``None`` when the mailbox was never polled."""
        ...

    def put(self, channel_id: str, mailbox: str, uidvalidity: int, last_uid: int) -> None: ...


class InMemoryMailboxCursors:
    """:class:`MailboxCursors` in a dict (tests, single-process demos)."""

    def __init__(self) -> None:
        self.positions: dict[tuple[str, str], tuple[int, int]] = {}

    def get(self, channel_id: str, mailbox: str) -> tuple[int, int] | None:
        return self.positions.get((channel_id, mailbox))

    def put(self, channel_id: str, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        self.positions[(channel_id, mailbox)] = (uidvalidity, last_uid)


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one :meth:`ImapPoller.poll` did: ``more`` means the batch cap was hit."""

    accepted: int
    uidvalidity: int
    last_uid: int
    more: bool
    restarted: bool = False


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _text(data: Any) -> str:
    if isinstance(data, list):
        return " ".join(_text(d) for d in data if d is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def _quote_mailbox(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class ImapPoller:
    """Polls one mailbox; ``accept(raw)`` must store the mail (raising means "not stored")."""

    def __init__(
        self,
        *,
        channel_id: str,
        host: str,
        port: int,
        username: str,
        password: str,
        accept: Callable[[bytes], None],
        cursors: MailboxCursors,
        mailbox: str = "INBOX",
        use_ssl: bool = True,
        starttls: bool = False,
        batch_size: int = DEFAULT_BATCH,
        timeout: float = 30.0,
    ) -> None:
        self.channel_id = channel_id
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.accept = accept
        self.cursors = cursors
        self.mailbox = mailbox
        self.use_ssl = use_ssl
        self.starttls = starttls
        self.batch_size = max(1, batch_size)
        self.timeout = timeout

    def __repr__(self) -> str:  # no password
        return f"ImapPoller({self.username}@{self.host}:{self.port}/{self.mailbox})"

    @classmethod
    def from_endpoint(
        cls,
        endpoint: ChannelEndpoint,
        *,
        accept: Callable[[bytes], None],
        cursors: MailboxCursors,
        batch_size: int = DEFAULT_BATCH,
    ) -> ImapPoller:
        """From the channel's settings (``imap_host``, ``imap_port``, ``imap_ssl``,
        ``imap_starttls``, ``imap_username`` (default: the channel address),
        ``imap_mailbox``) and the ``imap_password`` secret."""
        s = endpoint.channel.settings
        use_ssl = _flag(s.get("imap_ssl"), default=True)
        return cls(
            channel_id=endpoint.channel.id,
            host=str(s.get("imap_host") or ""),
            port=int(s.get("imap_port") or (993 if use_ssl else 143)),
            username=str(s.get("imap_username") or endpoint.channel.address),
            password=endpoint.secret("imap_password"),
            accept=accept,
            cursors=cursors,
            mailbox=str(s.get("imap_mailbox") or "INBOX"),
            use_ssl=use_ssl,
            starttls=_flag(s.get("imap_starttls"), default=False),
            batch_size=batch_size,
        )

    # -- connection -------------------------------------------------------------------

    def _connect(self) -> imaplib.IMAP4:
        where = f"{self.host}:{self.port}"
        try:
            if self.use_ssl:
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.host,
                    self.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=self.timeout,
                )
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    conn.starttls(ssl_context=ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ImapPollError(
                f"cannot connect to IMAP server {where}: {exc}", temporary=True
            ) from None
        try:
            conn.login(self.username, self._password)
        except imaplib.IMAP4.abort as exc:
            self._close(conn)
            raise ImapPollError(
                f"IMAP server {where} dropped the connection at login: {exc}", temporary=True
            ) from None
        except imaplib.IMAP4.error as exc:
            self._close(conn)
            raise ImapPollError(
                f"IMAP login failed for {self.username} at {where}: {_text(exc.args)}",
                temporary=False,
            ) from None
        except OSError as exc:
            self._close(conn)
            raise ImapPollError(
                f"IMAP connection to {where} failed: {exc}", temporary=True
            ) from None
        return conn

    @staticmethod
    def _close(conn: imaplib.IMAP4) -> None:
        with contextlib.suppress(Exception):
            conn.logout()

    def _uidvalidity(self, conn: imaplib.IMAP4) -> int:
        _, data = conn.response("UIDVALIDITY")
        value = _text(data).strip()
        if not value:
            typ, status = conn.status(_quote_mailbox(self.mailbox), "(UIDVALIDITY)")
            m = re.search(r"UIDVALIDITY (\d+)", _text(status))
            if typ != "OK" or not m:
                raise ImapPollError(
                    f"IMAP server gave no UIDVALIDITY for {self.mailbox}", temporary=True
                )
            value = m.group(1)
        return int(value.split()[0])

    # -- polling ----------------------------------------------------------------------

    def poll(self) -> PollResult:
        """Fetch up to ``batch_size`` new messages, handing each to ``accept`` in UID order
        and advancing the cursor after each one."""
        conn = self._connect()
        try:
            return self._poll(conn)
        except ImapPollError:
            raise
        except imaplib.IMAP4.abort as exc:
            raise ImapPollError(
                f"IMAP server {self.host}:{self.port} dropped the connection: {exc}",
                temporary=True,
            ) from None
        except imaplib.IMAP4.error as exc:
            raise ImapPollError(f"IMAP error on {self.mailbox}: {exc}", temporary=True) from None
        except (TimeoutError, OSError) as exc:
            raise ImapPollError(
                f"IMAP connection to {self.host}:{self.port} failed: {exc}", temporary=True
            ) from None
        finally:
            self._close(conn)

    def _poll(self, conn: imaplib.IMAP4) -> PollResult:
        typ, data = conn.select(_quote_mailbox(self.mailbox), readonly=True)
        if typ != "OK":
            raise ImapPollError(
                f"cannot open mailbox {self.mailbox!r}: {_text(data)}", temporary=False
            )
        uidvalidity = self._uidvalidity(conn)
        cursor = self.cursors.get(self.channel_id, self.mailbox)
        restarted = False
        if cursor is None or cursor[0] != uidvalidity:
            restarted = cursor is not None
            if restarted:
                log.warning(
                    "UIDVALIDITY of %s changed (%s -> %s): fetching the mailbox again",
                    self.mailbox,
                    cursor[0] if cursor else None,
                    uidvalidity,
                )
            last_uid = 0
            self.cursors.put(self.channel_id, self.mailbox, uidvalidity, 0)
        else:
            last_uid = cursor[1]

        typ, data = conn.uid("SEARCH", f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise ImapPollError(
                f"IMAP search failed on {self.mailbox}: {_text(data)}", temporary=True
            )
        # "N:*" always includes the highest UID, even when it is below N: filter.
        uids = sorted(int(u) for u in _text(data).split() if u.isdigit() and int(u) > last_uid)
        batch = uids[: self.batch_size]
        accepted = 0
        for uid in batch:
            raw = self._fetch(conn, uid)
            if raw is not None:
                try:
                    self.accept(raw)
                except Exception as exc:
                    raise ImapPollError(
                        f"storing message UID {uid} of {self.mailbox} failed: {exc}",
                        temporary=True,
                    ) from exc
                accepted += 1
            last_uid = uid
            self.cursors.put(self.channel_id, self.mailbox, uidvalidity, last_uid)
        return PollResult(
            accepted=accepted,
            uidvalidity=uidvalidity,
            last_uid=last_uid,
            more=len(uids) > len(batch),
            restarted=restarted,
        )

    def _fetch(self, conn: imaplib.IMAP4, uid: int) -> bytes | None:
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if typ != "OK":
            raise ImapPollError(
                f"IMAP fetch of UID {uid} failed on {self.mailbox}: {_text(data)}", temporary=True
            )
        for item in data or []:
            if isinstance(item, tuple) and len(item) >= 2 and b"BODY[]" in item[0].upper():
                if re.search(rb"\bUID (\d+)", item[0]) and not re.search(
                    rb"\bUID %d\b" % uid, item[0]
                ):
                    continue  # an unsolicited FETCH of another message
                return bytes(item[1])
        return None  # expunged in the meantime
