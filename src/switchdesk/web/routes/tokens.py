"""API tokens for integrations: shown once, stored hashed, revocable."""

from __future__ import annotations

from fastapi import APIRouter, Request

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import IssuedTokenOut, TokenIn, TokenOut
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1", tags=["tokens"])


@router.get("/tokens")
async def list_tokens(
    request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> list[TokenOut]:
    return [TokenOut.of(t) for t in request.app.state.runtime.accounts.list_tokens(principal)]


@router.post("/tokens", status_code=201)
async def issue_token(
    body: TokenIn, request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> IssuedTokenOut:
    """Issue a token acting as ``user_id``. The secret is in this response only."""
    issued = request.app.state.runtime.accounts.issue_token(principal, body.user_id, body.name)
    return IssuedTokenOut(**TokenOut.of(issued.token).model_dump(), secret=issued.secret)


@router.delete("/tokens/{token_id}")
async def revoke_token(
    token_id: str, request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> TokenOut:
    return TokenOut.of(request.app.state.runtime.accounts.revoke_token(principal, token_id))
