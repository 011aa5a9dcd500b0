"""Organisation: client accounts, teams and sites. Scoped users see their accounts only."""

from __future__ import annotations

from fastapi import APIRouter, Request

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import (
    ClientAccountIn,
    ClientAccountOut,
    SiteIn,
    SiteOut,
    TeamIn,
    TeamOut,
)
from switchdesk.web.security import require

router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/client-accounts")
async def list_client_accounts(
    request: Request, principal: Principal = require(Permission.ORG_READ)
) -> list[ClientAccountOut]:
    accounts = request.app.state.runtime.accounts.list_client_accounts(principal)
    return [ClientAccountOut.of(a) for a in accounts]


@router.post("/client-accounts", status_code=201)
async def create_client_account(
    body: ClientAccountIn,
    request: Request,
    principal: Principal = require(Permission.ORG_MANAGE),
) -> ClientAccountOut:
    accounts = request.app.state.runtime.accounts
    return ClientAccountOut.of(accounts.create_client_account(principal, body.name))


@router.get("/client-accounts/{account_id}")
async def get_client_account(
    account_id: str, request: Request, principal: Principal = require(Permission.ORG_READ)
) -> ClientAccountOut:
    """Another client's account answers 404, exactly like one that does not exist."""
    accounts = request.app.state.runtime.accounts
    return ClientAccountOut.of(accounts.get_client_account(principal, account_id))


@router.get("/teams")
async def list_teams(
    request: Request, principal: Principal = require(Permission.ORG_READ)
) -> list[TeamOut]:
    return [TeamOut.of(t) for t in request.app.state.runtime.accounts.list_teams(principal)]


@router.post("/teams", status_code=201)
async def create_team(
    body: TeamIn, request: Request, principal: Principal = require(Permission.ORG_MANAGE)
) -> TeamOut:
    team = request.app.state.runtime.accounts.create_team(
        principal,
        body.name,
        leader_id=body.leader_id,
        client_account_id=body.client_account_id,
        site_id=body.site_id,
    )
    return TeamOut.of(team)


@router.get("/sites")
async def list_sites(
    request: Request, principal: Principal = require(Permission.ORG_READ)
) -> list[SiteOut]:
    return [SiteOut.of(s) for s in request.app.state.runtime.accounts.list_sites(principal)]


@router.post("/sites", status_code=201)
async def create_site(
    body: SiteIn, request: Request, principal: Principal = require(Permission.ORG_MANAGE)
) -> SiteOut:
    site = request.app.state.runtime.accounts.create_site(
        principal, body.name, body.kind, body.timezone
    )
    return SiteOut.of(site)
