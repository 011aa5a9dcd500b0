"""The people pages: list and filter people, onboard, edit, offboard and bring back.

Each route needs the permission of the matching API operation (``routes/users.py``) and
calls the same use cases; client-scoped callers see only their client accounts' people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.model import User
from switchdesk.domain.accounts.permissions import Permission, Role
from switchdesk.domain.errors import SwitchdeskError, ValidationFailed
from switchdesk.usecases.accounts import PeopleOrganisation, new_person_errors
from switchdesk.usecases.principal import Principal
from switchdesk.web.routes.page_forms import FormState, read_form
from switchdesk.web.security import require
from switchdesk.web.templates import templates

router = APIRouter(tags=["people pages"])

CREATE_FIELDS = frozenset(
    {"username", "display_name", "password", "role", "client_account_ids", "team_id", "site_id"}
)
EDIT_FIELDS = frozenset({"display_name", "role", "client_account_ids", "team_id", "site_id"})
LISTS = frozenset({"client_account_ids"})


@dataclass(frozen=True, slots=True)
class PeopleFilter:
    """The list's filters, from the query string; empty means any."""

    role: str = ""
    team_id: str = ""
    client_account_id: str = ""
    active: str = ""
    """``yes``, ``no`` or empty."""

    @classmethod
    def of(cls, request: Request) -> PeopleFilter:
        q = request.query_params
        return cls(q.get("role", ""), q.get("team", ""), q.get("client", ""), q.get("active", ""))

    def matches(self, user: User) -> bool:
        return (
            (not self.role or user.role.value == self.role)
            and (not self.team_id or user.team_id == self.team_id)
            and (
                not self.client_account_id
                or user.sees_every_client_account()
                or self.client_account_id in user.client_account_ids
            )
            and (not self.active or user.active == (self.active == "yes"))
        )


def _role(form: FormState) -> Role:
    try:
        return Role(form.text("role"))
    except ValueError:
        raise ValidationFailed("choose a role", field="role") from None


def _context(principal: Principal, org: PeopleOrganisation, **extra: Any) -> dict[str, Any]:
    client_names = {a.id: a.name for a in org.client_accounts}

    def scope_text(person: User) -> str:
        """The client accounts of ``person`` the caller may see, by name."""
        if person.sees_every_client_account():
            return "every client account"
        return ", ".join(
            sorted(client_names[a] for a in person.client_account_ids if a in client_names)
        )

    can_assign = principal.can(Permission.ROLES_ASSIGN)
    return {
        "user": principal.user,
        "csrf_token": principal.csrf_token or "",
        "roles": [r.value for r in Role],
        "role_options": [(r.value, r.value) for r in Role if can_assign or r is not Role.ADMIN],
        "team_options": [(t.id, t.name) for t in org.teams],
        "site_options": [(s.id, s.name) for s in org.sites],
        "scope_text": scope_text,
        "can_manage": principal.can(Permission.USERS_MANAGE),
        "can_assign_roles": can_assign,
        "client_accounts": org.client_accounts,
        "client_names": client_names,
        "teams": org.teams,
        "team_names": {t.id: t.name for t in org.teams},
        "sites": org.sites,
        "site_names": {s.id: s.name for s in org.sites},
        **extra,
    }


def _people_page(request: Request, principal: Principal, form: FormState) -> Response:
    accounts = request.app.state.runtime.accounts
    where = PeopleFilter.of(request)
    people = [u for u in accounts.list_users(principal) if where.matches(u)]
    context = _context(
        principal,
        accounts.people_organisation(principal),
        people=people,
        where=where,
        form=form,
        created=request.query_params.get("created", ""),
    )
    return templates.TemplateResponse(request, "people.html", context, status_code=form.status)


@router.get("/admin/people", response_class=HTMLResponse, include_in_schema=False)
def people_page(
    request: Request, principal: Principal = require(Permission.USERS_READ)
) -> Response:
    return _people_page(request, principal, FormState({"role": Role.AGENT.value}))


