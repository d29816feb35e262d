"""Request dependencies: the API context and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ticketing.accounts.actor import Actor
from ticketing.accounts.service import UserService
from ticketing.api.context import ApiContext
from ticketing.errors import AuthenticationRequired

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
