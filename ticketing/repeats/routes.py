"""Repeat matters (并单) on ``/api/v1/tickets/{ref}/…``.

- ``GET /tickets/{ref}/repeat-candidates`` — earlier tickets of the same caller about the same matter.
- ``POST /tickets/{ref}/merge`` — link the new ticket to an earlier open one instead of dispatching it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ticketing.api.deps import Context, CurrentActor
from ticketing.errors import InvalidInput
from ticketing.repeats.schemas import MergeLinkOut, MergeRequest, RepeatCandidatesOut
from ticketing.repeats.service import RepeatService
from ticketing.repeats.similarity import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    Measure,
    RepeatRules,
)
from ticketing.schema_types import Ref

router = APIRouter(tags=["supervision"])


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
