"""``hotline outbound …`` and ``hotline surveys …``: the outbound dialer on its own, the jobs it works and
the 回访 answers it brought back.

``outbound run`` is what ``hotline serve`` runs with ``HOTLINE_OUTBOUND=true``, without the web server:
the dialer on its own AMI connection (``HOTLINE_AMI_*``) and, when ``HOTLINE_ARI_URL`` is set, the survey
Stasis app. Run it in one process only: the dialer's exactly-once rules assume a single dialer per
database. The listings only read the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import click

from hotline.settings import Settings
from ticketing.outbound.schemas import JobOut
from ticketing.outbound.vocabulary import JobKind, JobState


def _settings() -> Settings:
    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


def _jobs(kind: JobKind | None, state: JobState | None, limit: int) -> list[JobOut]:
    from ticketing.db.engine import make_engine, make_sessionmaker
    from ticketing.outbound.routes import job_out
    from ticketing.outbound.service import OutboundService

    engine = make_engine(_settings().effective_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            jobs = OutboundService(session).listing(kind=kind, state=state, limit=limit)
            return [job_out(session, job) for job in jobs]
    finally:
        engine.dispose()


def _job_line(job: JobOut) -> str:
    tickets = ",".join(job.tickets) or "-"
    last = job.dials[-1] if job.dials else None
    outcome = f"last {last.outcome or 'in progress'}" if last else "not dialled"
    if last is not None and last.hangup_cause is not None:
        outcome += f" (cause {last.hangup_cause})"
    due = job.due_at.strftime("%Y-%m-%d %H:%M")
    note = f"  {job.note}" if job.note else ""
    return (
        f"{job.id}  {job.kind:<14} {job.state:<9} {job.phone:<16} tickets {tickets}  "
        f"attempts {job.attempts}/{job.max_attempts}, {outcome}  due {due} UTC{note}"
    )


_LIMIT = click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)


@click.group("outbound")
def outbound_group() -> None:
    """The outbound dialer: 回访 surveys and callbacks."""


@outbound_group.command("jobs")
@click.option("--kind", type=click.Choice([k.value for k in JobKind]), help="Only this kind of job.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in JobState]),
    help="Only jobs in this state (manual: the manual callback list).",
)
@_LIMIT
def jobs(kind: str | None, state: str | None, limit: int) -> None:
    """List outbound jobs, newest first, with their last attempt."""
    found = _jobs(JobKind(kind) if kind else None, JobState(state) if state else None, limit)
    for job in found:
        click.echo(_job_line(job))
    click.echo(f"{len(found)} job(s)", err=True)


@outbound_group.command("run")
def run() -> None:
    """Run the dialer (and the survey app when ARI is configured) until Ctrl-C."""
    from hotline.process import ami_target

    settings = _settings()
    target = ami_target(settings)
    if target is None:
        raise click.ClickException("the dialer needs the AMI: set HOTLINE_AMI_HOST and HOTLINE_AMI_SECRET")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"outbound dialer on AMI {target.host}:{target.port}; Ctrl-C to stop", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_outbound(settings))


async def _run_outbound(settings: Settings) -> None:
    from agent_bridge.ami.connection import AmiConnection
    from agent_bridge.dialer.dialer import OutboundDialer
    from hotline.ivr_runtime import AriTarget
    from hotline.outbound_runtime import (
        dialer_config,
        outbound_policy,
        survey_app_config,
        twilio_survey_calls,
    )
    from hotline.process import ami_target
    from hotline.wiring import build_engine
    from ivr.ari.client import AriClient
    from ivr.survey_app import SurveyApp
    from ivr.survey_log import TicketingSurveyLog
    from ticketing.db.engine import make_sessionmaker

    target = ami_target(settings)
    assert target is not None
    engine = build_engine(settings)
    sessions = make_sessionmaker(engine)
    policy = outbound_policy(settings)
    dialer = OutboundDialer(
        AmiConnection(target), sessions, policy, dialer_config(settings),
        survey_calls=twilio_survey_calls(settings),
    )  # fmt: skip
    try:
        async with contextlib.AsyncExitStack() as stack:
            tasks = [asyncio.create_task(dialer.run(), name="dialer")]
            if settings.ari_url:
                ari_target = AriTarget.from_settings(settings)
                ari = await stack.enter_async_context(
                    AriClient(ari_target.url, ari_target.username, ari_target.password, settings.survey_app)
                )
                surveys = SurveyApp(
                    ari, TicketingSurveyLog(sessions, policy), survey_app_config(settings),
                    on_finished=lambda attempt, _result: dialer.survey_finished(attempt),
                )  # fmt: skip
                stack.push_async_callback(surveys.stop)
                tasks.append(asyncio.create_task(surveys.run(), name="survey-app"))
            await asyncio.gather(*tasks)
    finally:
        await dialer.stop()
        engine.dispose()


@click.group("surveys")
def surveys_group() -> None:
    """回访 surveys: what was asked, what the citizens answered."""


@surveys_group.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]), help="Only surveys in this state.")
@_LIMIT
def surveys_list(state: str | None, limit: int) -> None:
    """List 回访 survey calls, newest first, with each ticket's answers."""
    found = _jobs(JobKind.SURVEY, JobState(state) if state else None, limit)
    for job in found:
        click.echo(_job_line(job))
        for answer in job.answers:
            solved = {True: "solved", False: "not solved", None: "-"}[answer.solved]
            complete = "complete" if answer.complete else "partial"
            comment = f", comment: {answer.comment_text}" if answer.comment_text else ""
            click.echo(
                f"    ticket {answer.ticket_id}: {solved}, {answer.satisfaction or '-'} ({complete}){comment}"
            )
    click.echo(f"{len(found)} survey call(s)", err=True)
