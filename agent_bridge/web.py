"""The agent bridge's HTTP side (mounted under ``/api/v1`` by the composition root):

- ``GET /agents/me`` — my phone, skills, presence and what my phone is doing;
- ``POST /agents/me/login | logout | ready``, ``POST /agents/me/pause {reason}`` — presence (agents);
- ``POST /agents/{username}/logout | ready`` — a supervisor's hand on an agent;
- ``POST /agents/me/transfer {target}`` — warm transfer of my current call (the draft travels along:
  ``HOTLINE_DRAFT_ID`` is inherited by the new legs);
- ``WS /agents/me/events?token=…`` — my screen pops, presence and live transcript, only mine;
- ``GET /wallboard``, ``WS /wallboard/events?token=…`` — the supervisor wallboard (supervisor/admin).

WebSockets carry the bearer token in the query (browsers cannot set headers on them); a missing or wrong
token closes the socket with code 4401, a role that may not listen with 4403.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect

from agent_bridge.bridge import AgentBridge, presence_message
from agent_bridge.errors import TelephonyUnavailable
from agent_bridge.hub import Hub, Outbox
from ticketing.accounts.actor import Actor, require_role
from ticketing.accounts.service import UserService
from ticketing.agents.schemas import AgentOut, PauseRequest, TransferRequest
from ticketing.agents.service import AgentService, AgentView
from ticketing.agents.vocabulary import PauseReason, StateSource
from ticketing.api.context import ApiContext
from ticketing.api.deps import Context, CurrentActor
from ticketing.errors import InvalidInput, TicketingError
from ticketing.tickets.lifecycle import Role

router = APIRouter(tags=["agent desktop"])
_CENTRE = (Role.SUPERVISOR, Role.ADMIN)


def get_bridge(request: Request) -> AgentBridge:
    """The running bridge, or 503 when the process runs without one (no ``HOTLINE_AMI_HOST``)."""
    bridge = getattr(request.app.state, "bridge", None)
    if not isinstance(bridge, AgentBridge):
        raise TelephonyUnavailable("no agent bridge runs in this process (set HOTLINE_AMI_HOST)")
    return bridge


Bridge = Annotated[AgentBridge, Depends(get_bridge)]


def _me(ctx: ApiContext, actor: Actor) -> AgentView:
    require_role(actor, Role.AGENT)
    assert actor.user_id is not None
    with ctx.unit_of_work() as session:
        return AgentService(session, now=ctx.now).get(actor.user_id)


def _named(ctx: ApiContext, actor: Actor, username: str) -> AgentView:
    require_role(actor, *_CENTRE)
    with ctx.unit_of_work() as session:
        return AgentService(session, now=ctx.now).by_username(username)


def _out(bridge: AgentBridge | None, view: AgentView) -> AgentOut:
    return AgentOut.of(view, bridge.board.agent_state(view) if bridge is not None else None)


@router.get("/agents/me")
def who_am_i_as_agent(request: Request, ctx: Context, actor: CurrentActor) -> AgentOut:
    """My phone, skills and presence; ``line`` says what my phone is doing when the bridge runs."""
    return _out(getattr(request.app.state, "bridge", None), _me(ctx, actor))


@router.post("/agents/me/login")
async def log_in_to_queues(ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Join my skill queues, ready to take calls."""
    return _out(bridge, await bridge.login(_me(ctx, actor).user_id))


