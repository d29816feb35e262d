"""ORM models of phone calls and the ticket drafts they produce (docs/architecture.md §2 steps 2–5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class Call(Base):
    """One inbound call as the IVR saw it: who, when, which menu path, how it ended."""

    __tablename__ = "calls"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)  # Asterisk channel unique id
    caller_number: Mapped[str | None] = mapped_column(String(40))  # as presented by the network
    caller_phone: Mapped[str | None] = mapped_column(String(20))  # normalised +86…, when valid
    called_number: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skill: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # -- the queue part, from app_queue's events (agent_bridge) --------------------------------------
    origin: Mapped[str] = mapped_column(String(16), default="ivr")  # CallOrigin: ivr | fallback | callback
    linkedid: Mapped[str | None] = mapped_column(String(64))  # Asterisk's call key (oldest channel)
    queue_position: Mapped[int | None] = mapped_column(Integer)  # on joining
    agent_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agent_interface: Mapped[str | None] = mapped_column(String(64))
    rang_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the (last) agent's phone started ringing
    ring_no_answers: Mapped[int] = mapped_column(Integer, default=0)
    # An agent connected; the hotline statistics count answers (and the service level) from it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_seconds: Mapped[float | None] = mapped_column(Float)  # waiting in the queue before the answer
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # hung up while waiting
    unserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # left the queue without an agent
    unserved_status: Mapped[str | None] = mapped_column(String(16))  # QUEUESTATUS: TIMEOUT, JOINEMPTY…
    hangup_by: Mapped[str | None] = mapped_column(String(16))  # caller | agent | transfer
    end_reason: Mapped[str | None] = mapped_column(String(32))
    menu_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    draft_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    live_transcript: Mapped[str | None] = mapped_column(Text)  # whole call, from the live ASR stream
    live_segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_caller_phone", "caller_phone"),
        Index("ix_calls_linkedid", "linkedid"),
    )


class TicketDraft(Base):
    """What the system knows before an agent picks up: category from the menu, the recording, and —
    once speech recognition ran — the transcript and the extracted fields with confidences."""

    __tablename__ = "ticket_drafts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # open | registered | discarded
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(16))
    recording_path: Mapped[str | None] = mapped_column(String(500))
    recording_ms: Mapped[int | None] = mapped_column(Integer)
    asr_status: Mapped[str] = mapped_column(String(16))  # none | pending | running | done | failed
    asr_error: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    asr_model: Mapped[str | None] = mapped_column(String(100))
    asr_attempts: Mapped[int] = mapped_column(Integer, default=0)
    asr_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_drafts_call", "call_id"),
        Index("ix_drafts_status_asr", "status", "asr_status"),
    )
