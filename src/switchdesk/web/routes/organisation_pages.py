"""The organisation page: client accounts, teams and sites (``routes/org.py`` as a page).

Reading needs ``org.read``, adding needs ``org.manage``; scoped callers see their client
accounts only, exactly as the API answers them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.model import SiteKind
from switchdesk.domain.accounts.permissions import Permission, Role
from switchdesk.domain.errors import SwitchdeskError, ValidationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.routes.page_forms import FormState, read_form
from switchdesk.web.security import require
from switchdesk.web.templates import templates

router = APIRouter(tags=["organisation pages"])

PAGE = "/admin/organisation"
FORMS = ("client_account", "team", "site")
FIELDS = {
    "client_account": frozenset({"name"}),
    "team": frozenset({"name", "leader_id", "client_account_id", "site_id"}),
    "site": frozenset({"name", "kind", "timezone"}),
}


def _page(request: Request, principal: Principal, forms: dict[str, FormState]) -> Response:
    accounts = request.app.state.runtime.accounts
    client_accounts = accounts.list_client_accounts(principal)
    people = accounts.list_users(principal) if principal.can(Permission.USERS_READ) else []
    for name in FORMS:
        forms.setdefault(name, FormState({"kind": SiteKind.ON_SITE.value, "timezone": "UTC"}))
    user = principal.user
    sites = accounts.list_sites(principal)
    leaders = [
        u for u in people if u.active and u.role in (Role.TEAM_LEADER, Role.OPERATIONS_MANAGER)
    ]
    context: dict[str, Any] = {
        "user": user,
        "csrf_token": principal.csrf_token or "",
        "client_accounts": client_accounts,
        "client_names": {a.id: a.name for a in client_accounts},
        "teams": accounts.list_teams(principal),
        "sites": sites,
        "site_names": {s.id: s.name for s in sites},
        "site_options": [(s.id, s.name) for s in sites],
        "client_options": [(a.id, a.name) for a in client_accounts],
        "leader_options": [(u.id, f"{u.display_name} ({u.username})") for u in leaders],
        "site_kinds": [k.value for k in SiteKind],
        "people_names": {u.id: u.display_name for u in people},
        "can_manage": principal.can(Permission.ORG_MANAGE),
        "can_add_client_accounts": principal.can(Permission.ORG_MANAGE)
        and (user is None or user.sees_every_client_account()),
        "forms": forms,
        "added": request.query_params.get("added", ""),
    }
    status = max((f.status for f in forms.values()), default=200)
    return templates.TemplateResponse(request, "organisation.html", context, status_code=status)


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
def organisation_page(
    request: Request, principal: Principal = require(Permission.ORG_READ)
) -> Response:
    return _page(request, principal, {})


def _add(
    request: Request, principal: Principal, which: str, form: FormState, added: str
) -> Response:
    accounts = request.app.state.runtime.accounts
    try:
        if which == "client_account":
            accounts.create_client_account(principal, form.text("name"))
        elif which == "team":
            accounts.create_team(
                principal,
                form.text("name"),
                leader_id=form.optional("leader_id"),
                client_account_id=form.optional("client_account_id"),
                site_id=form.optional("site_id"),
            )
        else:
            try:
                kind = SiteKind(form.text("kind"))
            except ValueError:
                raise ValidationFailed("choose on site or remote", field="kind") from None
            accounts.create_site(
                principal, form.text("name"), kind, form.text("timezone").strip() or "UTC"
            )
    except SwitchdeskError as exc:
        form.fail(exc, FIELDS[which])
        return _page(request, principal, {which: form})
    return RedirectResponse(f"{PAGE}?added={added}", status_code=303)


@router.post(f"{PAGE}/client-accounts", response_class=HTMLResponse, include_in_schema=False)
async def add_client_account(
    request: Request, principal: Principal = require(Permission.ORG_MANAGE)
) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(
        _add, request, principal, "client_account", form, "client_account"
    )


@router.post(f"{PAGE}/teams", response_class=HTMLResponse, include_in_schema=False)
async def add_team(
    request: Request, principal: Principal = require(Permission.ORG_MANAGE)
) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_add, request, principal, "team", form, "team")


@router.post(f"{PAGE}/sites", response_class=HTMLResponse, include_in_schema=False)
async def add_site(
    request: Request, principal: Principal = require(Permission.ORG_MANAGE)
) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_add, request, principal, "site", form, "site")
