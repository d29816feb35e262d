"""Typed shapes of outbound jobs, their attempts and survey answers, and the job list's query."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ticketing.outbound.models import CallbackOptOut, OutboundAttempt, OutboundJob
from ticketing.outbound.vocabulary import JobKind, JobState
from ticketing.schema_types import Reason, StrictInput
from ticketing.surveys.models import SurveyAnswer


class JobQuery(StrictInput):
    """Filters of ``GET /outbound/jobs`` (``state=manual``: the manual callback list)."""

    kind: JobKind | None = None
    state: JobState | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class AttemptOut(BaseModel):
    """One dial of a job."""

    id: uuid.UUID
    number: int
    outcome: str | None
    reason_code: int | None
    hangup_cause: int | None
    provider_ref: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, attempt: OutboundAttempt) -> AttemptOut:
        """From the row."""
        return cls(
            id=attempt.id, number=attempt.number, outcome=attempt.outcome, reason_code=attempt.reason_code,
            hangup_cause=attempt.hangup_cause, provider_ref=attempt.provider_ref,
            started_at=attempt.started_at, answered_at=attempt.answered_at, ended_at=attempt.ended_at,
        )  # fmt: skip


class AnswerOut(BaseModel):
    """What the citizen answered about one ticket in one call."""

    ticket_id: uuid.UUID
    attempt_id: uuid.UUID | None
    solved: bool | None
    satisfaction: str | None
    complete: bool
    comment_text: str | None
    comment_status: str | None
    has_comment_recording: bool
    at: datetime

    @classmethod
    def of(cls, answer: SurveyAnswer) -> AnswerOut:
        """From the row."""
        return cls(
            ticket_id=answer.ticket_id, attempt_id=answer.attempt_id, solved=answer.solved,
            satisfaction=answer.satisfaction, complete=answer.complete, comment_text=answer.comment_text,
            comment_status=answer.comment_status, has_comment_recording=bool(answer.comment_path),
            at=answer.at,
        )  # fmt: skip


class JobOut(BaseModel):
    """An outbound job with its attempts (and, for a survey, the tickets and answers)."""

    id: uuid.UUID
    kind: str
    state: str
    phone: str
    due_at: datetime
    attempts: int
    max_attempts: int
    provider: str
    note: str | None
    call_id: uuid.UUID | None
    skill: str | None
    tickets: list[str] = Field(default_factory=list)  # ticket numbers
    created_at: datetime
    finished_at: datetime | None
    dials: list[AttemptOut] = Field(default_factory=list)
    answers: list[AnswerOut] = Field(default_factory=list)

    @classmethod
    def of(
        cls,
        job: OutboundJob,
        tickets: list[str],
        attempts: list[OutboundAttempt],
        answers: list[SurveyAnswer],
    ) -> JobOut:
        """From the rows."""
        return cls(
            id=job.id, kind=job.kind, state=job.state, phone=job.phone, due_at=job.due_at,
            attempts=job.attempts, max_attempts=job.max_attempts, provider=job.provider, note=job.note,
            call_id=job.call_id, skill=job.skill, tickets=tickets, created_at=job.created_at,
            finished_at=job.finished_at, dials=[AttemptOut.of(a) for a in attempts],
            answers=[AnswerOut.of(a) for a in answers],
        )  # fmt: skip


class ManualDone(StrictInput):
    """A person dealt with a job of the manual list (called the citizen by hand, or gave up): why."""

    reason: Reason


class OptOutIn(StrictInput):
    """A citizen who does not want phone callbacks."""

    phone: str = Field(min_length=3, max_length=20)
    reason: str | None = Field(default=None, max_length=200)


class OptOutOut(BaseModel):
    """A recorded opt-out and how many open jobs it cancelled."""

    phone: str
    at: datetime
    reason: str | None
    cancelled_jobs: int = 0

    @classmethod
    def of(cls, row: CallbackOptOut, cancelled: int = 0) -> OptOutOut:
        """From the row."""
        return cls(phone=row.phone, at=row.at, reason=row.reason, cancelled_jobs=cancelled)


def snapshot_of(value: Any) -> dict[str, Any]:
    """The dialer's in-process snapshot as the API returns it (or that the dialer is not running)."""
    return dict(value) if isinstance(value, dict) else {"running": False}
