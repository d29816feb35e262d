"""What the API needs from the composition root, built once at start-up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from ticketing.calendar.service import load_calendar
from ticketing.calendar.workdays import WorkCalendar
from ticketing.clock import Clock, utcnow


@dataclass
class ApiContext:
    """Session factory, clock and cached working-day calendar of one API instance."""

    sessions: sessionmaker[Session]
    now: Clock = utcnow
    token_ttl: timedelta = timedelta(hours=12)
    _calendar: WorkCalendar | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends normally, else rolls back."""
        with self.sessions.begin() as session:
            yield session

    def calendar(self, session: Session) -> WorkCalendar:
        """The calendar with the admin overrides applied; reloaded after :meth:`invalidate_calendar`."""
        with self._lock:
            if self._calendar is None:
                self._calendar = load_calendar(session)
            return self._calendar

    def invalidate_calendar(self) -> None:
        """Forget the cached calendar (overrides changed)."""
        with self._lock:
            self._calendar = None
