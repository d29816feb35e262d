"""Working-day calendar for the 12345 time limits (R-TL).

Time limits are counted in working days: statutory holidays extend them, and the 调休 make-up
working days that the State Council moves onto weekends count as working days. The data comes
from the ``holidays`` package (China), admin overrides win over it. Pure: no I/O, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from ticketing.errors import CalendarError

MAX_WORKDAYS = 366
"""Largest ``n`` accepted by :meth:`WorkCalendar.add_workdays`; anything above is a caller bug."""

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a time limit runs out.

    ``due_at`` is aware UTC: the end of the n-th working day in the calendar's time zone (00:00
    local of the following day). ``provisional`` is True when any year touched by the count has no
    officially published holiday schedule (see :meth:`WorkCalendar.is_provisional`).
    """

    due_at: datetime
    provisional: bool


@dataclass(frozen=True, slots=True)
class _Year:
    days_off: frozenset[date]  # library holidays, incl. 调休 days off and observed days
    weekend_workdays: frozenset[date]  # 调休 make-up working days on Saturdays/Sundays


def _library_year(year: int) -> _Year:
    # Default category PUBLIC only: half-day holidays (妇女节, 儿童节…) stay working days.
    lib = holidays.country_holidays("CN", years=year)
    return _Year(
        days_off=frozenset(d for d in lib if d.year == year),
        # Make-up days for a holiday in the next year (e.g. a late-December Saturday) are
        # collected by the library at construction, whatever ``years`` says: filter to this year.
        weekend_workdays=frozenset(d for d in lib.weekend_workdays if d.year == year),
    )


@cache
def _published_years() -> range:
    # The library records 调休 (substituted days, 4- or 5-tuples) only from the State Council's
    # annual notice; lunar and statutory holidays alone it computes for any year.
    lib = holidays.country_holidays("CN")
    years = [
        year
        for year, entries in getattr(lib, "special_public_holidays", {}).items()
        if any(len(entry) >= 4 for entry in _entries(entries))
    ]
    return range(min(years), max(years) + 1) if years else range(0)


def _entries(value: object) -> tuple[tuple[object, ...], ...]:
    # A year's value is either one entry tuple or a tuple of entry tuples.
    if isinstance(value, tuple) and value and not isinstance(value[0], tuple):
        return (value,)
    return tuple(e for e in value if isinstance(e, tuple)) if isinstance(value, tuple) else ()


class WorkCalendar:
    """China's working-day calendar (holidays + 调休) with admin overrides.

    ``overrides`` maps a date to True (extra working day) or False (extra day off); they win over
    the library. ``confirmed_years`` are years an admin has checked against the official notice
    (typically after entering overrides for a year the library does not know yet).
    Instances are safe to share: the per-year cache only ever gains identical values.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
        tz: str = "Asia/Shanghai",
    ) -> None:
        self._overrides: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            if not isinstance(day, date) or isinstance(day, datetime) or not isinstance(working, bool):
                raise CalendarError(
                    "override must map a date to True (working day) or False (day off)",
                    date=str(day),
                    value=repr(working),
                )
            self._overrides[day] = working
        self._confirmed = frozenset(confirmed_years)
        try:
            self._tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(f"unknown time zone {tz!r}", tz=tz) from exc
        self._published = _published_years()
        self._years: dict[int, _Year] = {}

    @property
    def tz(self) -> ZoneInfo:
        """The zone whose calendar days are counted (Asia/Shanghai by default)."""
        return self._tz

    def is_workday(self, d: date) -> bool:
        """True when ``d`` is a working day: an override, else the library's 调休-aware answer."""
        _check_date(d)
        if d in self._overrides:
            return self._overrides[d]
        info = self._year(d.year)
        if d.weekday() >= 5:
            return d in info.weekend_workdays
        return d not in info.days_off

    def is_provisional(self, year: int) -> bool:
        """True when ``year``'s holiday schedule is not officially known.

        A year counts as published when it lies between the first and the last year for which
        the ``holidays`` library carries 调休 (substituted day off / make-up working day)
        entries: the library adds those only from the State Council's annual notice, whereas it
        computes weekends and statutory (lunar) holidays for any year. A year listed in
        ``confirmed_years`` is never provisional. Provisional years are still answered
        (weekends + statutory holidays + overrides); callers must flag such results.
        """
        return year not in self._published and year not in self._confirmed

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day strictly after ``start`` (1 <= n <= 366)."""
        _check_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKDAYS:
            raise CalendarError(f"workdays must be an integer from 1 to {MAX_WORKDAYS}", n=n)
        day = start
        while n:
            day = _next_day(day)
            if self.is_workday(day):
                n -= 1
        return day

    def deadline(self, dispatched_at: datetime, workdays: int) -> Deadline:
        """Deadline of a ``workdays`` limit for a ticket dispatched at ``dispatched_at`` (aware).

        Counting starts from the dispatch's local calendar day, which itself never counts: a
        ticket dispatched at 23:30 on a working day gets the same deadline as one at 08:00.
        """
        if not isinstance(dispatched_at, datetime) or dispatched_at.utcoffset() is None:
            raise CalendarError("dispatched_at must be a timezone-aware datetime", value=str(dispatched_at))
        start = dispatched_at.astimezone(self._tz).date()
        due_day = self.add_workdays(start, workdays)
        end_local = datetime.combine(_next_day(due_day), time(0), tzinfo=self._tz)
        provisional = any(self.is_provisional(y) for y in range(start.year, due_day.year + 1))
        return Deadline(due_at=end_local.astimezone(UTC), provisional=provisional)

    def workdays_between(self, start: date, end: date) -> int:
        """Number of working days in ``(start, end]``; 0 when ``end == start``."""
        _check_date(start)
        _check_date(end)
        if end < start:
            raise CalendarError("end is before start", start=start.isoformat(), end=end.isoformat())
        count = 0
        day = start
        while day < end:
            day = _next_day(day)
            count += self.is_workday(day)
        return count

    def _year(self, year: int) -> _Year:
        info = self._years.get(year)
        if info is None:
            info = self._years[year] = _library_year(year)
        return info


def _check_date(d: object) -> None:
    # datetime is a subclass of date: reject it, or a UTC datetime would be counted by its UTC day.
    if not isinstance(d, date) or isinstance(d, datetime):
        raise CalendarError("expected a date (not a datetime)", value=str(d))


def _next_day(d: date) -> date:
    try:
        return d + _ONE_DAY
    except OverflowError as exc:
        raise CalendarError("date out of range", date=d.isoformat()) from exc
