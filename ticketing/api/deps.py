"""Request dependencies: the API context and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ticketing.api.context import ApiContext
from ticketing.errors import AuthenticationRequired, PermissionDenied
from ticketing.lifecycle import Role
from ticketing.services.actor import Actor
from ticketing.services.users import UserService

_bearer = HTTPBearer(auto_error=False)


def get_context(request: Request) -> ApiContext:
    """The :class:`ApiContext` stored on the app at start-up."""
    ctx: ApiContext = request.app.state.ctx
    return ctx


Context = Annotated[ApiContext, Depends(get_context)]


def current_actor(
    ctx: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The user behind the ``Authorization: Bearer`` token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationRequired("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    with ctx.unit_of_work() as session:
        return UserService(session, now=ctx.now).actor_for_token(credentials.credentials)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse ``actor`` unless it has one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDenied(
            f"role {actor.role.value} may not do this", allowed_roles=[r.value for r in roles]
        )
