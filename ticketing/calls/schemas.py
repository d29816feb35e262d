"""Typed outputs of calls and drafts, and the call list's query."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from ticketing.calls.models import Call
from ticketing.schema_types import StrictInput


class CallState(StrEnum):
    """Where a call ended up (for the call list)."""

    WAITING = "waiting"  # in a queue, not answered, not abandoned yet
    ANSWERED = "answered"
    ABANDONED = "abandoned"  # hung up while waiting: the missed-call callback list


class CallQuery(StrictInput):
    """Filters of ``GET /calls``."""

    state: CallState | None = None
    caller_phone: str | None = Field(default=None, max_length=20)
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=200)


class CallOut(BaseModel):
    """A call: the IVR part and the queue part."""

    id: uuid.UUID
    channel_id: str
    origin: str
    caller_number: str | None
    caller_phone: str | None
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    menu_path: list[str]
    skill: str | None
    queue: str | None
    queued_at: datetime | None
    queue_position: int | None
    agent_user_id: uuid.UUID | None
    agent_interface: str | None
    rang_at: datetime | None
    ring_no_answers: int
    answered_at: datetime | None
    hold_seconds: float | None
    talk_seconds: float | None
    completed_at: datetime | None
    abandoned_at: datetime | None
    hangup_by: str | None
    draft_id: uuid.UUID | None
    live_transcript: str | None

    @classmethod
    def of(cls, call: Call) -> CallOut:
        """From the stored row."""
        return cls.model_validate(call, from_attributes=True)


class DraftOut(BaseModel):
    """A draft as the desktop edits it (see ``ticketing.calls.screen.draft_view``)."""

    id: uuid.UUID
    status: str
    category: str | None
    caller_phone: str | None
    fields: dict[str, Any]
    transcript: str | None
    asr_status: str
    asr_error: str | None
    recording_ms: int | None
    has_recording: bool
    recording_url: str | None
    ticket_id: uuid.UUID | None
