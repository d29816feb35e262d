"""Admin overrides of the working-day calendar, kept in the database (extra holidays/workdays, and
years whose official notice has been loaded), and recomputation of provisional deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.calendar.models import CalendarOverride, CalendarYear
from ticketing.calendar.workdays import WorkCalendar
from ticketing.categories import Category
from ticketing.tickets.deadlines import due_for
from ticketing.tickets.lifecycle import OPEN_STATUSES
from ticketing.tickets.models import Ticket


def load_calendar(session: Session) -> WorkCalendar:
    """A :class:`WorkCalendar` with every stored override and confirmed year."""
    overrides = {row.day: row.workday for row in session.scalars(select(CalendarOverride))}
    years = list(session.scalars(select(CalendarYear.year)))
    return WorkCalendar(overrides=overrides, confirmed_years=years)


def save_overrides(
    session: Session, days: Iterable[tuple[date, bool, str | None]], *, confirm_year: int | None = None
) -> int:
    """Store ``(day, is_workday, note)`` overrides (replacing earlier ones for the same day).

    ``confirm_year`` marks that year's official notice as loaded: its deadlines stop being provisional.
    Returns the number of days written.
    """
    count = 0
    for day, workday, note in days:
        row = session.get(CalendarOverride, day)
        if row is None:
            session.add(CalendarOverride(day=day, workday=workday, note=note))
        else:
            row.workday, row.note = workday, note
        count += 1
    if confirm_year is not None and session.get(CalendarYear, confirm_year) is None:
        session.add(CalendarYear(year=confirm_year, note="official notice loaded"))
    session.flush()
    return count


def recompute_provisional_deadlines(session: Session, calendar: WorkCalendar) -> int:
    """Recompute the deadline of every open ticket whose deadline was provisional; return how many."""
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.due_provisional.is_(True),
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
            Ticket.dispatched_at.is_not(None),
        )
    )
    count = 0
    for ticket in tickets:
        assert ticket.dispatched_at is not None
        deadline = due_for(Category(ticket.category), ticket.dispatched_at, calendar)
        ticket.due_at = deadline.due_at
        ticket.due_provisional = deadline.provisional
        count += 1
    session.flush()
    return count
