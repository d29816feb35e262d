"""``/api/v1/calls`` and ``/api/v1/drafts``: the calls with their queue part, what the desktop shows for
one, the drafts and their recordings (hotline desk roles). A draft becomes a ticket through
``POST /tickets`` with its ``draft_id``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from ticketing.accounts.actor import require_role
from ticketing.api.deps import Context, CurrentActor
from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.schemas import CallOut, CallQuery, CallState, DraftOut
from ticketing.calls.screen import CallScreenService, draft_view
from ticketing.errors import NotFound
from ticketing.phone import normalise_phone
from ticketing.schema_types import Page
from ticketing.tickets.lifecycle import Role

router = APIRouter(tags=["calls"])
_DESK = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
_AUDIO = {".wav": "audio/wav", ".wav16": "audio/wav", ".sln16": "audio/L16;rate=16000"}


@router.get("/calls")
def list_calls(ctx: Context, actor: CurrentActor, query: Annotated[CallQuery, Query()]) -> Page[CallOut]:
    """Calls, newest first; ``state=abandoned`` is the missed-call list."""
    require_role(actor, *_DESK)
    stmt = select(Call)
    if query.state is CallState.ABANDONED:
        stmt = stmt.where(Call.abandoned_at.is_not(None))
    elif query.state is CallState.ANSWERED:
        stmt = stmt.where(Call.answered_at.is_not(None))
    elif query.state is CallState.WAITING:
        stmt = stmt.where(
            Call.queued_at.is_not(None), Call.answered_at.is_(None), Call.abandoned_at.is_(None)
        )
    if query.caller_phone:
        stmt = stmt.where(Call.caller_phone == normalise_phone(query.caller_phone))
    with ctx.unit_of_work() as session:
        total = session.scalar(stmt.with_only_columns(func.count())) or 0
        rows = session.scalars(
            stmt.order_by(Call.started_at.desc())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).all()
        return Page[CallOut](
            items=[CallOut.of(c) for c in rows], total=total, page=query.page, page_size=query.page_size
        )


@router.get("/calls/{call_id}")
def get_call(call_id: uuid.UUID, ctx: Context, actor: CurrentActor) -> CallOut:
    """One call."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        return CallOut.of(_call(session, call_id))


@router.get("/calls/{call_id}/screen")
def call_screen(call_id: uuid.UUID, ctx: Context, actor: CurrentActor) -> dict[str, Any]:
    """What the desktop shows for the call (the screen pop's content): draft, caller history, answers."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        return CallScreenService(session, now=ctx.now).for_call(_call(session, call_id), actor)


@router.get("/drafts/{draft_id}")
def get_draft(draft_id: uuid.UUID, ctx: Context, actor: CurrentActor) -> DraftOut:
    """One draft with its fields and their confidences."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        view = draft_view(_draft(session, draft_id))
        assert view is not None
        return DraftOut.model_validate(view)


@router.get("/drafts/{draft_id}/recording", response_class=FileResponse)
def draft_recording(draft_id: uuid.UUID, ctx: Context, actor: CurrentActor) -> FileResponse:
    """The caller's recorded description (playable in the desktop)."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        draft = _draft(session, draft_id)
        path = Path(draft.recording_path) if draft.recording_path else None
    if path is None or path.suffix not in _AUDIO or not path.is_file():
        raise NotFound("this draft has no recording to play", draft=str(draft_id))
    return FileResponse(path, media_type=_AUDIO[path.suffix], headers={"Cache-Control": "no-store"})


def _call(session: Any, call_id: uuid.UUID) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"call {call_id} does not exist", call=str(call_id))
    assert isinstance(call, Call)
    return call


def _draft(session: Any, draft_id: uuid.UUID) -> TicketDraft:
    draft = session.get(TicketDraft, draft_id)
    if draft is None:
        raise NotFound(f"draft {draft_id} does not exist", draft=str(draft_id))
    assert isinstance(draft, TicketDraft)
    return draft
