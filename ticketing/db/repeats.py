"""ORM models of repeat merging (并单) and of overdue marks (supervision).

- :class:`TicketMerge` — the ``merged_into`` link: a newly registered ticket that repeats an open one is
  linked to it instead of being dispatched twice. One row per merged ticket (its primary key), so a
  ticket is merged at most once. The lifecycle has no status for this: the merged ticket stays
  ``registered`` and the link says it is handled under the target (see :mod:`ticketing.services.repeats`).
- :class:`OverdueMark` — one per ticket per missed deadline, written by the daily ``mark-overdue`` job
  together with the ``overdue`` history event; the unique key makes the job idempotent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Integer, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.models import Base, Ticket
from ticketing.db.types import UTCDateTime


class TicketMerge(Base):
    """``merged_ticket`` repeats ``target_ticket`` and is handled under it."""

    __tablename__ = "ticket_merges"

    merged_ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    target_ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    policy_not_carried_out: Mapped[bool] = mapped_column(Boolean)
    charged_department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    merged_event_id: Mapped[int] = mapped_column(Integer)  # the merge_repeat event on the merged ticket
    target_event_id: Mapped[int] = mapped_column(Integer)  # … on the target (carries the R-SCORE flag)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_ticket_merges_target", "target_ticket_id"),)


class OverdueMark(Base):
    """A ticket was found past ``due_at`` while still open; ``event_id`` is its ``overdue`` event."""

    __tablename__ = "overdue_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("ticket_id", "due_at", name="uq_overdue_marks_ticket_due"),)


def merged_into_clause() -> ColumnElement[bool]:
    """SQL: "this ticket is merged into another"; exclude merged ones with ``~merged_into_clause()``."""
    return exists(select(TicketMerge.merged_ticket_id).where(TicketMerge.merged_ticket_id == Ticket.id))
