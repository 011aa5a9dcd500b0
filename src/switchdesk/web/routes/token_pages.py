"""The API tokens page: list, issue (the secret is shown once, on the answer to the form)
and revoke. Every route needs ``tokens.manage``, like ``routes/tokens.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import SwitchdeskError
from switchdesk.usecases.principal import Principal
from switchdesk.web.routes.page_forms import FormState, read_form
from switchdesk.web.security import require
from switchdesk.web.templates import templates

router = APIRouter(tags=["token pages"])

PAGE = "/admin/tokens"
FIELDS = frozenset({"name", "user_id"})


def _page(
    request: Request, principal: Principal, form: FormState, secret: str = "", status: int = 200
) -> Response:
    accounts = request.app.state.runtime.accounts
    people = accounts.list_users(principal)
    context = {
        "user": principal.user,
        "csrf_token": principal.csrf_token or "",
        "tokens": accounts.list_tokens(principal),
        "people_options": [(u.id, f"{u.display_name} ({u.username})") for u in people if u.active],
        "people_names": {u.id: f"{u.display_name} ({u.username})" for u in people},
        "form": form,
        "secret": secret,
        "revoked": request.query_params.get("revoked", ""),
    }
    return templates.TemplateResponse(
        request, "tokens.html", context, status_code=form.status if form.failed else status
    )


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
def tokens_page(
    request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> Response:
    return _page(request, principal, FormState())


def _issue(request: Request, principal: Principal, form: FormState) -> Response:
    accounts = request.app.state.runtime.accounts
    try:
        if not form.text("user_id"):
            form.errors["user_id"] = "choose whom the token acts as"
            form.status = 422
            return _page(request, principal, form)
        issued = accounts.issue_token(principal, form.text("user_id"), form.text("name"))
    except SwitchdeskError as exc:
        if exc.code == "validation_failed":
            exc.extra.setdefault("field", "name")
        elif exc.code == "not_found":
            exc.extra.setdefault("field", "user_id")
        form.fail(exc, FIELDS)
        return _page(request, principal, form)
    # The secret is in this answer only: never in a URL, never stored.
    response = _page(request, principal, FormState(), secret=issued.secret)
    response.headers["cache-control"] = "no-store"
    return response


@router.post(PAGE, response_class=HTMLResponse, include_in_schema=False)
async def issue_token(
    request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_issue, request, principal, form)


@router.post(f"{PAGE}/{{token_id}}/revoke", response_class=HTMLResponse, include_in_schema=False)
def revoke_token(
    token_id: str, request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> Response:
    token = request.app.state.runtime.accounts.revoke_token(principal, token_id)
    return RedirectResponse(f"{PAGE}?revoked={token.id}", status_code=303)
