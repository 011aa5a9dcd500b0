"""IVR flows: list, read (any version), store a new version, and validate without
storing. The validator names each bad node (422 ``ivr_flow_invalid`` with ``problems``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.usecases.voice.flows import FlowLibrary
from switchdesk.usecases.voice.ports import StoredFlow
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1/voice", tags=["voice"])

Document = Annotated[dict[str, Any], Body(description="the flow (see docs/voice.md)")]


class FlowSummary(BaseModel):
    name: str
    version: int
    created_at: datetime
    created_by: str


class FlowOut(FlowSummary):
    document: dict[str, Any]

    @classmethod
    def of(cls, f: StoredFlow) -> FlowOut:
        return cls(
            name=f.name,
            version=f.version,
            created_at=f.created_at,
            created_by=f.created_by,
            document=dict(f.document),
        )


class FlowProblemOut(BaseModel):
    node: str
    code: str
    detail: str


class FlowCheck(BaseModel):
    valid: bool
    problems: list[FlowProblemOut]


def _flows(request: Request) -> FlowLibrary:
    flows: FlowLibrary = request.app.state.runtime.voice_flows
    return flows


@router.get("/flows")
def list_flows(
    request: Request, principal: Principal = require(Permission.ROUTING_CONFIGURE)
) -> list[FlowSummary]:
    """The newest version of every flow."""
    return [
        FlowSummary(
            name=f.name, version=f.version, created_at=f.created_at, created_by=f.created_by
        )
        for f in _flows(request).list(principal)
    ]


@router.post("/flows/validate")
def validate_flow(
    request: Request,
    document: Document,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> FlowCheck:
    """Check a flow without storing it: every problem, each naming its node."""
    problems = _flows(request).check(principal, document)
    return FlowCheck(
        valid=not problems,
        problems=[FlowProblemOut(node=p.node, code=p.code, detail=p.detail) for p in problems],
    )


@router.get("/flows/{name}")
def get_flow(
    name: str,
    request: Request,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> FlowOut:
    """A flow's newest version, or the ``version`` asked for."""
    return FlowOut.of(_flows(request).get(principal, name, version))


@router.put("/flows/{name}")
def put_flow(
    name: str,
    request: Request,
    document: Document,
    principal: Principal = require(Permission.ROUTING_CONFIGURE),
) -> FlowOut:
    """Store the flow as its next version (the same document again: no new version).
    Calls in progress keep the version they started with."""
    return FlowOut.of(_flows(request).put(principal, name, document))
