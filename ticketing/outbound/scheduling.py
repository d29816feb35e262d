"""Making outbound jobs: a 回访 survey for every finished matter, callbacks for callers the queue did not
serve, and opt-outs. The dialer works the jobs (:mod:`ticketing.outbound.service`)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ticketing.calendar.workdays import WorkCalendar
from ticketing.calls.models import Call
from ticketing.calls.vocabulary import CallOrigin
from ticketing.clock import Clock, utcnow
from ticketing.outbound import jobs
from ticketing.outbound.models import CallbackOptOut, OutboundJob, SurveyTicket
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.vocabulary import JobKind, JobState
from ticketing.outbound.windows import SHANGHAI
from ticketing.phone import normalise_phone
from ticketing.tickets.lifecycle import Status
from ticketing.tickets.models import Ticket

MERGE_WITHIN = timedelta(hours=1)
"""A matter due this soon after a citizen's waiting survey call joins that call (it waits that much)."""


class OutboundScheduler:
    """Creates jobs inside the caller's transaction."""

    def __init__(
        self, session: Session, calendar: WorkCalendar, policy: OutboundPolicy, *, now: Clock = utcnow
    ) -> None:
        self._session = session
        self._calendar = calendar
        self._policy = policy
        self._now = now

    def schedule_surveys(self, limit: int = 1000) -> list[OutboundJob]:
        """Survey jobs for 办结 tickets not yet surveyed since their close (R-CB: every finished matter;
        a ticket closed again after 重办 is surveyed again). One call per citizen covers the matters due
        together (一事一评 per ticket inside the call). Due from the calling window
        ``survey_delay_workdays`` working days after the close. A ticket without a phone number, or whose
        caller opted out, goes to the manual list at once. Returns the jobs made (not those extended)."""
        surveyed = exists().where(
            and_(SurveyTicket.ticket_id == Ticket.id, SurveyTicket.closed_at == Ticket.closed_at)
        )
        tickets = self._session.scalars(
            select(Ticket)
            .where(Ticket.status == Status.COMPLETED.value, Ticket.closed_at.is_not(None), ~surveyed)
            .order_by(Ticket.closed_at, Ticket.number)
            .limit(limit)
        ).all()
        phones = {t.caller_phone for t in tickets if t.caller_phone}
        opted_out = set(
            self._session.scalars(select(CallbackOptOut.phone).where(CallbackOptOut.phone.in_(phones)))
        )
        waiting = {
            job.phone: job
            for job in self._session.scalars(
                select(OutboundJob).where(
                    OutboundJob.kind == JobKind.SURVEY.value,
                    OutboundJob.state == JobState.DUE.value,
                    OutboundJob.dials == 0,
                    OutboundJob.phone.in_(phones),
                )
            )
        }
        made: list[OutboundJob] = []
        for ticket in tickets:
            assert ticket.closed_at is not None
            phone = ticket.caller_phone
            if not phone or phone in opted_out:
                note = "no phone number" if not phone else "the caller opted out of phone 回访"
                job = self._new(JobKind.SURVEY, phone or "", self._now())
                self._finish(job, JobState.MANUAL, note)
                self._cover(job, ticket, 0)
                made.append(job)
                continue
            due = self._survey_due(ticket.closed_at)
            job_or_none = waiting.get(phone)
            if job_or_none is not None and due <= job_or_none.due_at + MERGE_WITHIN:
                job_or_none.due_at = max(job_or_none.due_at, due)  # every matter it asks about is ready
                self._cover(job_or_none, ticket, self._covered(job_or_none))
                continue
            job = self._new(JobKind.SURVEY, phone, due)
            self._cover(job, ticket, 0)
            waiting[phone] = job
            made.append(job)
        self._session.flush()
        return made

    def schedule_callback(self, call: Call, kind: JobKind) -> OutboundJob | None:
        """Call back the caller of ``call`` (漏接回拨, or a kept queue place), once per call and once per
        number while a callback is open; ``None`` when the caller left no usable number or opted out."""
        if not call.caller_phone or self.opted_out(call.caller_phone):
            return None
        existing = self._session.scalar(
            select(OutboundJob).where(OutboundJob.call_id == call.id, OutboundJob.kind == kind.value)
        )
        if existing is not None:
            return existing
        open_one = self._session.scalar(
            select(OutboundJob).where(
                OutboundJob.phone == call.caller_phone,
                OutboundJob.kind.in_([JobKind.MISSED_CALL.value, JobKind.QUEUE_CALLBACK.value]),
                OutboundJob.state.in_([JobState.DUE.value, JobState.DIALING.value]),
            )
        )
        if open_one is not None:
            return open_one
        if kind is JobKind.QUEUE_CALLBACK:  # the caller is waiting for it now: their place is kept at once
            due = self._now()
        else:
            due = self._policy.windows.next_open(self._now(), self._calendar)
        job = self._new(kind, call.caller_phone, due, call_id=call.id, skill=call.skill)
        self._session.flush()
        return job

    def schedule_missed_calls(self, since: datetime, limit: int = 500) -> list[OutboundJob]:
        """漏接回拨: a callback for every caller since ``since`` who left a queue without an agent (hung up
        waiting, or sent away by the queue: ``HotlineUnserved``) — not when the same number got through to
        an agent afterwards, and never for the hotline's own callbacks. Returns the jobs made."""
        later = aliased(Call)
        served_later = exists().where(
            and_(
                later.caller_phone == Call.caller_phone,
                later.answered_at.is_not(None),
                later.started_at > Call.started_at,
            )
        )
        has_job = exists().where(OutboundJob.call_id == Call.id)
        missed = self._session.scalars(
            select(Call)
            .where(
                Call.started_at >= since,
                Call.answered_at.is_(None),
                or_(Call.abandoned_at.is_not(None), Call.unserved_at.is_not(None)),
                Call.caller_phone.is_not(None),
                Call.origin != CallOrigin.CALLBACK.value,
                ~has_job,
                ~served_later,
            )
            .order_by(Call.started_at)
            .limit(limit)
        ).all()
        made = []
        for call in missed:
            job = self.schedule_callback(call, JobKind.MISSED_CALL)
            if job is not None and job.call_id == call.id:
                made.append(job)
        return made

    def opted_out(self, phone: str) -> bool:
        """The citizen asked not to be called back (``phone`` normalised, +86…)."""
        return self._session.get(CallbackOptOut, phone) is not None

    def opt_out(self, phone: str, reason: str | None = None) -> int:
        """The citizen does not want phone callbacks: recorded; their due jobs are cancelled (returned:
        how many). A call already ringing is not pulled back."""
        number = normalise_phone(phone)
        if self._session.get(CallbackOptOut, number) is None:
            self._session.add(CallbackOptOut(phone=number, at=self._now(), reason=reason))
        due = self._session.scalars(
            select(OutboundJob).where(OutboundJob.phone == number, OutboundJob.state == JobState.DUE.value)
        ).all()
        for job in due:
            self._finish(job, jobs.cancel(JobState(job.state)), "opted out")
        self._session.flush()
        return len(due)

    # -- helpers -------------------------------------------------------------------------------------

    def _survey_due(self, closed_at: datetime) -> datetime:
        windows, delay = self._policy.windows, self._policy.survey_delay_workdays
        if delay == 0:
            return windows.next_open(closed_at, self._calendar)
        day = self._calendar.add_workdays(closed_at.astimezone(SHANGHAI).date(), delay)
        return windows.next_open(datetime.combine(day, datetime.min.time(), SHANGHAI), self._calendar)

    def _new(
        self,
        kind: JobKind,
        phone: str,
        due: datetime,
        *,
        call_id: uuid.UUID | None = None,
        skill: str | None = None,
    ) -> OutboundJob:
        now = self._now()
        job = OutboundJob(
            id=uuid.uuid4(), kind=kind.value, state=JobState.DUE.value, phone=phone, due_at=due,
            dials=0, attempts=0, max_attempts=self._policy.retry.max_attempts, call_id=call_id, skill=skill,
            provider=self._policy.provider.value, created_at=now, updated_at=now,
        )  # fmt: skip
        self._session.add(job)
        return job

    def _finish(self, job: OutboundJob, state: JobState, note: str) -> None:
        job.state = state.value
        job.note = note
        job.finished_at = job.updated_at = self._now()

    def _cover(self, job: OutboundJob, ticket: Ticket, position: int) -> None:
        assert ticket.closed_at is not None
        self._session.add(
            SurveyTicket(job_id=job.id, ticket_id=ticket.id, closed_at=ticket.closed_at, position=position)
        )
        job.updated_at = self._now()

    def _covered(self, job: OutboundJob) -> int:
        """How many tickets the job covers so far (pending rows are flushed first: autoflush)."""
        count = self._session.scalar(
            select(func.count()).select_from(SurveyTicket).where(SurveyTicket.job_id == job.id)
        )
        return int(count or 0)
