"""Inbound email over SMTP: an ``aiosmtpd`` server on its own thread and event loop.

Nothing is lost: the ``accept`` callback (which must store the mail) is awaited before
the server answers ``250``; if it raises, the server answers ``451`` and the sending MTA
retries later. Unknown recipients get ``550`` at RCPT time; a message over
``max_message_bytes`` gets ``552``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024

Accept = Callable[[bytes, list[str]], Awaitable[None]]
"""Store one raw mail for its envelope recipients; raising means "not stored"."""


def _everyone(address: str) -> bool:
    return True


class _Handler:
    def __init__(self, accept: Accept, knows_recipient: Callable[[str], bool]) -> None:
        self.accept = accept
        self.knows_recipient = knows_recipient

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            known = self.knows_recipient(address)
        except Exception:
            log.exception("recipient lookup failed for %s", address)
            return "451 4.3.0 Recipient lookup failed, try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await self.accept(raw, list(envelope.rcpt_tos))
        except Exception:
            log.exception("storing an inbound mail failed (%d bytes)", len(raw))
            return "451 4.3.0 Could not store the message, try again later"
        return "250 2.0.0 Message accepted"


class SmtpInbox:
    """An SMTP server for inbound mail; :meth:`start` and :meth:`stop` are blocking and
    run the server on its own thread (``accept`` is awaited on that thread's loop)."""

    def __init__(
        self,
        host: str,
        port: int,
        accept: Accept,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        *,
        knows_recipient: Callable[[str], bool] = _everyone,
        server_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.max_message_bytes = max_message_bytes
        self._handler = _Handler(accept, knows_recipient)
        self._server_hostname = server_hostname
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        kwargs: dict[str, Any] = {
            "data_size_limit": self.max_message_bytes,
            "enable_SMTPUTF8": True,
        }
        if self._server_hostname:
            kwargs["server_hostname"] = self._server_hostname
        controller = Controller(self._handler, hostname=self.host, port=self.port, **kwargs)
        controller.start()
        self._controller = controller
        log.info("SMTP inbox listening on %s:%s", self.host, self.port)

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpInbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