@router.post("/admin/people", response_class=HTMLResponse, include_in_schema=False)
async def create_person(
    request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> Response:
    form = await read_form(request, lists=LISTS)
    return await run_in_threadpool(_create_person, request, principal, form)


def _create_person(request: Request, principal: Principal, form: FormState) -> Response:
    accounts = request.app.state.runtime.accounts
    form.errors.update(
        new_person_errors(form.text("username"), form.text("password"), form.text("display_name"))
    )
    if form.text("role") not in {r.value for r in Role}:
        form.errors["role"] = "choose a role"
    if form.errors:
        form.status = 422
        form.values.pop("password", None)
        return _people_page(request, principal, form)
    try:
        created = accounts.create_user(
            principal,
            username=form.text("username"),
            password=form.text("password"),
            role=_role(form),
            display_name=form.text("display_name"),
            client_account_ids=form.many("client_account_ids"),
            all_client_accounts=form.checked("all_client_accounts"),
            team_id=form.optional("team_id"),
            site_id=form.optional("site_id"),
        )
    except SwitchdeskError as exc:
        if exc.code == "username_taken":
            exc.extra["field"] = "username"
        form.fail(exc, CREATE_FIELDS)
        form.values.pop("password", None)  # never sent back to the browser
        return _people_page(request, principal, form)
    return RedirectResponse(f"/admin/people?created={quote(created.username)}", status_code=303)


def _person_page(request: Request, principal: Principal, person: User, form: FormState) -> Response:
    accounts = request.app.state.runtime.accounts
    context = _context(
        principal,
        accounts.people_organisation(principal),
        person=person,
        form=form,
        saved=request.query_params.get("saved", ""),
    )
    return templates.TemplateResponse(request, "person.html", context, status_code=form.status)


def _person_form(person: User) -> FormState:
    return FormState(
        {
            "display_name": person.display_name,
            "role": person.role.value,
            "client_account_ids": sorted(person.client_account_ids),
            "all_client_accounts": "on" if person.all_client_accounts else "",
            "team_id": person.team_id or "",
            "site_id": person.site_id or "",
        }
    )


@router.get("/admin/people/{user_id}", response_class=HTMLResponse, include_in_schema=False)
def person_page(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_READ)
) -> Response:
    person = request.app.state.runtime.accounts.get_user(principal, user_id)
    return _person_page(request, principal, person, _person_form(person))


@router.post("/admin/people/{user_id}", response_class=HTMLResponse, include_in_schema=False)
async def edit_person(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> Response:
    form = await read_form(request, lists=LISTS)
    return await run_in_threadpool(_edit_person, request, principal, user_id, form)


def _edit_person(request: Request, principal: Principal, user_id: str, form: FormState) -> Response:
    accounts = request.app.state.runtime.accounts
    person = accounts.get_user(principal, user_id)
    try:
        role = _role(form) if "role" in form.values else person.role
        if role is not person.role:
            principal.require(Permission.ROLES_ASSIGN)  # before anything changes
        # Only those who assign roles see the "every client account" box.
        everything = (
            form.checked("all_client_accounts")
            if principal.can(Permission.ROLES_ASSIGN)
            else person.all_client_accounts
        )
        accounts.update_user(
            principal,
            user_id,
            display_name=form.text("display_name"),
            client_account_ids=form.many("client_account_ids"),
            all_client_accounts=everything,
            team_id=form.optional("team_id"),
            site_id=form.optional("site_id"),
        )
        if role is not person.role:
            accounts.set_role(principal, user_id, role)
    except SwitchdeskError as exc:
        form.fail(exc, EDIT_FIELDS)
        return _person_page(request, principal, person, form)
    return RedirectResponse(f"/admin/people/{user_id}?saved=changes", status_code=303)


def _switch_active(request: Request, principal: Principal, user_id: str, active: bool) -> Response:
    accounts = request.app.state.runtime.accounts
    person = accounts.get_user(principal, user_id)
    try:
        if active:
            accounts.reactivate_user(principal, user_id)
        else:
            accounts.deactivate_user(principal, user_id)
    except SwitchdeskError as exc:
        form = _person_form(person)
        form.fail(exc, frozenset())
        return _person_page(request, principal, person, form)
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(f"/admin/people/{user_id}?saved={done}", status_code=303)


@router.post(
    "/admin/people/{user_id}/deactivate", response_class=HTMLResponse, include_in_schema=False
)
def deactivate_person(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> Response:
    """Offboard: sessions end, tokens stop working (``POST /api/v1/users/{id}/deactivate``)."""
    return _switch_active(request, principal, user_id, active=False)


@router.post(
    "/admin/people/{user_id}/reactivate", response_class=HTMLResponse, include_in_schema=False
)
def reactivate_person(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> Response:
    return _switch_active(request, principal, user_id, active=True)
