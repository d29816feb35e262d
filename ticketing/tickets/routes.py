"""``/api/v1/tickets``: register, read, list, act, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ticketing.api.deps import Context, CurrentActor
from ticketing.schema_types import Page, Ref
from ticketing.tickets.actions import ActionService
from ticketing.tickets.lifecycle import Action
from ticketing.tickets.schemas import ActionRequest, EventOut, TicketCreate, TicketOut, TicketQuery
from ticketing.tickets.service import TicketService

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, ctx: Context, actor: CurrentActor) -> TicketOut:
    """登记 a work order (or save a 草稿 with ``as_draft``)."""
    with ctx.unit_of_work() as session:
        service = TicketService(session, now=ctx.now)
        ticket = service.create(body, actor)
        return service.to_out(ticket, actor, full=True)


@router.get("")
def list_tickets(
    ctx: Context, actor: CurrentActor, query: Annotated[TicketQuery, Query()]
) -> Page[TicketOut]:
    """Tickets visible to the caller, filtered and paginated; caller identities masked."""
    with ctx.unit_of_work() as session:
        return TicketService(session, now=ctx.now).find(query, actor)


@router.get("/{ref}")
def get_ticket(ref: Ref, ctx: Context, actor: CurrentActor) -> TicketOut:
    """One ticket by id or number; reading the caller identity is audited."""
    with ctx.unit_of_work() as session:
        return TicketService(session, now=ctx.now).get(ref, actor)


@router.get("/{ref}/events")
def ticket_events(ref: Ref, ctx: Context, actor: CurrentActor) -> list[EventOut]:
    """Every state change of the ticket, oldest first."""
    with ctx.unit_of_work() as session:
        return TicketService(session, now=ctx.now).events(ref, actor)


def _action_route(action: Action) -> None:
    def perform(ref: Ref, body: ActionRequest, ctx: Context, actor: CurrentActor) -> TicketOut:
        with ctx.unit_of_work() as session:
            ticket = ActionService(session, ctx.calendar(session), now=ctx.now).perform(
                ref, action, body, actor
            )
            return TicketService(session, now=ctx.now).to_out(ticket, actor, full=False)

    perform.__name__ = f"{action.value}_ticket"
    perform.__doc__ = f"{action.label_zh} ({action.value}). Illegal in the current state → 409."
    router.add_api_route(
        f"/{{ref}}/{action.value}",
        perform,
        methods=["POST"],
        summary=f"{action.label_zh} / {action.value}",
        response_model=TicketOut,
    )


for _action in Action:
    _action_route(_action)
