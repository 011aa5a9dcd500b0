"""Liveness and readiness probes (public: load balancers and orchestrators call them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from switchdesk import __version__
from switchdesk.web.security import public

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[public("liveness probe for load balancers")])
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", dependencies=[public("readiness probe for orchestrators")])
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is current."""
    ok, reason = request.app.state.runtime.ready()
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "detail": reason},
        status_code=200 if ok else 503,
    )
