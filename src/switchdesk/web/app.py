"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from switchdesk import __version__
from switchdesk.config import Settings
from switchdesk.usecases.accounts import Accounts
from switchdesk.web.body_limit import BodySizeLimit
from switchdesk.web.errors import install_error_handlers

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

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

    def ready(self) -> tuple[bool, str]: ...


def create_app(runtime: WebRuntime) -> FastAPI:
    from switchdesk.web.routes import api_docs, audit, auth, health, org, pages, tokens, users

    app = FastAPI(
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
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (health, auth, pages, users, tokens, org, audit, api_docs):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
