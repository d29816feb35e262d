"""``/api/v1/agents``: which accounts are agents at which phones with which skills (the presence actions —
log in, pause, ready — are the agent bridge's, they talk to Asterisk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ticketing.accounts.actor import require_role
from ticketing.agents.schemas import AgentBind, AgentOut, StateChangeOut
from ticketing.agents.service import AgentService
from ticketing.agents.vocabulary import AgentStatus
from ticketing.api.deps import Context, CurrentActor
from ticketing.tickets.lifecycle import Role

router = APIRouter(tags=["agents"])
_DESK = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@router.get("/agents")
def list_agents(ctx: Context, actor: CurrentActor) -> list[AgentOut]:
    """Every agent with its phone, skills and presence (hotline desk roles)."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        return [AgentOut.of(view) for view in AgentService(session, now=ctx.now).listing()]


@router.post("/agents", status_code=status.HTTP_201_CREATED)
def bind_agent(body: AgentBind, ctx: Context, actor: CurrentActor) -> AgentOut:
    """Make an account with role agent the agent at a phone, with skills (supervisor/admin); again:
    update them."""
    with ctx.unit_of_work() as session:
        view = AgentService(session, now=ctx.now).bind(
            body.username, body.extension, body.skills, actor, wrapup_seconds=body.wrapup_seconds
        )
        return AgentOut.of(view)


@router.get("/agents/me/history")
def my_history(
    ctx: Context, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[StateChangeOut]:
    """My latest presence changes, newest first."""
    require_role(actor, Role.AGENT)
    assert actor.user_id is not None
    with ctx.unit_of_work() as session:
        service = AgentService(session, now=ctx.now)
        service.get(actor.user_id)
        return [
            StateChangeOut(
                at=c.at, status=AgentStatus(c.status), reason=c.reason, source=c.source, call_id=c.call_id
            )
            for c in service.history(actor.user_id, limit)
        ]
