"""Outbound jobs in the database, from the dialer's side: handing due jobs over, recording attempts and
their outcomes, the attempts still in flight (to settle after a restart), the manual callback list and
reading. Making jobs is :mod:`ticketing.outbound.scheduling`; the rules of a job's life are
:mod:`ticketing.outbound.jobs` (pure)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ticketing.calendar.workdays import WorkCalendar
from ticketing.calls.models import Call
from ticketing.clock import Clock, utcnow
from ticketing.errors import Conflict, NotFound
from ticketing.outbound import jobs
from ticketing.outbound.models import OutboundAttempt, OutboundJob, SurveyTicket
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.vocabulary import AttemptOutcome, JobKind, JobState


@dataclass(frozen=True)
class Dial:
    """A begun attempt, as the dialer needs it."""

    attempt_id: uuid.UUID
    job_id: uuid.UUID
    kind: JobKind
    number: int
    phone: str
    dial_number: str  # what the trunk dials (the national number: 13900139000)
    skill: str | None
    call_id: uuid.UUID | None
    draft_id: uuid.UUID | None
    provider: str


def national(phone: str) -> str:
    """The number as the trunk dials it (``+8613900139000`` → ``13900139000``)."""
    return phone.removeprefix("+86") if phone.startswith("+86") else phone.lstrip("+")


class OutboundService:
    """Jobs and attempts (see the module docstring)."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    # -- the dialer's side -----------------------------------------------------------------------------

    def due(
        self, limit: int, kinds: Collection[JobKind] | None = None, *, fresh_only: bool = False
    ) -> Sequence[OutboundJob]:
        """Jobs whose time has come, oldest first (``fresh_only``: never dialled yet)."""
        stmt = select(OutboundJob).where(
            OutboundJob.state == JobState.DUE.value, OutboundJob.due_at <= self._now()
        )
        if fresh_only:
            stmt = stmt.where(OutboundJob.dials == 0)
        if kinds:
            stmt = stmt.where(OutboundJob.kind.in_([k.value for k in kinds]))
        return self._session.scalars(stmt.order_by(OutboundJob.due_at).limit(limit)).all()

    def begin_attempt(self, job_id: uuid.UUID) -> Dial:
        """Start the next attempt of a due job (committed before anything is dialled). Two dialers can
        never begin the same attempt: the state change is conditional (``due`` → ``dialing``)."""
        job = self._session.get(OutboundJob, job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist", job=str(job_id))
        try:
            jobs.begin(JobState(job.state))
        except jobs.IllegalJobStep as exc:
            raise Conflict(f"job {job_id} is not due ({job.state})", job=str(job_id)) from exc
        taken = self._session.execute(
            update(OutboundJob)
            .where(OutboundJob.id == job_id, OutboundJob.state == JobState.DUE.value)
            .values(state=JobState.DIALING.value, dials=OutboundJob.dials + 1, updated_at=self._now())
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"job {job_id} is no longer due", job=str(job_id))
        self._session.refresh(job)
        attempt = OutboundAttempt(
            id=uuid.uuid4(), job_id=job.id, number=job.dials, started_at=self._now(), details={}
        )
        self._session.add(attempt)
        self._session.flush()
        draft_id = None
        if job.call_id is not None:
            call = self._session.get(Call, job.call_id)
            draft_id = call.draft_id if call else None
        return Dial(
            attempt_id=attempt.id, job_id=job.id, kind=JobKind(job.kind), number=attempt.number,
            phone=job.phone, dial_number=national(job.phone), skill=job.skill, call_id=job.call_id,
            draft_id=draft_id, provider=job.provider,
        )  # fmt: skip

    def answered(self, attempt_id: uuid.UUID) -> None:
        """The dialled party answered (the call goes on: a survey, an agent)."""
        attempt = self._attempt(attempt_id)
        if attempt.answered_at is None:
            attempt.answered_at = self._now()
        self._session.flush()

    def end_attempt(
        self,
        attempt_id: uuid.UUID,
        outcome: AttemptOutcome,
        policy: OutboundPolicy,
        calendar: WorkCalendar,
        *,
        reason_code: int | None = None,
        hangup_cause: int | None = None,
        note: str | None = None,
    ) -> OutboundJob:
        """An attempt ended: record how, and move the job on (done, due again in the window, manual).
        Ending an attempt twice changes nothing (the first outcome wins)."""
        attempt = self._attempt(attempt_id)
        job = self.job(attempt.job_id)
        if attempt.outcome is not None:
            return job
        now = self._now()
        attempt.outcome = outcome.value
        attempt.reason_code = reason_code
        attempt.hangup_cause = hangup_cause
        attempt.ended_at = now
        if job.state != JobState.DIALING.value:  # settled meanwhile by a person (manual list, cancel)
            self._session.flush()
            return job
        if outcome.counts:
            job.attempts += 1
        retry = replace(policy.retry, max_attempts=job.max_attempts)  # as when the job was made
        step = jobs.after_attempt(JobState(job.state), outcome, job.attempts, now, retry)
        job.state = step.state.value
        job.updated_at = now
        if step.due_at is not None:
            job.due_at = policy.windows.next_open(step.due_at, calendar)
        if step.state in (JobState.DONE, JobState.MANUAL):
            job.finished_at = now
        if step.state is JobState.MANUAL:
            job.note = note or f"unreachable after {job.attempts} attempts (last: {outcome.value})"
        elif note:
            job.note = note
        self._session.flush()
        return job

    def set_provider_ref(self, attempt_id: uuid.UUID, ref: str) -> None:
        """The provider's name for the attempt's call (Twilio's CallSid)."""
        self._attempt(attempt_id).provider_ref = ref[:64]
        self._session.flush()

    def hangup_cause(self, attempt_id: uuid.UUID, cause: int) -> None:
        """The attempt's channel hung up with Q.850 ``cause`` (kept once: the first hang-up is the dial's)."""
        attempt = self._attempt(attempt_id)
        if attempt.hangup_cause is None:
            attempt.hangup_cause = cause
        self._session.flush()

    def to_manual(self, job_id: uuid.UUID, note: str) -> OutboundJob:
        """Put a job on the manual callback list (e.g. a survey answered only in part)."""
        job = self.job(job_id)
        job.state = JobState.MANUAL.value
        job.note = note
        job.finished_at = job.finished_at or self._now()
        job.updated_at = self._now()
        self._session.flush()
        return job

    def close_manual(self, job_id: uuid.UUID, note: str) -> OutboundJob:
        """A person dealt with a job of the manual callback list (called by hand, or gave up)."""
        job = self.job(job_id)
        if job.state != JobState.MANUAL.value:
            raise Conflict(f"job {job_id} is not on the manual list ({job.state})", job=str(job_id))
        job.state = JobState.DONE.value
        job.note = f"{job.note or ''}；人工处理：{note}".lstrip("；")[:2000]
        job.updated_at = self._now()
        self._session.flush()
        return job

    def in_flight(self) -> Sequence[OutboundAttempt]:
        """Attempts begun and not ended (after a restart: to settle with what Asterisk has)."""
        return self._session.scalars(select(OutboundAttempt).where(OutboundAttempt.outcome.is_(None))).all()

    # -- reading ---------------------------------------------------------------------------------------

    def job(self, job_id: uuid.UUID) -> OutboundJob:
        """One job."""
        job = self._session.get(OutboundJob, job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist", job=str(job_id))
        return job

    def attempt(self, attempt_id: uuid.UUID) -> OutboundAttempt:
        """One attempt."""
        return self._attempt(attempt_id)

    def attempts(self, job_id: uuid.UUID) -> Sequence[OutboundAttempt]:
        """A job's attempts in order."""
        return self._session.scalars(
            select(OutboundAttempt).where(OutboundAttempt.job_id == job_id).order_by(OutboundAttempt.number)
        ).all()

    def listing(
        self, *, kind: JobKind | None = None, state: JobState | None = None, limit: int = 200
    ) -> Sequence[OutboundJob]:
        """Jobs, newest first (``state=manual``: the manual callback list)."""
        stmt = select(OutboundJob)
        if kind is not None:
            stmt = stmt.where(OutboundJob.kind == kind.value)
        if state is not None:
            stmt = stmt.where(OutboundJob.state == state.value)
        return self._session.scalars(stmt.order_by(OutboundJob.created_at.desc()).limit(limit)).all()

    def for_ticket(self, ticket_id: uuid.UUID) -> Sequence[OutboundJob]:
        """The survey jobs that cover a ticket (its 回访 history), oldest first."""
        return self._session.scalars(
            select(OutboundJob)
            .join(SurveyTicket, SurveyTicket.job_id == OutboundJob.id)
            .where(SurveyTicket.ticket_id == ticket_id)
            .order_by(OutboundJob.created_at)
        ).all()

    def tickets_of(self, job_id: uuid.UUID) -> list[uuid.UUID]:
        """The tickets a survey job asks about, in the order the call asks."""
        return list(
            self._session.scalars(
                select(SurveyTicket.ticket_id)
                .where(SurveyTicket.job_id == job_id)
                .order_by(SurveyTicket.position)
            )
        )

    # -- helpers -----------------------------------------------------------------------------------------

    def _attempt(self, attempt_id: uuid.UUID) -> OutboundAttempt:
        attempt = self._session.get(OutboundAttempt, attempt_id)
        if attempt is None:
            raise NotFound(f"attempt {attempt_id} does not exist", attempt=str(attempt_id))
        return attempt
