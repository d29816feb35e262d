"""Time-limit deadlines of work orders (R-TL) on top of :class:`ticketing.calendar.workdays.WorkCalendar`."""

from __future__ import annotations

from datetime import datetime, timedelta

from ticketing.calendar.workdays import Deadline, WorkCalendar
from ticketing.categories import Category
from ticketing.errors import CalendarError


def due_for(category: Category, dispatched_at: datetime, calendar: WorkCalendar) -> Deadline:
    """Deadline of a ticket of ``category`` dispatched at ``dispatched_at`` (timezone-aware)."""
    return calendar.deadline(dispatched_at, category.time_limit_workdays)


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """True once ``now`` has reached ``due_at`` (the end of the last working day)."""
    _check_aware(due_at=due_at, now=now)
    return now >= due_at


def is_due_soon(due_at: datetime, now: datetime, window: timedelta) -> bool:
    """True when the deadline is not yet reached but falls within ``window`` from ``now``."""
    _check_aware(due_at=due_at, now=now)
    if window < timedelta(0):
        raise CalendarError("window must not be negative", window=str(window))
    return now < due_at <= now + window


def _check_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.utcoffset() is None:
            raise CalendarError(f"{name} must be a timezone-aware datetime", field=name, value=str(value))
