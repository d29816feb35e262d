"""The unit side of the API: the department inbox, 会签 steps and ticket attachments.

- ``GET /inbox`` — a department user's work: 待签收 (with the R-RET same-day / 24 h clock), 办理中/承诺
  (with due dates) and 会签 shares not yet replied; callers masked as in every list (R-PRIV).
- ``GET /inbox/{ref}`` — one ticket as the unit works on it: the ticket, the shares, the unit's steps.
- ``GET /tickets/{ref}/countersign`` and ``POST /tickets/{ref}/co_accept | co_reply | waive_co_replies``.
- ``POST|GET /tickets/{ref}/attachments`` and ``GET /tickets/{ref}/attachments/{id}`` (download).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ticketing.api.deps import Context, CurrentActor, require_role
from ticketing.categories import Category
from ticketing.db.models import Department, Ticket, TicketAssignment
from ticketing.lifecycle import HandlingKind, Role, Status
from ticketing.schemas import (
    AttachmentOut,
    CoActionRequest,
    InboxCounts,
    InboxItem,
    InboxOut,
    InboxTicketOut,
    Ref,
    ShareOut,
    TicketOut,
)
from ticketing.services import attachments, privacy
from ticketing.services.actor import Actor
from ticketing.services.countersign import (
    CO_STATUSES,
    CoAction,
    CountersignService,
    ResponseClock,
    pending_co_units,
    unit_actions,
)
from ticketing.services.tickets import TicketService, facts_of

router = APIRouter(tags=["department inbox"])


# -- inbox -----------------------------------------------------------------------------------------
@router.get("/inbox")
def inbox(ctx: Context, actor: CurrentActor) -> InboxOut:
    """My unit's work, grouped: 待签收, 办理中/承诺, 会签 (department users)."""
    require_role(actor, Role.DEPARTMENT)
    with ctx.unit_of_work() as session:
        return _inbox(session, actor, ctx.now())


@router.get("/inbox/{ref}")
def inbox_ticket(ref: Ref, ctx: Context, actor: CurrentActor) -> InboxTicketOut:
    """One ticket with the unit's share, the 会签 progress and the steps open to my unit."""
    require_role(actor, Role.DEPARTMENT)
    with ctx.unit_of_work() as session:
        tickets = TicketService(session, now=ctx.now)
        out = tickets.get(ref, actor)  # full view where allowed; the identity read is audited
        ticket = tickets.load(ref, actor)
        countersign = CountersignService(session, now=ctx.now)
        shares = countersign.shares(ticket)
        mine = next((s for s in shares if s.department_id == actor.department_id), None)
        required = bool(countersign.required([ticket]))
        pending = pending_co_units(shares, required=required)
        facts = replace(facts_of(ticket), pending_co_units=pending)
        waiting = mine is not None and (
            ticket.status == Status.DISPATCHED.value if mine.role == "lead" else mine.accepted_at is None
        )
        clock = _clock(ticket, None) if waiting else None
        return InboxTicketOut(
            ticket=out,
            my_role=mine.role if mine else None,
            my_actions=unit_actions(facts, mine),
            shares=countersign.shares_out(ticket),
            countersign_required=required,
            pending_co_units=pending,
            return_deadline=clock.return_by if clock else None,
            collect_deadline=clock.collect_by if clock else None,
        )


def _inbox(session: Session, actor: Actor, now: datetime) -> InboxOut:
    unit = session.get(Department, actor.department_id)
    assert unit is not None
    rows = [
        (ticket, mine)
        for ticket, mine in session.execute(
            select(Ticket, TicketAssignment)
            .join(TicketAssignment, TicketAssignment.ticket_id == Ticket.id)
            .where(
                TicketAssignment.department_id == unit.id,
                TicketAssignment.active.is_(True),
                Ticket.status.in_([s.value for s in CO_STATUSES]),
            )
            .options(selectinload(Ticket.assignments))
        )
    ]
    countersign = CountersignService(session)
    settled = countersign.settlements([t for t, _ in rows])
    required = countersign.required([t for t, _ in rows])
    groups: dict[str, list[InboxItem]] = {"to_collect": [], "handling": [], "countersign": []}
    for ticket, mine in rows:
        if mine.role == "lead":
            group = "to_collect" if ticket.status == Status.DISPATCHED.value else "handling"
            waiting = group == "to_collect"
        elif mine.id in settled:
            continue  # this co-unit has replied (or was waived): nothing left to do
        else:
            group, waiting = "countersign", mine.accepted_at is None
        needed = ticket.id in required
        pending = pending_co_units(countersign.shares(ticket, settled), required=needed)
        groups[group].append(_item(ticket, mine, actor, now, waiting, needed, pending))
    groups["to_collect"].sort(key=lambda i: (i.dispatched_at or now, i.number))
    groups["handling"].sort(key=lambda i: (i.due_at is None, i.due_at or now, i.number))
    groups["countersign"].sort(key=lambda i: (i.dispatched_at or now, i.number))
    return InboxOut(
        department_code=unit.code,
        department_name=unit.name,
        as_of=now,
        counts=InboxCounts(**{name: len(items) for name, items in groups.items()}),
        **groups,
    )


