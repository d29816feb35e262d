"""ORM model of overdue marks: one per ticket per missed deadline, written by the daily ``mark-overdue``
job together with the ``overdue`` history event; the unique key makes the job idempotent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class OverdueMark(Base):
    """A ticket was found past ``due_at`` while still open; ``event_id`` is its ``overdue`` event."""

    __tablename__ = "overdue_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("ticket_id", "due_at", name="uq_overdue_marks_ticket_due"),)
