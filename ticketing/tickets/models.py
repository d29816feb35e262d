"""ORM models of the 12345 work order (R-REC): the ticket, its units' shares, its events, the audit of
caller-identity reads and the per-day number counter."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class Ticket(Base):
    """The work order (工单)."""

    __tablename__ = "tickets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    caller_name: Mapped[str | None] = mapped_column(String(100))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    caller_address: Mapped[str | None] = mapped_column(String(300))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    handling_kind: Mapped[str] = mapped_column(String(16), default="time_limited")
    extension_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_ref: Mapped[str | None] = mapped_column(String(100))
    promised_date: Mapped[date | None] = mapped_column(Date)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[str | None] = mapped_column(String(24))  # with the service process (R-RATES)
    result_satisfaction: Mapped[str | None] = mapped_column(String(24))  # with the result
    # The call and the draft a ticket was registered from (ticket_drafts.ticket_id points back: the
    # two foreign keys form a cycle, broken for CREATE TABLE by use_alter).
    call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL", name="fk_tickets_call_id")
    )
    draft_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_drafts.id", ondelete="SET NULL", use_alter=True, name="fk_tickets_draft_id")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignments: Mapped[list[TicketAssignment]] = relationship(
        back_populates="ticket", order_by="TicketAssignment.assigned_at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy API
    __table_args__ = (
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_category_created", "category", "created_at"),
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_caller_phone", "caller_phone"),
        Index("ix_tickets_created_at", "created_at"),
    )

    @property
    def lead_department_id(self) -> uuid.UUID | None:
        """The unit currently leading the matter (首接负责, R-FIRST), if dispatched."""
        for assignment in self.assignments:
            if assignment.active and assignment.role == "lead":
                return assignment.department_id
        return None


class TicketAssignment(Base):
    """A unit's share in a ticket: the lead unit or a co-unit (会签, R-KIND)."""

    __tablename__ = "ticket_assignments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")

    __table_args__ = (
        Index("ix_assignments_ticket", "ticket_id"),
        Index("ix_assignments_department_active", "department_id", "active", "ticket_id"),
    )


class TicketEvent(Base):
    """One state change or action on a ticket: who, when, from, to, action, reason, payload."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_events_ticket_at", "ticket_id", "at"),)


class AuditRecord(Base):
    """A read of caller identity (R-PRIV): who saw whose name/phone/address, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_audit_ticket", "ticket_id"),)


class TicketSequence(Base):
    """Per-day counter behind human-readable ticket numbers (``20261129-000042``)."""

    __tablename__ = "ticket_sequences"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
