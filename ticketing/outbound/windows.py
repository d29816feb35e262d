"""Calling windows: the hours in which the hotline may call citizens, on working days of the calendar
(调休 included). Pure.

``CallingWindows(((9, 0), (12, 0)), ((14, 0), (20, 0)))`` allows 09:00–12:00 and 14:00–20:00 Asia/Shanghai;
:meth:`CallingWindows.next_open` is the first allowed instant at or after a moment.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketing.calendar.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS_AHEAD = 60  # the calendar's longest run of non-working days is far shorter


@dataclass(frozen=True)
class CallingWindows:
    """Allowed spans of a day (start inclusive, end exclusive), and whether only working days count."""

    spans: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(14, 0), time(20, 0)))
    workdays_only: bool = True

    def __post_init__(self) -> None:
        if not self.spans:
            raise ValueError("at least one calling window")
        for start, end in self.spans:
            if not start < end:
                raise ValueError(f"window {start}–{end} is empty")
        ordered = sorted(self.spans)
        for (_, end), (start, _) in itertools.pairwise(ordered):
            if start < end:
                raise ValueError("calling windows overlap")

    @classmethod
    def parse(cls, text: str, *, workdays_only: bool = True) -> CallingWindows:
        """From ``"09:00-12:00,14:00-20:00"`` (``24:00`` ends a window at midnight)."""
        spans = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            start, _, end = part.partition("-")
            try:
                closes = time.max if end.strip() == "24:00" else time.fromisoformat(end.strip())
                spans.append((time.fromisoformat(start.strip()), closes))
            except ValueError:
                raise ValueError(f"calling window {part!r} is not HH:MM-HH:MM") from None
        return cls(tuple(sorted(spans)), workdays_only)

    def is_open(self, at: datetime, calendar: WorkCalendar) -> bool:
        """May the hotline call at ``at``?"""
        local = at.astimezone(SHANGHAI)
        if self.workdays_only and not calendar.is_workday(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.spans)

    def next_open(self, at: datetime, calendar: WorkCalendar) -> datetime:
        """The first allowed instant at or after ``at`` (``at`` itself when open)."""
        local = at.astimezone(SHANGHAI)
        for offset in range(MAX_DAYS_AHEAD):
            day = local.date() + timedelta(days=offset)
            if self.workdays_only and not calendar.is_workday(day):
                continue
            for start, end in sorted(self.spans):
                opens = datetime.combine(day, start, SHANGHAI)
                closes = datetime.combine(day, end, SHANGHAI)
                if local < closes:
                    return max(opens, local).astimezone(at.tzinfo or SHANGHAI)
        raise ValueError(f"no calling window within {MAX_DAYS_AHEAD} days of {at.isoformat()}")
