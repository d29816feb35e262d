"""``/api/v1/outbound``: the outbound jobs (回访 surveys, callbacks) with their attempts and answers, the
manual callback list, opt-outs, what the dialer is doing; and ``/tickets/{ref}/callbacks``, a ticket's
回访 history (hotline desk roles)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import require_role
from ticketing.api.deps import Context, CurrentActor
from ticketing.outbound.models import CallbackOptOut, OutboundJob
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.schemas import JobOut, JobQuery, ManualDone, OptOutIn, OptOutOut, snapshot_of
from ticketing.outbound.service import OutboundService
from ticketing.phone import normalise_phone
from ticketing.surveys.models import SurveyAnswer
from ticketing.tickets.lifecycle import Role
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import TicketService

router = APIRouter(tags=["outbound"])
_DESK = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def job_out(session: Session, job: OutboundJob) -> JobOut:
    """A job with its tickets (numbers), attempts and answers."""
    outbound = OutboundService(session)
    ticket_ids = outbound.tickets_of(job.id)
    numbers = (
        list(session.scalars(select(Ticket.number).where(Ticket.id.in_(ticket_ids)))) if ticket_ids else []
    )
    stmt = select(SurveyAnswer).where(SurveyAnswer.job_id == job.id).order_by(SurveyAnswer.id)
    answers = session.scalars(stmt)
    return JobOut.of(job, numbers, list(outbound.attempts(job.id)), list(answers))


@router.get("/outbound/jobs")
def list_jobs(ctx: Context, actor: CurrentActor, query: Annotated[JobQuery, Query()]) -> list[JobOut]:
    """Jobs, newest first; ``state=manual`` is the manual callback list of the agent desktop."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        jobs = OutboundService(session).listing(kind=query.kind, state=query.state, limit=query.limit)
        return [job_out(session, job) for job in jobs]


@router.get("/outbound/jobs/{job_id}")
def get_job(job_id: uuid.UUID, ctx: Context, actor: CurrentActor) -> JobOut:
    """One job with its attempts (outcome, Originate reason, hang-up cause) and answers."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        return job_out(session, OutboundService(session).job(job_id))


@router.post("/outbound/jobs/{job_id}/done")
def manual_done(job_id: uuid.UUID, body: ManualDone, ctx: Context, actor: CurrentActor) -> JobOut:
    """Take a job off the manual list: a person called the citizen (or could not) and says so."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        job = OutboundService(session, now=ctx.now).close_manual(job_id, f"{actor.username}: {body.reason}")
        return job_out(session, job)


@router.post("/outbound/opt-outs", status_code=201)
def opt_out(body: OptOutIn, ctx: Context, actor: CurrentActor) -> OptOutOut:
    """The citizen asked not to be called back: their due jobs are cancelled, none is made again."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        cancelled = OutboundScheduler(session, ctx.calendar(session), OutboundPolicy(), now=ctx.now).opt_out(
            body.phone, body.reason
        )
        row = session.get(CallbackOptOut, normalise_phone(body.phone))
        assert row is not None
        return OptOutOut.of(row, cancelled)


@router.get("/tickets/{ref}/callbacks")
def ticket_callbacks(ref: str, ctx: Context, actor: CurrentActor) -> list[JobOut]:
    """The ticket's 回访 by phone: each survey job, its attempts and the answers."""
    require_role(actor, *_DESK)
    with ctx.unit_of_work() as session:
        ticket = TicketService(session, now=ctx.now).load(ref, actor)
        return [job_out(session, job) for job in OutboundService(session).for_ticket(ticket.id)]


@router.get("/outbound/status")
def dialer_status(request: Request, actor: CurrentActor) -> dict[str, Any]:
    """What the dialer of this process is doing (outbound calls in progress)."""
    require_role(actor, *_DESK)
    dialer = getattr(request.app.state, "dialer", None)
    return snapshot_of(dialer.snapshot() if dialer is not None else None)
