"""Service hours → ``Started(within_hours=…)``: clock hours in Asia/Shanghai, working days with 调休."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ivr.flows import ServiceHours
from ticketing.calendar.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SH)


def test_around_the_clock_by_default() -> None:
    hours = ServiceHours()
    assert hours.is_open(at("2026-10-01", "03:00"))  # National Day, 3 a.m.


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2026-03-02", "08:59", False),  # Monday
        ("2026-03-02", "09:00", True),
        ("2026-03-02", "17:59", True),
        ("2026-03-02", "18:00", False),
        ("2026-03-07", "10:00", False),  # Saturday
        ("2026-10-01", "10:00", False),  # National Day (Thursday)
        ("2026-09-20", "10:00", True),  # Sunday, 调休 make-up working day
    ],
)
def test_office_hours_on_working_days(day: str, clock: str, expected: bool) -> None:
    hours = ServiceHours(opens=time(9), closes=time(18), workdays_only=True)
    assert hours.is_open(at(day, clock)) is expected


def test_counts_in_shanghai_time_whatever_the_input_zone() -> None:
    hours = ServiceHours(opens=time(9), closes=time(18))
    assert hours.is_open(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))  # 09:30 in Shanghai
    assert not hours.is_open(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))  # 18:30 in Shanghai


def test_night_shift_spanning_midnight_belongs_to_the_day_it_started() -> None:
    friday_off = WorkCalendar(overrides={date(2026, 3, 6): False})
    hours = ServiceHours(opens=time(22), closes=time(6), workdays_only=True, calendar=friday_off)
    assert hours.is_open(at("2026-03-05", "23:00"))  # Thursday night
    assert hours.is_open(at("2026-03-06", "05:00"))  # still Thursday's shift
    assert not hours.is_open(at("2026-03-06", "12:00"))
    assert not hours.is_open(at("2026-03-06", "23:00"))  # Friday is a day off


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ServiceHours().is_open(datetime(2026, 3, 2, 9))


@pytest.mark.parametrize(("opens", "closes"), [(time(9), None), (time(9), time(9))])
def test_bad_hours_are_refused(opens: time, closes: time | None) -> None:
    with pytest.raises(ValueError, match="opens"):
        ServiceHours(opens=opens, closes=closes)
