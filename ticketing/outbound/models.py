"""ORM models of outbound calling: jobs, their attempts, the citizens who do not want to be called back,
and (in ``ticketing.surveys``) the survey answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class OutboundJob(Base):
    """Somebody the hotline must call: why (``kind``), whom, and where the job is."""

    __tablename__ = "outbound_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))  # JobKind
    state: Mapped[str] = mapped_column(String(16))  # JobState
    phone: Mapped[str] = mapped_column(String(20))  # normalised +86…
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the next attempt, not before
    dials: Mapped[int] = mapped_column(Integer, default=0)  # attempts begun (numbers them)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # attempts that counted against max_attempts
    max_attempts: Mapped[int] = mapped_column(Integer)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    skill: Mapped[str | None] = mapped_column(String(32))  # callbacks: the queue whose agent calls
    provider: Mapped[str] = mapped_column(String(16), default="ami")  # ami | twilio
    note: Mapped[str | None] = mapped_column(Text)  # why it is on the manual list, what a human did
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbound_jobs_state_due", "state", "due_at"),
        Index("ix_outbound_jobs_phone", "phone"),
    )


class SurveyTicket(Base):
    """A ticket a survey job asks about, and the close (办结) it follows: a ticket closed again after a
    重办 gets a new survey (the pair ``ticket_id``/``closed_at`` is surveyed once)."""

    __tablename__ = "survey_tickets"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbound_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order the call asks in

    __table_args__ = (UniqueConstraint("ticket_id", "closed_at", name="uq_survey_tickets_close"),)


class OutboundAttempt(Base):
    """One dial of a job. Its ``id`` is the Asterisk channel id the dial uses (chosen before dialing)."""

    __tablename__ = "outbound_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_jobs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the job
    outcome: Mapped[str | None] = mapped_column(String(16))  # AttemptOutcome; None while dialing
    reason_code: Mapped[int | None] = mapped_column(Integer)  # OriginateResponse Reason
    hangup_cause: Mapped[int | None] = mapped_column(Integer)  # Q.850
    provider_ref: Mapped[str | None] = mapped_column(String(64))  # e.g. Twilio's CallSid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("job_id", "number", name="uq_outbound_attempts_job_number"),
        Index("ix_outbound_attempts_open", "outcome"),
    )


class CallbackOptOut(Base):
    """A citizen who asked not to be called back (回访 by phone): the dialer never calls this number."""

    __tablename__ = "callback_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
