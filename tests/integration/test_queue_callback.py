"""Keeping a caller's place in the queue (virtual hold) in a real database (SQLite and PostgreSQL): what the
IVR's offer learns about a caller, the job a kept place becomes, and how the dialer finds it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from apiharness import Api
from sqlalchemy.orm import Session

from ivr.queue_callback import TicketingQueueCallbacks
from ticketing.calendar.service import load_calendar
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import Skill
from ticketing.db.engine import make_sessionmaker
from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.service import OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome, JobKind, JobState

POLICY = OutboundPolicy(retry=RetryPolicy(max_attempts=2))


def session(api: Api) -> Session:
    return make_sessionmaker(api.engine)()


def desk(api: Api) -> TicketingQueueCallbacks:
    return TicketingQueueCallbacks(make_sessionmaker(api.engine), POLICY, default_handle_s=200, now=api.clock)


def a_call(api: Api, channel: str, number: str | None, skill: Skill = Skill.HELP) -> uuid.UUID:
    with session(api) as s, s.begin():
        calls = CallService(s, now=api.clock)
        call = calls.start(channel, number)
        calls.choose(call.id, skill)
        return call.id


def talked(api: Api, channel: str, queue: str, seconds: float) -> None:
    with session(api) as s, s.begin():
        calls = CallService(s, now=api.clock)
        call = calls.start(channel, "13900139999")
        calls.queued(call.id, queue)
        calls.completed(call.id, at=api.clock(), talk_seconds=seconds, hangup_by="agent")


def test_the_wait_estimate_uses_the_queues_recent_talk_time(api: Api) -> None:
    caller = a_call(api, "chan-1", "13800138001")
    assert asyncio.run(desk(api).handle_seconds(caller, "hotline-help")) == 200  # no history yet
    talked(api, "old", "hotline-help", 900)
    api.clock.advance(hours=9)  # older than the history the estimate looks at
    talked(api, "t1", "hotline-help", 100)
    talked(api, "t2", "hotline-help", 140)
    talked(api, "other-queue", "hotline-consult", 999)
    assert asyncio.run(desk(api).handle_seconds(caller, "hotline-help")) == pytest.approx(120)


def test_no_offer_to_an_anonymous_caller_or_one_who_opted_out(api: Api) -> None:
    anonymous = a_call(api, "chan-anon", None)
    opted = a_call(api, "chan-opt", "13800138002")
    with session(api) as s, s.begin():
        OutboundScheduler(s, load_calendar(s), POLICY, now=api.clock).opt_out("13800138002", "no calls")
    assert asyncio.run(desk(api).handle_seconds(anonymous, "hotline-help")) is None
    assert asyncio.run(desk(api).handle_seconds(opted, "hotline-help")) is None
    with pytest.raises(LookupError):
        asyncio.run(desk(api).keep_place(anonymous, Skill.HELP))


def test_a_kept_place_is_a_queue_callback_due_at_once_even_after_the_window(api: Api) -> None:
    api.clock.advance(hours=12)  # 21:00 in Shanghai: the calling windows are closed
    caller = a_call(api, "chan-2", "13800138003", Skill.COMPLAINT_REPORT)
    job_id = asyncio.run(desk(api).keep_place(caller, Skill.COMPLAINT_REPORT))
    assert asyncio.run(desk(api).keep_place(caller, Skill.COMPLAINT_REPORT)) == job_id  # once per call
    with session(api) as s:
        service = OutboundService(s, now=api.clock)
        job = service.job(job_id)
        assert (job.kind, job.state, job.skill, job.call_id) == (
            JobKind.QUEUE_CALLBACK.value, JobState.DUE.value, Skill.COMPLAINT_REPORT.value, caller
        )  # fmt: skip
        assert job.due_at == api.clock()
        assert [j.id for j in service.due(10, [JobKind.QUEUE_CALLBACK], fresh_only=True)] == [job_id]
        # the missed-call scheduler leaves this caller alone: they were not lost, they are kept
        made = OutboundScheduler(s, load_calendar(s), POLICY, now=api.clock).schedule_missed_calls(
            api.clock() - timedelta(days=1)
        )
        assert made == []


def test_a_queue_callback_tried_once_is_no_longer_fresh(api: Api) -> None:
    caller = a_call(api, "chan-3", "13800138004")
    job_id = asyncio.run(desk(api).keep_place(caller, Skill.HELP))
    with session(api) as s, s.begin():
        OutboundService(s, now=api.clock).begin_attempt(job_id)
    with session(api) as s, s.begin():
        service = OutboundService(s, now=api.clock)
        attempt = service.in_flight()[0]
        service.end_attempt(attempt.id, AttemptOutcome.NO_AGENT, POLICY, load_calendar(s))
    api.clock.advance(minutes=5)
    with session(api) as s:
        service = OutboundService(s, now=api.clock)
        assert [j.id for j in service.due(10, [JobKind.QUEUE_CALLBACK])] == [job_id]
        assert service.due(10, [JobKind.QUEUE_CALLBACK], fresh_only=True) == []
