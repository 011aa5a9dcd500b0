"""``GET /metrics``: Prometheus text format for operations. Prometheus sends an API token
(``authorization: Bearer ...``) of a user holding ``metrics.read`` (operations managers
and admins); the metrics show every client account's queues."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.metrics import CONTENT_TYPE, render_metrics
from switchdesk.usecases.principal import Principal
from switchdesk.web.security import require

router = APIRouter(tags=["metrics"])

_SCRAPER = Principal.operator("metrics")


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request, principal: Principal = require(Permission.METRICS_READ)) -> Response:
    """Queues and agents now, in the Prometheus text format (version 0.0.4)."""
    runtime = request.app.state.runtime
    snapshot = runtime.live.supervisor_snapshot(_SCRAPER)
    body = render_metrics(snapshot, runtime.clock.now().timestamp())
    return Response(body, media_type=CONTENT_TYPE)
