"""``/api/v1/inbox``: a department user's work (``GET /inbox``) and one ticket as the unit works on it
(``GET /inbox/{ref}``)."""

from __future__ import annotations

from fastapi import APIRouter

from ticketing.api.deps import Context, CurrentActor
from ticketing.inbox.schemas import InboxOut, InboxTicketOut
from ticketing.inbox.service import InboxService
from ticketing.schema_types import Ref

router = APIRouter(tags=["department inbox"])


@router.get("/inbox")
def inbox(ctx: Context, actor: CurrentActor) -> InboxOut:
    """My unit's work, grouped: 待签收, 办理中/承诺, 会签 (department users)."""
    with ctx.unit_of_work() as session:
        return InboxService(session, now=ctx.now).inbox(actor)


@router.get("/inbox/{ref}")
def inbox_ticket(ref: Ref, ctx: Context, actor: CurrentActor) -> InboxTicketOut:
    """One ticket with the unit's share, the 会签 progress and the steps open to my unit."""
    with ctx.unit_of_work() as session:
        return InboxService(session, now=ctx.now).ticket(ref, actor)
