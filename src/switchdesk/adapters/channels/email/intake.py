"""Inbound mail into the conversation core: the SMTP inbox's and the IMAP pollers' one
``accept``.

Each mail is parsed once per recipient channel and handed to the core; ``accept`` returns
only after the core committed it, so the SMTP server answers ``250`` (and the IMAP poller
moves its cursor) only for stored mail. A mail that fails to parse, or that its channel
refuses (the core's validation, not-found or conflict errors), is kept raw with the reason instead
(:class:`~switchdesk.usecases.mail.UnparsedMailStore`), so nothing is lost; any other
failure propagates (SMTP ``451``, the IMAP poller retries), and the provider's Message-ID
makes the retry harmless.

A mail with an attachment over the limits (``domain/conversations/attachments.py``)
becomes its message all the same, that attachment recorded ``too_large`` (name and size);
the whole raw mail is kept first (reason ``attachment too large, kept whole: ...``), and
its id goes with the message (``extra["kept_mail_id"]``, then the timeline).
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from email import policy

from switchdesk.domain.conversations.channels import InboundItem
from switchdesk.domain.conversations.model import ChannelKind
from switchdesk.domain.errors import Conflict, NotFound, ValidationFailed
from switchdesk.usecases.channel_ports import ChannelEndpoint
from switchdesk.usecases.mail import UnparsedMail, UnparsedMailStore

from .parsing import _header, parse_mail

log = logging.getLogger("switchdesk.email")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def _headers(raw: bytes) -> tuple[str, str]:
    """``(From, Subject)`` for the admins' list, best effort, never raising."""
    try:
        msg = email.message_from_bytes(raw[:65536], policy=policy.default)
        return _header(msg, "From")[:998], _header(msg, "Subject")[:998]
    except Exception:
        return "", ""


RECEIVE_TIMEOUT_SECONDS = 60.0
"""How long a mail waits for the core's commit; past it the SMTP sender gets ``451`` and
the IMAP cursor stays, so the mail comes again (and its Message-ID drops a copy)."""


class MailIntake:
    def __init__(
        self,
        endpoint: Callable[[ChannelKind, str], ChannelEndpoint | None],
        receive: Callable[[Sequence[InboundItem]], Future[None]],
        kept: UnparsedMailStore,
        new_id: Callable[[], str],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.endpoint = endpoint
        self.receive = receive
        self.kept = kept
        self.new_id = new_id
        self.now = now

    def knows_recipient(self, address: str) -> bool:
        """Whether an enabled email channel has this address (SMTP RCPT: else ``550``)."""
        return self.endpoint(ChannelKind.EMAIL, address) is not None

    async def accept_smtp(self, raw: bytes, recipients: list[str]) -> None:
        """Store one mail received over SMTP for its envelope recipients."""
        endpoints: dict[str, ChannelEndpoint] = {}
        for rcpt in recipients:
            found = self.endpoint(ChannelKind.EMAIL, rcpt)
            if found is not None:
                endpoints.setdefault(found.channel.id, found)
        if not endpoints:  # the channel went away between RCPT and DATA
            await asyncio.to_thread(
                self._keep, raw, "smtp", None, recipients, "no enabled channel for the recipients"
            )
            return
        for found in endpoints.values():
            await asyncio.to_thread(self._accept, raw, "smtp", found, recipients)

    def accept_imap(self, endpoint: ChannelEndpoint) -> Callable[[bytes], None]:
        """The IMAP poller's ``accept`` for one channel (blocking: it runs in a thread)."""

        def accept(raw: bytes) -> None:
            self._accept(raw, "imap", endpoint, [endpoint.channel.address])

        return accept

    def _accept(
        self, raw: bytes, source: str, endpoint: ChannelEndpoint, recipients: list[str]
    ) -> None:
        """Parse, keep what cannot go on, hand the rest to the core and wait for its commit
        (blocking: SMTP calls it in a worker thread, IMAP in its polling thread)."""
        channel = endpoint.channel
        parsed = parse_mail(
            raw,
            channel_id=channel.id,
            our_domain=_domain(channel.address),
            received_at=self.now(),
        )
        if parsed.unparseable is not None:
            self._keep(raw, source, endpoint, recipients, parsed.unparseable.reason)
            return
        item: InboundItem | None = parsed.message or parsed.bounce
        assert item is not None
        too_large = [a for a in parsed.message.attachments if a.too_large] if parsed.message else []
        if parsed.message is not None and too_large:
            # The message goes on with the attachment's name and size; the whole mail is
            # kept first, so the bytes are not lost.
            names = ", ".join(f"{a.filename} ({a.byte_size} bytes)" for a in too_large)
            kept = self._keep(
                raw, source, endpoint, recipients, f"attachment too large, kept whole: {names}"
            )
            extra = {**parsed.message.extra, "kept_mail_id": kept.id}
            item = replace(parsed.message, extra=extra)
        try:
            self.receive([item]).result(timeout=RECEIVE_TIMEOUT_SECONDS)
        except (ValidationFailed, NotFound, Conflict) as exc:  # the channel cannot take it
            # (``busy`` and other trouble propagate: the sender retries later).
            self._keep(raw, source, endpoint, recipients, f"refused ({exc.code}): {exc}")

    def _keep(
        self,
        raw: bytes,
        source: str,
        endpoint: ChannelEndpoint | None,
        recipients: list[str],
        reason: str,
    ) -> UnparsedMail:
        sender, subject = _headers(raw)
        channel = endpoint.channel if endpoint is not None else None
        mail = self.kept.add(
            UnparsedMail(
                id=self.new_id(),
                received_at=self.now(),
                source=source,
                reason=reason[:2000],
                size=len(raw),
                digest=hashlib.sha256(raw).hexdigest(),
                channel_id=channel.id if channel else None,
                client_account_id=channel.client_account_id if channel else None,
                recipients=tuple(recipients),
                sender=sender,
                subject=subject,
            ),
            raw,
        )
        log.warning(
            "kept a raw mail (%d bytes) for channel %s: %s",
            len(raw),
            channel.slug if channel else "-",
            reason,
        )
        return mail
