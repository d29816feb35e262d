"""Service hours: whether a call arriving now gets the menu (``Started(within_hours=True)``) or the
out-of-hours message path. Counted in the calendar's zone (Asia/Shanghai), working days from
:class:`~ticketing.calendar.workdays.WorkCalendar` (holidays and 调休 make-up days included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from ticketing.calendar.workdays import WorkCalendar


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours of the agent floor.

    ``opens``/``closes`` ``None`` means around the clock (most 12345 centres); ``closes`` earlier than
    ``opens`` spans midnight. With ``workdays_only`` the floor is closed on days the calendar says are
    days off (weekends, 法定节假日), open on 调休 make-up Saturdays.
    """

    opens: time | None = None
    closes: time | None = None
    workdays_only: bool = False
    calendar: WorkCalendar = field(default_factory=WorkCalendar, compare=False)

    def __post_init__(self) -> None:
        if (self.opens is None) != (self.closes is None):
            raise ValueError("give both opens and closes, or neither (around the clock)")
        if self.opens is not None and self.opens == self.closes:
            raise ValueError("opens == closes: use opens=None, closes=None for around the clock")

    def is_open(self, at: datetime) -> bool:
        """True when a call at ``at`` (timezone-aware) reaches the menu."""
        if at.tzinfo is None:
            raise ValueError("is_open needs a timezone-aware datetime")
        local = at.astimezone(self.calendar.tz)
        now = local.time().replace(tzinfo=None)
        day = local.date()
        if self.opens is None or self.closes is None:
            return not self.workdays_only or self.calendar.is_workday(day)
        if self.opens < self.closes:
            inside = self.opens <= now < self.closes
        else:  # spans midnight: the early-morning part belongs to the previous day's shift
            inside = now >= self.opens or now < self.closes
            if inside and now < self.closes:
                day -= timedelta(days=1)
        return inside and (not self.workdays_only or self.calendar.is_workday(day))
