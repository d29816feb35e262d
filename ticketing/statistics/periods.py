"""Reporting periods: whole days in Asia/Shanghai, turned into half-open UTC instants.

A period is given either as a month (``2026-11``) or as an inclusive date range (``from``/``to``, both
``YYYY-MM-DD``). It covers ``[first 00:00, last+1 00:00)`` Shanghai time; every instant the 12345 rules
count is compared against those bounds (docs/architecture.md §6: count in Asia/Shanghai, store UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketing.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_DAYS = 3660  # ten years: "any period" (R-STAT), bounded so one request cannot scan forever

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole Shanghai days ``first``..``last`` (both inclusive)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first instant inside the period (UTC)."""
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC, exclusive)."""
        return _midnight(self.last + timedelta(days=1))

    def contains(self, at: datetime) -> bool:
        """Whether the aware instant ``at`` falls inside the period."""
        return self.start <= at < self.end

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` when the period is exactly one calendar month, else ``None``."""
        if self.first.day != 1 or (self.last + timedelta(days=1)).day != 1:
            return None
        if (self.first.year, self.first.month) != (self.last.year, self.last.month):
            return None
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def label(self) -> str:
        """``2026-11`` for a month, ``2026-11-03..2026-11-09`` otherwise."""
        return self.month or f"{self.first.isoformat()}..{self.last.isoformat()}"


def month(text: str) -> Period:
    """The calendar month ``YYYY-MM``; :class:`InvalidInput` for anything else."""
    match = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput("month must look like 2026-11", field="month", value=str(text)[:20])
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12:
        raise InvalidInput("month must be 01..12", field="month", value=text)
    _check_year(year, "month")
    first = date(year, number, 1)
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period(first, following - timedelta(days=1))


def between(first: date, last: date) -> Period:
    """The days ``first``..``last`` inclusive; refuses ``first > last`` and over-long ranges."""
    _check_year(first.year, "from")
    _check_year(last.year, "to")
    if first > last:
        raise InvalidInput(
            "from must not be after to", field="from", **{"from": first.isoformat(), "to": last.isoformat()}
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a period spans at most {MAX_DAYS} days", field="to", max_days=MAX_DAYS)
    return Period(first, last)


def resolve(month_text: str | None, first: date | None, last: date | None) -> Period:
    """The period of an API request: ``month`` alone, or ``from`` and ``to`` together."""
    if month_text is not None:
        if first is not None or last is not None:
            raise InvalidInput("give either month or from/to, not both", field="month")
        return month(month_text)
    if first is None or last is None:
        raise InvalidInput("give month=YYYY-MM or both from and to (YYYY-MM-DD)", field="from")
    return between(first, last)


def month_of(at: datetime) -> str:
    """The Shanghai ``YYYY-MM`` an aware instant falls in."""
    local = at.astimezone(SHANGHAI)
    return f"{local.year:04d}-{local.month:02d}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"year must be {FIRST_YEAR}..{LAST_YEAR}", field=field, year=year)
