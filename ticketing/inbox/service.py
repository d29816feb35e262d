"""The department inbox (承办单位): a unit's work grouped for the day, and one ticket as the unit sees it.

- :meth:`InboxService.inbox` — 待签收 (with the R-RET same-day / 24 h clock), 办理中/承诺 (with due dates)
  and 会签 shares not yet replied; callers masked as in every list (R-PRIV).
- :meth:`InboxService.ticket` — one ticket with the unit's share, the 会签 progress and the unit's steps.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ticketing.accounts.actor import Actor, require_role
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.countersign.service import (
    CO_STATUSES,
    CountersignService,
    ResponseClock,
    pending_co_units,
    unit_actions,
)
from ticketing.departments.models import Department
from ticketing.inbox.schemas import InboxCounts, InboxItem, InboxOut, InboxTicketOut
from ticketing.tickets import privacy
from ticketing.tickets.lifecycle import HandlingKind, Role, Status
from ticketing.tickets.models import Ticket, TicketAssignment
from ticketing.tickets.service import TicketService, facts_of


class InboxService:
    """What a department user's inbox shows; department users only."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def inbox(self, actor: Actor) -> InboxOut:
        """My unit's work, grouped: 待签收, 办理中/承诺, 会签."""
        require_role(actor, Role.DEPARTMENT)
        return _inbox(self._session, actor, self._now())

    def ticket(self, ref: str, actor: Actor) -> InboxTicketOut:
        """One ticket with the unit's share, the 会签 progress and the steps open to my unit."""
        require_role(actor, Role.DEPARTMENT)
        session = self._session
        tickets = TicketService(session, now=self._now)
        out = tickets.get(ref, actor)  # full view where allowed; the identity read is audited
        ticket = tickets.load(ref, actor)
        countersign = CountersignService(session, now=self._now)
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
