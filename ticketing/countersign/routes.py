"""``/api/v1/tickets/{ref}/countersign`` (the units' shares) and the 会签 steps
``POST /tickets/{ref}/co_accept | co_reply | waive_co_replies``."""

from __future__ import annotations

from fastapi import APIRouter

from ticketing.api.deps import Context, CurrentActor
from ticketing.countersign.schemas import CoActionRequest, ShareOut
from ticketing.countersign.service import (
    CoAction,
    CountersignService,
)
from ticketing.schema_types import Ref
from ticketing.tickets.schemas import TicketOut
from ticketing.tickets.service import TicketService

router = APIRouter(tags=["department inbox"])


@router.get("/tickets/{ref}/countersign")
def countersign_shares(ref: Ref, ctx: Context, actor: CurrentActor) -> list[ShareOut]:
    """The units' shares of a ticket and each co-unit's 会签 progress this round."""
    with ctx.unit_of_work() as session:
        ticket = TicketService(session, now=ctx.now).load(ref, actor)
        return CountersignService(session, now=ctx.now).shares_out(ticket)


def _co_route(action: CoAction) -> None:
    def perform(ref: Ref, body: CoActionRequest, ctx: Context, actor: CurrentActor) -> TicketOut:
        with ctx.unit_of_work() as session:
            tickets = TicketService(session, now=ctx.now)
            ticket = CountersignService(session, now=ctx.now).perform(
                tickets.load(ref, actor), action, body, actor
            )
            return tickets.to_out(ticket, actor, full=False)

    perform.__name__ = f"{action.value}_ticket"
    perform.__doc__ = f"{action.label_zh} ({action.value}); the status does not change."
    router.add_api_route(
        f"/tickets/{{ref}}/{action.value}",
        perform,
        methods=["POST"],
        summary=f"{action.label_zh} / {action.value}",
        response_model=TicketOut,
    )


for _action in CoAction:
    _co_route(_action)