@router.post("/agents/me/logout")
async def log_out_of_queues(ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Leave every queue."""
    return _out(bridge, await bridge.logout(_me(ctx, actor).user_id))


@router.post("/agents/me/pause")
async def pause(body: PauseRequest, ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Take no calls for a while (小休, 培训, 会议)."""
    if body.reason not in PauseReason.chosen_by_agent():
        raise InvalidInput("后处理 starts by itself after a call", field="reason")
    return _out(bridge, await bridge.pause(_me(ctx, actor).user_id, body.reason))


@router.post("/agents/me/ready")
async def ready(ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Take calls again (ends a pause or 后处理)."""
    return _out(bridge, await bridge.ready(_me(ctx, actor).user_id))


@router.post("/agents/{username}/logout")
async def supervisor_logout(username: str, ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Take an agent out of the queues (supervisor/admin)."""
    return _out(bridge, await bridge.logout(_named(ctx, actor, username).user_id, StateSource.SUPERVISOR))


@router.post("/agents/{username}/ready")
async def supervisor_ready(username: str, ctx: Context, actor: CurrentActor, bridge: Bridge) -> AgentOut:
    """Put an agent back to taking calls (supervisor/admin)."""
    return _out(bridge, await bridge.ready(_named(ctx, actor, username).user_id, StateSource.SUPERVISOR))


@router.post("/agents/me/transfer")
async def transfer(
    body: TransferRequest, ctx: Context, actor: CurrentActor, bridge: Bridge
) -> dict[str, str]:
    """Warm transfer of my current call to ``target``: I talk to them first, then hang up to hand the
    caller over (or press the three-way key). The draft travels with the call."""
    channel = await bridge.transfer(_me(ctx, actor).interface, body.target)
    return {"status": "transferring", "target": body.target, "channel": channel}


@router.get("/wallboard")
def wallboard(actor: CurrentActor, bridge: Bridge) -> dict[str, Any]:
    """The wallboard now (supervisor/admin)."""
    require_role(actor, *_CENTRE)
    return bridge.board.snapshot(time.time())


# -- websockets --------------------------------------------------------------------------------------------


async def _authenticate(ws: WebSocket, token: str | None, roles: tuple[Role, ...]) -> Actor | None:
    ctx: ApiContext = ws.app.state.ctx
    if not token:
        await ws.close(code=4401, reason="token missing")
        return None
    try:
        with ctx.unit_of_work() as session:
            actor = UserService(session, now=ctx.now).actor_for_token(token)
    except TicketingError:
        await ws.close(code=4401, reason="invalid or expired token")
        return None
    if actor.role not in roles:
        await ws.close(code=4403, reason=f"role {actor.role.value} may not listen here")
        return None
    return actor


async def _pump(ws: WebSocket, hub: Hub, box: Outbox, first: list[dict[str, Any]]) -> None:
    """Send ``first`` then the outbox until the socket closes (either side)."""

    async def send() -> None:
        for message in first:
            await ws.send_json(message)
        async for message in box:
            await ws.send_json(message)

    async def receive() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await ws.receive_text()  # pings from the page; nothing else is expected

    sender = asyncio.create_task(send())
    receiver = asyncio.create_task(receive())
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.close(box)
        for task in (sender, receiver):
            task.cancel()
        for task in (sender, receiver):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close()  # already closed by the page: nothing to say


@router.websocket("/agents/me/events")
async def agent_events(ws: WebSocket, token: Annotated[str | None, Query()] = None) -> None:
    """My screen pops, presence and live transcript."""
    actor = await _authenticate(ws, token, (Role.AGENT,))
    if actor is None:
        return
    ctx: ApiContext = ws.app.state.ctx
    try:
        view = _me(ctx, actor)
    except TicketingError as exc:
        await ws.close(code=4404, reason=exc.message[:120])
        return
    hub: Hub = ws.app.state.hub
    await ws.accept()
    box = hub.open_agent(view.user_id)
    bridge = getattr(ws.app.state, "bridge", None)
    hello = {"type": "hello", "telephony": bool(bridge and bridge.ami.connected.is_set())}
    await _pump(ws, hub, box, [hello, presence_message(view)])


@router.websocket("/wallboard/events")
async def wallboard_events(ws: WebSocket, token: Annotated[str | None, Query()] = None) -> None:
    """The wallboard, pushed when it changes (at most once a second)."""
    actor = await _authenticate(ws, token, _CENTRE)
    if actor is None:
        return
    hub: Hub = ws.app.state.hub
    await ws.accept()
    box = hub.open_board()
    bridge = getattr(ws.app.state, "bridge", None)
    first = [bridge.board.snapshot(time.time())] if isinstance(bridge, AgentBridge) else []
    await _pump(ws, hub, box, first)
