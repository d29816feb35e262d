"""ORM model of repeat merging (并单): the ``merged_into`` link.

A newly registered ticket that repeats an open one is linked to it instead of being dispatched twice.
One row per merged ticket (its primary key), so a ticket is merged at most once. The lifecycle has no
status for this: the merged ticket stays ``registered`` and the link says it is handled under the
target (see :mod:`ticketing.repeats.service`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Integer, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime
from ticketing.tickets.models import Ticket


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


def merged_into_clause() -> ColumnElement[bool]:
    """SQL: "this ticket is merged into another"; exclude merged ones with ``~merged_into_clause()``."""
    return exists(select(TicketMerge.merged_ticket_id).where(TicketMerge.merged_ticket_id == Ticket.id))
