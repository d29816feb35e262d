"""回访 by phone in the database: what a survey call asks about, the answers as they come, and what they do
to the tickets when the call ends (R-CB, R-REDO).

The survey call (the IVR's survey app, or Twilio's webhooks) reports each key as it is pressed, so a
hang-up mid-survey keeps every answer given. :meth:`SurveyService.finish` then, in one transaction:
ends the attempt (answered, or hung up before any answer: tried again), applies the lifecycle
``callback`` to every ticket answered in full (归档, or 重办 to the same unit with the answers in the
history), and puts the tickets left unanswered on the manual callback list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.calendar.workdays import WorkCalendar
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.errors import Conflict, InvalidInput, NotFound, TicketingError
from ticketing.outbound.models import OutboundAttempt
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.service import OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome, JobKind, JobState
from ticketing.outbound.windows import SHANGHAI
from ticketing.surveys.models import SurveyAnswer
from ticketing.surveys.verdict import verdict
from ticketing.tickets.actions import ActionService
from ticketing.tickets.lifecycle import Action, Satisfaction
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.tickets.schemas import ActionRequest

SURVEY_ACTOR = Actor(user_id=None, username="auto-callback", role=Actor.system().role)


@dataclass(frozen=True)
class SurveyMatter:
    """One ticket the call asks about."""

    ticket_id: uuid.UUID
    number: str
    category: Category
    title: str
    reported_on: date  # the day the citizen reported it (Shanghai)


@dataclass(frozen=True)
class SurveyCall:
    """What a survey call is about (for the flow that asks)."""

    attempt_id: uuid.UUID
    job_id: uuid.UUID
    phone: str
    matters: tuple[SurveyMatter, ...]


@dataclass
class SurveyResult:
    """What a finished survey call did."""

    outcome: AttemptOutcome
    job_state: JobState
    archived: list[str] = field(default_factory=list)  # ticket numbers
    redone: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # number → why the callback was not applied


class SurveyService:
    """Survey calls and their answers (see the module docstring)."""

    def __init__(self, session: Session, calendar: WorkCalendar, *, now: Clock = utcnow) -> None:
        self._session = session
        self._calendar = calendar
        self._now = now
        self._outbound = OutboundService(session, now=now)

    def call_for(self, attempt_id: uuid.UUID) -> SurveyCall:
        """The matters of the survey attempt ``attempt_id`` (a call for an attempt that is over, or that is
        no survey, is refused: :class:`Conflict` / :class:`NotFound`)."""
        attempt = self._outbound.attempt(attempt_id)
        job = self._outbound.job(attempt.job_id)
        if job.kind != JobKind.SURVEY.value:
            raise NotFound(f"attempt {attempt_id} is not a survey call", attempt=str(attempt_id))
        if attempt.outcome is not None:
            raise Conflict(f"attempt {attempt_id} is over ({attempt.outcome})", attempt=str(attempt_id))
        matters = []
        for ticket_id in self._outbound.tickets_of(job.id):
            ticket = self._session.get(Ticket, ticket_id)
            if ticket is not None:
                day = ticket.created_at.astimezone(SHANGHAI).date()
                category = Category(ticket.category)
                matters.append(SurveyMatter(ticket.id, ticket.number, category, ticket.title, day))
        return SurveyCall(attempt.id, job.id, job.phone, tuple(matters))

    def record_answer(
        self,
        attempt_id: uuid.UUID,
        ticket_id: uuid.UUID,
        *,
        solved: bool | None = None,
        satisfaction: Satisfaction | None = None,
    ) -> SurveyAnswer:
        """Keep one key's answer about one ticket (Q1 ``solved`` or Q2 ``satisfaction``) at once."""
        attempt = self._open_attempt(attempt_id)
        if ticket_id not in self._outbound.tickets_of(attempt.job_id):
            raise InvalidInput(f"ticket {ticket_id} is not in this survey", field="ticket_id")
        answer = self._answer(attempt, ticket_id)
        if solved is not None:
            answer.solved = solved
        if satisfaction is not None:
            answer.satisfaction = satisfaction.value
        answer.complete = answer.solved is not None and answer.satisfaction is not None
        answer.at = self._now()
        self._session.flush()
        return answer

    def record_comment(self, attempt_id: uuid.UUID, path: str, text: str | None = None) -> None:
        """The citizen's spoken comment (its recording, and its transcript when there is one), kept with
        every answer of the call."""
        attempt = self._open_attempt(attempt_id)
        answers = self._answers(attempt.id)
        if not answers:
            raise InvalidInput("a comment needs an answered survey", field="attempt_id")
        for answer in answers:
            answer.comment_path = path
            answer.comment_text = text or answer.comment_text
            answer.comment_status = "done" if answer.comment_text else "pending"
        self._session.flush()

    def pending_comments(self, limit: int = 20) -> list[str]:
        """Recordings of comments waiting for speech recognition (oldest first)."""
        rows = self._session.scalars(
            select(SurveyAnswer.comment_path)
            .where(SurveyAnswer.comment_status == "pending", SurveyAnswer.comment_path.is_not(None))
            .group_by(SurveyAnswer.comment_path)
            .order_by(func.min(SurveyAnswer.id))
            .limit(limit)
        )
        return [path for path in rows if path]

    def comment_recognised(self, path: str, text: str | None, error: str | None = None) -> int:
        """The transcript of the comment at ``path`` (or why there is none); returns the answers updated."""
        answers = self._session.scalars(select(SurveyAnswer).where(SurveyAnswer.comment_path == path)).all()
        for answer in answers:
            answer.comment_text = text or None
            answer.comment_status = "failed" if error else "done"
            if error:
                answer.comment_text = None
        self._session.flush()
        return len(answers)

    def finish(self, attempt_id: uuid.UUID, policy: OutboundPolicy) -> SurveyResult:
        """The survey call is over: settle the attempt and apply the answers (module docstring). Finishing
        twice changes nothing the second time."""
        attempt = self._outbound.attempt(attempt_id)
        job = self._outbound.job(attempt.job_id)
        answers = {a.ticket_id: a for a in self._answers(attempt.id)}
        if attempt.outcome is not None:
            return SurveyResult(AttemptOutcome(attempt.outcome), JobState(job.state))
        given = any(a.solved is not None or a.satisfaction is not None for a in answers.values())
        outcome = AttemptOutcome.ANSWERED if given else AttemptOutcome.HUNG_UP
        self._outbound.end_attempt(attempt.id, outcome, policy, self._calendar)
        result = SurveyResult(outcome, JobState(job.state))
        if not given:
            return result
        for ticket_id in self._outbound.tickets_of(job.id):
            ticket = self._session.get(Ticket, ticket_id)
            if ticket is None:
                continue
            answer = answers.get(ticket_id)
            if answer is None or not answer.complete:
                result.unanswered.append(ticket.number)
                continue
            self._apply(ticket, answer, result)
        if result.unanswered:
            note = "电话回访未答完：" + "、".join(result.unanswered) + "（请人工回访）"
            self._outbound.to_manual(job.id, note)
        result.job_state = JobState(job.state)
        self._session.flush()
        return result

    def answers_for_ticket(self, ticket_id: uuid.UUID) -> list[SurveyAnswer]:
        """Every survey answer about a ticket, oldest first."""
        return list(
            self._session.scalars(
                select(SurveyAnswer).where(SurveyAnswer.ticket_id == ticket_id).order_by(SurveyAnswer.id)
            )
        )

    # -- helpers -------------------------------------------------------------------------------------

    def _apply(self, ticket: Ticket, answer: SurveyAnswer, result: SurveyResult) -> None:
        assert answer.solved is not None
        assert answer.satisfaction is not None
        decided = verdict(answer.solved, Satisfaction(answer.satisfaction), answer.comment_text)
        request = ActionRequest(
            reason=decided.reason,
            satisfaction=decided.satisfaction,
            result_satisfaction=decided.result_satisfaction,
        )
        try:
            with self._session.begin_nested():
                ActionService(self._session, self._calendar, now=self._now).perform(
                    ticket.number, Action.CALLBACK, request, SURVEY_ACTOR
                )
        except TicketingError as exc:  # e.g. archived by hand meanwhile: the answers are kept anyway
            result.refused[ticket.number] = str(exc)
            return
        answer.applied_event_id = self._session.scalar(
            select(TicketEvent.id)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == Action.CALLBACK.value)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
        (result.redone if decided.redo else result.archived).append(ticket.number)

    def _open_attempt(self, attempt_id: uuid.UUID) -> OutboundAttempt:
        attempt = self._outbound.attempt(attempt_id)
        if attempt.outcome is not None:
            raise Conflict(f"attempt {attempt_id} is over ({attempt.outcome})", attempt=str(attempt_id))
        return attempt

    def _answers(self, attempt_id: uuid.UUID) -> list[SurveyAnswer]:
        return list(self._session.scalars(select(SurveyAnswer).where(SurveyAnswer.attempt_id == attempt_id)))

    def _answer(self, attempt: OutboundAttempt, ticket_id: uuid.UUID) -> SurveyAnswer:
        answer = self._session.scalar(
            select(SurveyAnswer).where(
                SurveyAnswer.attempt_id == attempt.id, SurveyAnswer.ticket_id == ticket_id
            )
        )
        if answer is None:
            answer = SurveyAnswer(
                job_id=attempt.job_id, attempt_id=attempt.id, ticket_id=ticket_id, complete=False,
                at=self._now(),
            )  # fmt: skip
            self._session.add(answer)
        return answer
