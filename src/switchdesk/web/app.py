"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchdesk import __version__
from switchdesk.config import Settings
from switchdesk.usecases.accounts import Accounts
from switchdesk.usecases.channel_ports import WebhookHandler
from switchdesk.usecases.deliveries import Dispatcher
from switchdesk.usecases.live.center import LiveCenter
from switchdesk.usecases.mail import UnparsedMailArchive
from switchdesk.usecases.reports import Reports
from switchdesk.usecases.voice.flows import FlowLibrary
from switchdesk.web.body_limit import BodySizeLimit
from switchdesk.web.errors import install_error_handlers
from switchdesk.web.live import LiveHub
from switchdesk.web.openapi import install_openapi
from switchdesk.web.templates import templates as templates

HERE = Path(__file__).parent

# Pages load nothing from other hosts and may not be framed by them.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class WebRuntime(Protocol):
    """What the web layer needs from the composition root."""

    settings: Settings
    accounts: Accounts
    live: LiveCenter
    hub: LiveHub
    deliveries: Dispatcher
    webhooks: Mapping[str, WebhookHandler]
    mail: UnparsedMailArchive
    voice_flows: FlowLibrary
    reports: Reports
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]]

    def ready(self) -> tuple[bool, str]: ...


TICK_SECONDS = 0.2
log = logging.getLogger("switchdesk.live")


async def _tick_forever(runtime: WebRuntime) -> None:
    """Run the live center's timers (offer expiry, after-contact work, follow-ups)."""
    while True:
        await asyncio.sleep(TICK_SECONDS)
        try:
            await asyncio.wrap_future(runtime.live.submit_tick())
        except Exception:
            log.exception("live center tick failed; retrying")


DELIVER_SECONDS = 1.0


async def _deliver_forever(runtime: WebRuntime) -> None:
    """Send queued outbound messages (email, WhatsApp, Messenger, SMS) as they fall due."""
    while True:
        await asyncio.sleep(DELIVER_SECONDS)
        try:
            await asyncio.to_thread(runtime.deliveries.run_due)
        except Exception:
            log.exception("delivery run failed; retrying")


async def _run_part(part: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """One long-running part of the runtime (the SMTP inbox, the IMAP pollers)."""
    try:
        await part()
    except Exception:
        log.exception("background part %s stopped", getattr(part, "__name__", part))


def create_app(runtime: WebRuntime) -> FastAPI:
    from switchdesk.web.routes import (
        admin_pages,
        api_docs,
        attachments,
        audit,
        audit_pages,
        auth,
        center_config,
        chat,
        conversations,
        desk,
        health,
        inbox,
        knowledge,
        mail,
        metrics,
        org,
        organisation_pages,
        pages,
        people_pages,
        privacy,
        reports,
        sign_in_admin,
        supervisor,
        token_pages,
        tokens,
        users,
        voice_flows,
        webhooks,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.hub.bind(asyncio.get_running_loop())
        loops = []
        if runtime.ready()[0]:
            await run_in_threadpool(runtime.live.start)
            loops = [
                asyncio.create_task(_tick_forever(runtime)),
                asyncio.create_task(_deliver_forever(runtime)),
                *(asyncio.create_task(_run_part(part)) for part in runtime.background),
            ]
        yield
        for loop in loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    app = FastAPI(
        lifespan=lifespan,
        title="switchdesk",
        version=__version__,
        summary="Open-source omnichannel contact center",
        # Swagger UI and ReDoc load from a CDN; we serve our own page at /api/docs.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    install_openapi(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # Requests are matched against the routers in this order (no two share a path): the
    # agents' and customers' hot paths come first.
    for module in (
        desk,
        conversations,
        chat,
        webhooks,
        health,
        auth,
        pages,
        users,
        tokens,
        org,
        audit,
        api_docs,
        center_config,
        supervisor,
        admin_pages,
        people_pages,
        organisation_pages,
        token_pages,
        audit_pages,
        sign_in_admin,
        mail,
        attachments,
        inbox,
        privacy,
        knowledge,
        voice_flows,
        reports,
        metrics,
    ):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)

    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response that does not set them (plain
    ASGI: cheaper than a ``BaseHTTPMiddleware``, which runs each request in a task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
