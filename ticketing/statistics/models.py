"""ORM model of manual department-score items (R-SCORE) entered by supervisors.

Automatic deductions and bonuses are not stored: they are replayed from ticket events each time
(:mod:`ticketing.statistics`), so they can never drift from the history. Manual items are never deleted;
a wrong one is withdrawn (who, when, why) and stops counting.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class ScoreItem(Base):
    """One manual score item: a criticism, praise, false-reporting finding or a 0–10 rating."""

    __tablename__ = "score_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM (Shanghai) the item counts in
    kind: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)  # signed points, or the rating for rating kinds
    reason: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_score_items_month_department", "month", "department_id"),)
