"""ORM model of a file attached to a ticket (回复/承诺/延期 evidence).

The bytes live in the attachment directory under the row's UUID (never under a name the user chose);
``filename`` is kept for display only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class TicketAttachment(Base):
    """A file attached to a ticket (回复/承诺/延期 evidence)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))  # display only, sanitised
    content_type: Mapped[str] = mapped_column(String(100))  # from the allowed-type table, not the client
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    uploader_role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_ticket_attachments_ticket", "ticket_id", "uploaded_at"),)
