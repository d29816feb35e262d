"""SQL → plain rows for the statistics and scores (the only module of the package that queries).

Which tickets are read for a period P: those with an event from 24 h before P on (a response window
may close inside P), those whose current ``due_at`` falls in P (a deadline may pass with no event),
and those touched after P began (``updated_at``: every action bumps it, so a later event does not
hide an earlier deadline). All their events up to ``as_of`` are replayed; the replay decides what
counts in P.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from ticketing.calls.models import Call
from ticketing.departments.models import Department
from ticketing.statistics.models import ScoreItem
from ticketing.statistics.periods import Period
from ticketing.statistics.rates import CallRow
from ticketing.statistics.scoring import ManualItem, ManualKind
from ticketing.statistics.timeline import RESPONSE_WINDOW, EventRow
from ticketing.tickets.models import Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    """A unit as the statistics need it."""

    id: uuid.UUID
    code: str
    name: str
    active: bool


def departments(session: Session) -> list[DepartmentRow]:
    """Every unit, by code."""
    rows = session.execute(
        select(Department.id, Department.code, Department.name, Department.active).order_by(Department.code)
    ).all()
    return [DepartmentRow(r.id, r.code, r.name, r.active) for r in rows]


def ticket_events(session: Session, period: Period, as_of: datetime) -> list[EventRow]:
    """The events (up to ``as_of``) of every ticket that can contribute to ``period``."""
    since = period.start - RESPONSE_WINDOW
    candidates = union(
        select(TicketEvent.ticket_id.label("id")).where(TicketEvent.at >= since, TicketEvent.at < period.end),
        select(Ticket.id.label("id")).where(Ticket.due_at >= period.start, Ticket.due_at < period.end),
        select(Ticket.id.label("id")).where(Ticket.updated_at >= since, Ticket.created_at < period.end),
    ).subquery()
    stmt = (
        select(
            TicketEvent.id,
            TicketEvent.ticket_id,
            Ticket.number,
            Ticket.category,
            TicketEvent.at,
            TicketEvent.action,
            TicketEvent.to_status,
            TicketEvent.payload,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.ticket_id.in_(select(candidates.c.id)), TicketEvent.at <= as_of)
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    )
    return [
        EventRow(r.id, r.ticket_id, r.number, r.category, r.at, r.action, r.to_status, r.payload or {})
        for r in session.execute(stmt)
    ]


def calls(session: Session, period: Period) -> list[CallRow]:
    """Calls started in ``period``."""
    stmt = select(
        Call.started_at,
        Call.queued_at,
        Call.answered_at,
        Call.end_reason,
        Call.abandoned_at,
        Call.hold_seconds,
    ).where(Call.started_at >= period.start, Call.started_at < period.end)
    return [
        CallRow(r.started_at, r.queued_at, r.answered_at, r.end_reason, r.abandoned_at, r.hold_seconds)
        for r in session.execute(stmt)
    ]


def manual_items(
    session: Session, month: str, department_ids: Sequence[uuid.UUID] | None = None
) -> list[ManualItem]:
    """The month's non-withdrawn manual items (of some units only, if given)."""
    stmt = (
        select(ScoreItem, Department.code, Ticket.number)
        .join(Department, Department.id == ScoreItem.department_id)
        .outerjoin(Ticket, Ticket.id == ScoreItem.ticket_id)
        .where(ScoreItem.month == month, ScoreItem.withdrawn_at.is_(None))
        .order_by(ScoreItem.created_at, ScoreItem.id)
    )
    if department_ids is not None:
        stmt = stmt.where(ScoreItem.department_id.in_(list(department_ids)))
    return [
        ManualItem(
            id=item.id,
            department=code,
            month=item.month,
            kind=ManualKind(item.kind),
            points=item.points,
            reason=item.reason,
            ticket_number=number,
            created_at=item.created_at,
        )
        for item, code, number in session.execute(stmt)
    ]
