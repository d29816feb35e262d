"""``/api/v1/supervision/overview`` (R-SUP): counts and lists of what needs a leader's eye now — overdue,
due soon, 督办, 待批办, 退件, 延期 pending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ticketing.api.deps import Context, CurrentActor
from ticketing.supervision.schemas import OverviewOut
from ticketing.supervision.service import SupervisionService

router = APIRouter(tags=["supervision"])


@router.get("/supervision/overview")
def overview(
    ctx: Context,
    actor: CurrentActor,
    due_within_hours: Annotated[int, Query(ge=1, le=24 * 30)] = 24,
    limit: Annotated[int, Query(ge=1, le=500, description="tickets listed per bucket")] = 50,
) -> OverviewOut:
    """What needs a leader's eye now (hotline centre roles)."""
    with ctx.unit_of_work() as session:
        return SupervisionService(session, now=ctx.now).overview(
            actor, due_within_hours=due_within_hours, limit=limit
        )