def _clock(ticket: Ticket, mine: TicketAssignment | None) -> ResponseClock | None:
    dispatched = ticket.dispatched_at or (mine.assigned_at if mine else None)
    return ResponseClock(dispatched) if dispatched else None


def _item(
    ticket: Ticket,
    mine: TicketAssignment,
    actor: Actor,
    now: datetime,
    waiting: bool,
    required: bool,
    pending: int,
) -> InboxItem:
    status_ = Status(ticket.status)
    clock = _clock(ticket, mine) if waiting else None
    return InboxItem(
        id=ticket.id,
        number=ticket.number,
        version=ticket.version,
        title=ticket.title,
        category=Category(ticket.category),
        category_label=Category(ticket.category).label_zh,
        urgency=ticket.urgency,
        status=status_,
        status_label=status_.label_zh,
        handling_kind=HandlingKind(ticket.handling_kind),
        caller=privacy.caller_view(ticket, actor, full=False),
        my_role=mine.role,
        dispatched_at=ticket.dispatched_at or mine.assigned_at,
        accepted_at=None if waiting else mine.accepted_at,
        return_deadline=clock.return_by if clock else None,
        collect_deadline=clock.collect_by if clock else None,
        return_late=clock.return_late(now) if clock else False,
        collect_late=clock.collect_late(now) if clock else False,
        due_at=ticket.due_at,
        due_provisional=ticket.due_provisional,
        overdue=ticket.due_at is not None and ticket.due_at <= now,
        promised_date=ticket.promised_date,
        extension_pending=ticket.extension_pending,
        supervised=ticket.supervised,
        countersign_required=required,
        pending_co_units=pending if mine.role == "lead" else 0,
    )


# -- 会签 ------------------------------------------------------------------------------------------
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


# -- attachments -----------------------------------------------------------------------------------
def _storage(request: Request) -> Path:
    """The attachment directory: the app's setting, else the module default (read per request)."""
    configured = getattr(request.app.state, "attachments_dir", None)
    return Path(configured) if configured else attachments.DEFAULT_STORAGE_DIR


@router.post("/tickets/{ref}/attachments", status_code=status.HTTP_201_CREATED)
def upload_attachment(
    ref: Ref,
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="pdf, jpg, png, docx, xlsx or txt; at most 10 MB")],
) -> AttachmentOut:
    """Upload one file (multipart field ``file``); cite its id in 回复/承诺/延期申请/会签回复."""
    with ctx.unit_of_work() as session:
        service = attachments.AttachmentService(session, _storage(request), now=ctx.now)
        return service.upload(ref, actor, file.filename, file.file)


@router.get("/tickets/{ref}/attachments")
def list_attachments(ref: Ref, request: Request, ctx: Context, actor: CurrentActor) -> list[AttachmentOut]:
    """The ticket's attachments, oldest first."""
    with ctx.unit_of_work() as session:
        return attachments.AttachmentService(session, _storage(request), now=ctx.now).listing(ref, actor)


@router.get("/tickets/{ref}/attachments/{attachment_id}", response_class=FileResponse)
def download_attachment(
    ref: Ref, attachment_id: Ref, request: Request, ctx: Context, actor: CurrentActor
) -> FileResponse:
    """Download one attachment (only for those who may see the ticket)."""
    with ctx.unit_of_work() as session:
        service = attachments.AttachmentService(session, _storage(request), now=ctx.now)
        row, path = service.open(ref, attachment_id, actor)
        return FileResponse(
            path,
            media_type=row.content_type,
            filename=row.filename,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )
