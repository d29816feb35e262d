"""Deadlines per category (R-TL) and the overdue / due-soon checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ticketing.calendar.workdays import WorkCalendar
from ticketing.categories import Category
from ticketing.errors import CalendarError
from ticketing.tickets.deadlines import due_for, is_due_soon, is_overdue

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISPATCHED = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("category", "last_day"),
    [
        (Category.CONSULT, "2026-10-10"),  # 3: Oct 8, 9, 10 (make-up Saturday)
        (Category.PRAISE, "2026-10-10"),
        (Category.OTHER, "2026-10-10"),
        (Category.HELP, "2026-10-13"),  # 5: ... Oct 12, 13
        (Category.COMPLAINT, "2026-10-13"),
        (Category.SUGGESTION, "2026-10-13"),
        (Category.REPORT, "2026-10-20"),  # 10: ... Oct 14, 15, 16, 19, 20
    ],
)
def test_due_for_each_category(cal: WorkCalendar, category: Category, last_day: str) -> None:
    deadline = due_for(category, DISPATCHED, cal)
    end = datetime.fromisoformat(last_day).replace(tzinfo=SHANGHAI) + timedelta(days=1)
    assert deadline.due_at == end.astimezone(UTC)
    assert deadline.due_at.tzinfo is UTC
    assert not deadline.provisional


def test_due_for_covers_every_category(cal: WorkCalendar) -> None:
    for category in Category:
        due = due_for(category, DISPATCHED, cal).due_at.astimezone(SHANGHAI).date() - timedelta(days=1)
        assert cal.workdays_between(DISPATCHED.date(), due) == category.time_limit_workdays


def test_due_for_rejects_naive(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarError):
        due_for(Category.CONSULT, datetime(2026, 9, 30, 10, 0), cal)


DUE = datetime(2026, 10, 10, 16, 0, tzinfo=UTC)


def test_is_overdue() -> None:
    assert not is_overdue(DUE, DUE - timedelta(seconds=1))
    assert is_overdue(DUE, DUE)
    assert is_overdue(DUE, DUE + timedelta(days=2))
    assert is_overdue(DUE, datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI))  # same instant, other zone


def test_is_due_soon() -> None:
    window = timedelta(hours=24)
    assert is_due_soon(DUE, DUE - timedelta(hours=2), window)
    assert is_due_soon(DUE, DUE - window, window)
    assert not is_due_soon(DUE, DUE - window - timedelta(seconds=1), window)
    assert not is_due_soon(DUE, DUE, window)  # overdue, no longer "soon"
    assert not is_due_soon(DUE, DUE - timedelta(hours=1), timedelta(0))


def test_naive_and_negative_inputs() -> None:
    naive = datetime(2026, 10, 10, 12, 0)
    with pytest.raises(CalendarError):
        is_overdue(DUE, naive)
    with pytest.raises(CalendarError):
        is_overdue(naive, DUE)
    with pytest.raises(CalendarError):
        is_due_soon(DUE, naive, timedelta(hours=1))
    with pytest.raises(CalendarError, match="negative"):
        is_due_soon(DUE, DUE - timedelta(hours=1), timedelta(hours=-1))
