"""ORM model of the SMS receipt: the text that tells a citizen their matter was registered (登记) and
its ticket number, sent through Twilio."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class SmsReceipt(Base):
    """One ticket's receipt text and where it is: ``queued`` (to send), ``sent`` (Twilio took it),
    ``delivered`` (the handset got it) or ``failed`` (``error`` says why)."""

    __tablename__ = "sms_receipts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))  # normalised +86…
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # queued | sent | delivered | failed
    provider_ref: Mapped[str | None] = mapped_column(String(64))  # Twilio's MessageSid
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sends tried
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sms_receipts_state", "state", "created_at"),)
