"""People and their roles."""

from __future__ import annotations

from fastapi import APIRouter, Request

from switchdesk.domain.accounts.permissions import Permission
from switchdesk.domain.errors import AuthenticationFailed
from switchdesk.usecases.principal import Principal
from switchdesk.web.schemas import (
    MeOut,
    ResetLinkOut,
    RoleIn,
    ThrottledSignInOut,
    UserAssignmentIn,
    UserIn,
    UserOut,
)
from switchdesk.web.security import require
from switchdesk.web.sign_in_links import reset_link_out

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me")
async def me(principal: Principal = require(Permission.SELF_READ)) -> MeOut:
    """The signed-in user (or the token's user) with their permissions."""
    if principal.user is None:
        raise AuthenticationFailed("sign in first")
    return MeOut.of_principal(principal.user, principal.via)


@router.get("/users")
async def list_users(
    request: Request, principal: Principal = require(Permission.USERS_READ)
) -> list[UserOut]:
    """Users the caller may see: those sharing one of the caller's client accounts."""
    return [UserOut.of(u) for u in request.app.state.runtime.accounts.list_users(principal)]


@router.post("/users", status_code=201)
async def create_user(
    body: UserIn, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    user = request.app.state.runtime.accounts.create_user(
        principal,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        client_account_ids=body.client_account_ids,
        all_client_accounts=body.all_client_accounts,
        team_id=body.team_id,
        site_id=body.site_id,
    )
    return UserOut.of(user)


@router.get("/users/{user_id}")
async def get_user(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_READ)
) -> UserOut:
    return UserOut.of(request.app.state.runtime.accounts.get_user(principal, user_id))


@router.put("/users/{user_id}/role")
async def set_role(
    user_id: str,
    body: RoleIn,
    request: Request,
    principal: Principal = require(Permission.ROLES_ASSIGN),
) -> UserOut:
    """Change a user's role; their sessions end."""
    return UserOut.of(request.app.state.runtime.accounts.set_role(principal, user_id, body.role))


@router.post("/users/{user_id}/deactivate")
async def deactivate_user(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    """Offboard: the user can no longer sign in; sessions end, tokens stop working."""
    accounts = request.app.state.runtime.accounts
    return UserOut.of(accounts.deactivate_user(principal, user_id))


@router.post("/users/{user_id}/reactivate")
async def reactivate_user(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    """Undo an offboarding: the user may sign in again."""
    accounts = request.app.state.runtime.accounts
    return UserOut.of(accounts.reactivate_user(principal, user_id))


@router.put("/users/{user_id}/assignment")
async def set_assignment(
    user_id: str,
    body: UserAssignmentIn,
    request: Request,
    principal: Principal = require(Permission.USERS_MANAGE),
) -> UserOut:
    """Replace a user's display name, client scope, team and site. Client accounts the
    caller does not see stay in the user's scope."""
    user = request.app.state.runtime.accounts.update_user(
        principal,
        user_id,
        display_name=body.display_name,
        client_account_ids=body.client_account_ids,
        all_client_accounts=body.all_client_accounts,
        team_id=body.team_id,
        site_id=body.site_id,
    )
    return UserOut.of(user)


@router.get("/sign-in/throttled")
async def throttled_sign_ins(
    request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> list[ThrottledSignInOut]:
    """Users whose failed sign-ins make their attempts wait (or did within the window)."""
    found = request.app.state.runtime.accounts.throttled_sign_ins(principal)
    return [
        ThrottledSignInOut(
            user=UserOut.of(t.user),
            failures=t.failures,
            last_failure_at=t.last_failure_at,
            retry_at=t.retry_at,
            sources=list(t.sources),
        )
        for t in found
    ]


@router.post("/users/{user_id}/unlock")
async def unlock_user(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    """The user's failed sign-ins stop counting: their next attempt need not wait."""
    return UserOut.of(request.app.state.runtime.accounts.unlock_user(principal, user_id))


@router.post("/users/{user_id}/password-reset", status_code=201)
async def create_password_reset(
    user_id: str, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> ResetLinkOut:
    """A one-time link (shown once) where the user sets a new password; earlier links of
    the user stop working. An admin's link needs ``roles.assign``."""
    issued = request.app.state.runtime.accounts.create_password_reset(principal, user_id)
    return reset_link_out(request, issued)
