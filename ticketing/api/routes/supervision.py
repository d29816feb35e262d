"""``/api/v1/supervision/overview`` (R-SUP) and repeat matters (并单) on ``/api/v1/tickets/{ref}/…``.

- ``GET /supervision/overview`` — counts and lists: overdue, due soon, 督办, 待批办, 退件, 延期 pending.
- ``GET /tickets/{ref}/repeat-candidates`` — earlier tickets of the same caller about the same matter.
- ``POST /tickets/{ref}/merge`` — link the new ticket to an earlier open one instead of dispatching it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ticketing.api.deps import Context, CurrentActor
from ticketing.errors import InvalidInput
from ticketing.repeats import DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, Measure, RepeatRules
from ticketing.schemas import Ref
from ticketing.services.repeats import MergeLinkOut, MergeRequest, RepeatCandidatesOut, RepeatService
from ticketing.services.supervision import OverviewOut, SupervisionService

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


@router.get("/tickets/{ref}/repeat-candidates")
def repeat_candidates(
    ref: Ref,
    ctx: Context,
    actor: CurrentActor,
    window_days: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS)] = DEFAULT_WINDOW_DAYS,
    threshold: Annotated[float, Query(gt=0, le=1)] = DEFAULT_THRESHOLD,
    measure: Measure = Measure.JACCARD,
) -> RepeatCandidatesOut:
    """Earlier tickets of the same caller phone, in the window, same category family, similar text."""
    try:
        rules = RepeatRules(window_days=window_days, threshold=threshold, measure=measure)
    except ValueError as exc:  # pragma: no cover - the query bounds already refuse these
        raise InvalidInput(str(exc)) from None
    with ctx.unit_of_work() as session:
        return RepeatService(session, now=ctx.now).candidates(ref, actor, rules)


@router.post("/tickets/{ref}/merge")
def merge_ticket(ref: Ref, body: MergeRequest, ctx: Context, actor: CurrentActor) -> MergeLinkOut:
    """并单: ticket ``ref`` repeats ``body.into`` and is handled under it (agent/supervisor/admin)."""
    with ctx.unit_of_work() as session:
        return RepeatService(session, now=ctx.now).merge(ref, body, actor)
