"""ORM model of survey answers: one row per matter asked about in one answered call."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class SurveyAnswer(Base):
    """What the citizen answered about one ticket in one call (``complete``: both questions answered)."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_jobs.id", ondelete="CASCADE"))
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("outbound_attempts.id", ondelete="SET NULL")
    )
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    solved: Mapped[bool | None] = mapped_column(Boolean)  # Q1 问题是否解决
    satisfaction: Mapped[str | None] = mapped_column(String(24))  # Q2 满意度 (Satisfaction)
    comment_path: Mapped[str | None] = mapped_column(String(500))  # the spoken comment's recording
    comment_text: Mapped[str | None] = mapped_column(Text)  # its transcript, when recognised
    comment_status: Mapped[str | None] = mapped_column(String(16))  # pending | done | failed (recognition)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    applied_event_id: Mapped[int | None] = mapped_column(Integer)  # the callback event it produced
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_survey_answers_ticket", "ticket_id"),
        UniqueConstraint("attempt_id", "ticket_id", name="uq_survey_answers_attempt_ticket"),
    )
