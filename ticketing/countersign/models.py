"""ORM models of 会签 (countersigning).

- :class:`UnitReply`: a co-unit's share of a 会签件 settled for one handling round — by its 会签回复
  (``kind = "reply"``) or by a leader's waiver (``kind = "waived"``). A round is the ticket's
  ``redo_count``: a 重办 asks the co-units again. One row per assignment and round.
- :class:`TicketCountersign`: whether the current dispatch is a 会签件 whose lead unit must wait for the
  co-units' replies (``dispatch`` with ``countersign: true``); co-units of other dispatches assist
  (协办) and may reply, but the lead does not wait for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class UnitReply(Base):
    """A co-unit's 会签回复 (or a leader's waiver of it) for one handling round."""

    __tablename__ = "unit_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_assignments.id", ondelete="CASCADE"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    redo_round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # reply | waived
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)  # the reply, or the waiver's reason
    attachment_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_unit_replies_ticket", "ticket_id"),
        Index("ux_unit_replies_assignment_round", "assignment_id", "redo_round", unique=True),
    )


class TicketCountersign(Base):
    """Whether the ticket's current dispatch requires every co-unit's 会签回复 before the lead replies."""

    __tablename__ = "ticket_countersigns"

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    required: Mapped[bool] = mapped_column(Boolean)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
