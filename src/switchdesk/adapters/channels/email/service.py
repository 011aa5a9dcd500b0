"""The email intake's long-running parts, for the server's lifespan: the SMTP inbox, and
one IMAP polling loop per enabled email channel with an ``imap_host`` setting.

Each part is a coroutine that runs until cancelled. The IMAP supervisor looks at the
channels every poll interval, starts a loop for each new one and stops the loops of
channels that were disabled or lost their IMAP settings; each loop rebuilds its poller
from the channel's current settings and secrets before every poll, polls in a thread,
polls again at once while a batch was full, and backs off (doubling, up to a ceiling) on
failure. Logs name the channel and the server, never a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from switchdesk.domain.conversations.model import Channel, ChannelKind
from switchdesk.usecases.channel_ports import ChannelEndpoint

from .imap_poll import ImapPoller, ImapPollError, MailboxCursors
from .intake import MailIntake
from .smtp_in import SmtpInbox

log = logging.getLogger("switchdesk.email")


def polls_imap(channel: Channel) -> bool:
    return (
        channel.kind is ChannelKind.EMAIL
        and channel.enabled
        and bool(str(channel.settings.get("imap_host") or "").strip())
    )


class EmailIntakeService:
    def __init__(
        self,
        intake: MailIntake,
        cursors: MailboxCursors,
        channels: Callable[[], Iterable[Channel]],
        endpoint_by_id: Callable[[str], ChannelEndpoint | None],
        *,
        smtp_host: str = "127.0.0.1",
        smtp_port: int = 0,
        smtp_max_bytes: int = 25 * 1024 * 1024,
        poll_seconds: float = 60.0,
        backoff_max_seconds: float = 900.0,
    ) -> None:
        self.intake = intake
        self.cursors = cursors
        self.channels = channels
        self.endpoint_by_id = endpoint_by_id
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.smtp_max_bytes = smtp_max_bytes
        self.poll_seconds = poll_seconds
        self.backoff_max_seconds = max(backoff_max_seconds, poll_seconds)

    def parts(self) -> list[Callable[[], Coroutine[Any, Any, None]]]:
        """The coroutine functions to run as tasks (the SMTP inbox only when a port is set)."""
        out: list[Callable[[], Coroutine[Any, Any, None]]] = [self.run_imap]
        if self.smtp_port:
            out.insert(0, self.run_smtp)
        return out

    async def run_smtp(self) -> None:
        inbox = SmtpInbox(
            self.smtp_host,
            self.smtp_port,
            self.intake.accept_smtp,
            self.smtp_max_bytes,
            knows_recipient=self.intake.knows_recipient,
        )
        await asyncio.to_thread(inbox.start)
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.shield(asyncio.to_thread(inbox.stop))

    async def run_imap(self) -> None:
        loops: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                try:
                    wanted = {c.id for c in self.channels() if polls_imap(c)}
                except Exception:
                    log.exception("listing the email channels failed; retrying")
                    wanted = set(loops)
                for channel_id in wanted - set(loops):
                    loops[channel_id] = asyncio.create_task(self._poll_forever(channel_id))
                for channel_id in set(loops) - wanted:
                    await _cancel(loops.pop(channel_id))
                await asyncio.sleep(self.poll_seconds)
        finally:
            for task in loops.values():
                await _cancel(task)

    async def _poll_forever(self, channel_id: str) -> None:
        delay = self.poll_seconds
        while True:
            endpoint = self.endpoint_by_id(channel_id)
            if endpoint is None or not polls_imap(endpoint.channel):
                return
            poller = ImapPoller.from_endpoint(
                endpoint, accept=self.intake.accept_imap(endpoint), cursors=self.cursors
            )
            try:
                result = await asyncio.to_thread(poller.poll)
            except ImapPollError as exc:
                delay = min(delay * 2, self.backoff_max_seconds)
                log.warning(
                    "IMAP poll of channel %s (%r) failed: %s; next try in %.0f s",
                    endpoint.channel.slug,
                    poller,
                    exc.message,
                    delay,
                )
            except Exception:
                delay = min(delay * 2, self.backoff_max_seconds)
                log.exception(
                    "IMAP poll of channel %s failed; next try in %.0f s",
                    endpoint.channel.slug,
                    delay,
                )
            else:
                delay = self.poll_seconds
                if result.accepted:
                    log.info("IMAP channel %s: %d new mail", endpoint.channel.slug, result.accepted)
                if result.more:
                    continue
            await asyncio.sleep(delay)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
