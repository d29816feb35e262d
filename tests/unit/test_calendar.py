"""WorkCalendar: China's 2026 holidays and 调休, overrides, provisional years, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from ticketing.calendar.workdays import MAX_WORKDAYS, Deadline, WorkCalendar
from ticketing.errors import CalendarError

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def test_every_day_of_2026_matches_chinese_calendar(cal: WorkCalendar) -> None:
    wrong = [d for d in _days(2026) if cal.is_workday(d) != chinese_calendar.is_workday(d)]
    assert wrong == []


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday, make-up for New Year
        date(2026, 2, 14),  # Saturday, make-up for Spring Festival
        date(2026, 2, 28),  # Saturday, make-up for Spring Festival
        date(2026, 5, 9),  # Saturday, make-up for May Day
        date(2026, 9, 20),  # Sunday, make-up for National Day
        date(2026, 10, 10),  # Saturday, make-up for National Day
        date(2026, 6, 1),  # Children's Day is a half-day holiday only: a working day for the hotline
        date(2026, 10, 8),  # first day back after National Day
    ],
)
def test_make_up_and_ordinary_workdays(cal: WorkCalendar, day: date) -> None:
    assert cal.is_workday(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # New Year, moved from Jan 4
        date(2026, 2, 16),  # Spring Festival eve
        date(2026, 2, 17),  # Spring Festival
        date(2026, 2, 23),  # Spring Festival, moved from Feb 28
        date(2026, 4, 6),  # Qingming (Apr 5 is a Sunday)
        date(2026, 5, 5),  # May Day, moved from May 9
        date(2026, 6, 19),  # Dragon Boat
        date(2026, 9, 25),  # Mid-Autumn
        date(2026, 10, 1),
        date(2026, 10, 7),  # National Day, moved from Oct 10
        date(2026, 10, 11),  # ordinary Sunday
    ],
)
def test_holidays(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_workday(day)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # make-up Saturday counts
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # whole Spring Festival skipped
        (date(2026, 4, 3), 1, date(2026, 4, 7)),  # Qingming
        (date(2026, 4, 30), 2, date(2026, 5, 7)),  # May Day: May 6, May 7
        (date(2026, 6, 18), 1, date(2026, 6, 22)),  # Dragon Boat
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # Mid-Autumn
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # start on a holiday: the start day never counts
    ],
)
def test_add_workdays(cal: WorkCalendar, start: date, n: int, expected: date) -> None:
    assert cal.add_workdays(start, n) == expected


def _nth_workday_per_chinese_calendar(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def test_add_workdays_agrees_with_chinese_calendar_all_2026(cal: WorkCalendar) -> None:
    # Stop 40 days before the year ends: chinese_calendar raises for years it does not know.
    for start in _days(2026)[:-40]:
        for n in (1, 3, 5, 10):
            assert cal.add_workdays(start, n) == _nth_workday_per_chinese_calendar(start, n), (start, n)


@pytest.mark.parametrize("n", [0, -1, MAX_WORKDAYS + 1, 10_000])
def test_add_workdays_rejects_bad_n(cal: WorkCalendar, n: int) -> None:
    with pytest.raises(CalendarError):
        cal.add_workdays(date(2026, 1, 5), n)


def test_add_workdays_limits(cal: WorkCalendar) -> None:
    assert cal.add_workdays(date(2026, 1, 5), MAX_WORKDAYS) > date(2027, 1, 1)
    with pytest.raises(CalendarError):
        cal.add_workdays(date(2026, 1, 5), True)
    with pytest.raises(CalendarError):
        cal.add_workdays(datetime(2026, 1, 5, tzinfo=UTC), 1)  # type: ignore[arg-type]
    with pytest.raises(CalendarError, match="out of range"):
        cal.add_workdays(date.max, 1)


def test_overrides_win_over_library() -> None:
    cal = WorkCalendar(
        overrides={date(2026, 10, 8): False, date(2026, 10, 11): True, date(2026, 10, 1): True}
    )
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 11))
    assert cal.is_workday(date(2026, 10, 1))
    assert cal.add_workdays(date(2026, 9, 30), 2) == date(2026, 10, 9)  # Oct 1, (not Oct 8), Oct 9
    assert cal.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 11)  # ..., Oct 10, Oct 11


@pytest.mark.parametrize(
    "overrides",
    [
        {datetime(2026, 10, 8, tzinfo=UTC): False},
        {date(2026, 10, 8): 1},
        {"2026-10-08": True},
    ],
)
def test_bad_overrides(overrides: dict[object, object]) -> None:
    with pytest.raises(CalendarError):
        WorkCalendar(overrides=overrides)  # type: ignore[arg-type]


def test_bad_time_zone() -> None:
    with pytest.raises(CalendarError, match="time zone"):
        WorkCalendar(tz="Asia/Nowhere")


def test_provisional_years(cal: WorkCalendar) -> None:
    assert not cal.is_provisional(2026)
    assert not cal.is_provisional(2024)
    assert cal.is_provisional(2031)
    assert not WorkCalendar(confirmed_years=[2031]).is_provisional(2031)


def test_provisional_year_is_still_answered(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2031, 3, 3))  # Monday
    assert not cal.is_workday(date(2031, 3, 1))  # Saturday
    assert not cal.is_workday(date(2031, 10, 1))  # National Day is statutory


def _first_provisional_year_after_2026(cal: WorkCalendar) -> int:
    # Computed rather than hard-coded: a newer `holidays` release will know 2027.
    return next(y for y in range(2027, 2100) if cal.is_provisional(y))


def test_deadline_crossing_into_provisional_year_is_flagged(cal: WorkCalendar) -> None:
    year = _first_provisional_year_after_2026(cal)
    dispatched = datetime(year - 1, 12, 28, 10, 0, tzinfo=SHANGHAI)
    assert cal.deadline(dispatched, 10).provisional
    assert not WorkCalendar(confirmed_years=[year]).deadline(dispatched, 10).provisional
    assert not cal.deadline(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), 10).provisional


@pytest.mark.parametrize(
    ("dispatched", "due_utc"),
    [
        # The National Day holiday absorbs the day's difference: both end on Oct 10 (make-up Saturday).
        (datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI), datetime(2026, 10, 10, 16, 0, tzinfo=UTC)),
        (datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI), datetime(2026, 10, 10, 16, 0, tzinfo=UTC)),
        # Here the Shanghai day decides: 00:30 Sep 29 Shanghai is still Sep 28 in UTC.
        (datetime(2026, 9, 28, 23, 30, tzinfo=SHANGHAI), datetime(2026, 10, 8, 16, 0, tzinfo=UTC)),
        (datetime(2026, 9, 29, 0, 30, tzinfo=SHANGHAI), datetime(2026, 10, 9, 16, 0, tzinfo=UTC)),
        (datetime(2026, 9, 28, 16, 30, tzinfo=UTC), datetime(2026, 10, 9, 16, 0, tzinfo=UTC)),
    ],
)
def test_deadline_counts_shanghai_days_and_returns_utc(
    cal: WorkCalendar, dispatched: datetime, due_utc: datetime
) -> None:
    result = cal.deadline(dispatched, 3)
    assert result == Deadline(due_at=due_utc, provisional=False)
    assert result.due_at.utcoffset() == timedelta(0)
    assert result.due_at.astimezone(SHANGHAI).time().isoformat() == "00:00:00"


def test_deadline_errors(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarError, match="timezone-aware"):
        cal.deadline(datetime(2026, 9, 30, 10, 0), 3)
    with pytest.raises(CalendarError):
        cal.deadline(datetime(2026, 9, 30, 10, 0, tzinfo=UTC), 0)


def test_deadline_is_frozen(cal: WorkCalendar) -> None:
    result = cal.deadline(datetime(2026, 9, 30, 10, 0, tzinfo=UTC), 3)
    with pytest.raises(AttributeError):
        result.provisional = True  # type: ignore[misc]


def test_workdays_between(cal: WorkCalendar) -> None:
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 9, 30)) == 0
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert cal.workdays_between(date(2025, 12, 31), date(2026, 12, 31)) == sum(
        chinese_calendar.is_workday(d) for d in _days(2026)
    )
    for n in (1, 5, 10, 30):
        start = date(2026, 2, 10)
        assert cal.workdays_between(start, cal.add_workdays(start, n)) == n
    with pytest.raises(CalendarError, match="before"):
        cal.workdays_between(date(2026, 10, 10), date(2026, 9, 30))
