"""``/api/v1/auth`` and ``/api/v1/users``: log-in and accounts."""

from __future__ import annotations

from fastapi import APIRouter, status

from ticketing.accounts.actor import require_role
from ticketing.accounts.models import User
from ticketing.accounts.schemas import TokenOut, TokenRequest, UserCreate, UserOut
from ticketing.accounts.service import UserService
from ticketing.api.deps import Context, CurrentActor
from ticketing.tickets.lifecycle import Role

router = APIRouter(tags=["accounts"])


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        department_id=user.department_id,
        active=user.active,
    )


@router.post("/auth/token")
def log_in(body: TokenRequest, ctx: Context) -> TokenOut:
    """Exchange username + password for a bearer token."""
    with ctx.unit_of_work() as session:
        token, expires, user = UserService(session, now=ctx.now, token_ttl=ctx.token_ttl).issue_token(
            body.username, body.password
        )
        return TokenOut(access_token=token, expires_at=expires, role=Role(user.role))


@router.get("/users/me")
def who_am_i(ctx: Context, actor: CurrentActor) -> dict[str, object]:
    """The authenticated account."""
    return {
        "username": actor.username,
        "role": actor.role.value,
        "department_id": str(actor.department_id) if actor.department_id else None,
    }


@router.get("/users")
def list_users(ctx: Context, actor: CurrentActor) -> list[UserOut]:
    """All accounts (admin)."""
    require_role(actor, Role.ADMIN)
    with ctx.unit_of_work() as session:
        return [_out(u) for u in UserService(session).list()]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, ctx: Context, actor: CurrentActor) -> UserOut:
    """Make an account (admin)."""
    with ctx.unit_of_work() as session:
        return _out(UserService(session, now=ctx.now).create(body, actor))
