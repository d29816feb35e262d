"""Outbound jobs and 回访 answers in a real database (SQLite and PostgreSQL): which jobs are made, how
attempts move them, what answers do to the tickets, and the API over them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from apiharness import Api
from click.testing import CliRunner
from sqlalchemy.orm import Session

from hotline.cli_outbound import outbound_group, surveys_group
from hotline.settings import Settings
from ticketing.calendar.service import load_calendar
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import CallOrigin
from ticketing.db.engine import make_sessionmaker
from ticketing.errors import Conflict, InvalidInput
from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.service import OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome, JobKind, JobState
from ticketing.outbound.windows import CallingWindows
from ticketing.surveys.service import SurveyService
from ticketing.tickets.lifecycle import Satisfaction

POLICY = OutboundPolicy(retry=RetryPolicy(max_attempts=2, spacing=timedelta(minutes=30)))


def finished(api: Api, phone: str | None = "13800138000", title: str = "夜间施工噪音") -> str:
    """A ticket brought to 办结 through the API (dispatched to the housing bureau, answered, closed)."""
    caller = {"name": "张三", "phone": phone} if phone else {"name": "匿名"}
    number = str(api.new_ticket(title=title, caller=caller)["number"])
    api.act("agent", number, "dispatch", lead_department="city.housing")
    api.act("housing", number, "accept")
    api.act("housing", number, "reply", reason="已处理")
    assert api.act("agent", number, "close")["status"] == "completed"
    return number


def session(api: Api) -> Session:
    return make_sessionmaker(api.engine)()


def schedule(api: Api, policy: OutboundPolicy = POLICY) -> list[uuid.UUID]:
    with session(api) as s, s.begin():
        jobs = OutboundScheduler(s, load_calendar(s), policy, now=api.clock).schedule_surveys()
        return [j.id for j in jobs]


def state(api: Api, job_id: uuid.UUID) -> tuple[str, int, datetime]:
    with session(api) as s:
        job = OutboundService(s).job(job_id)
        return job.state, job.attempts, job.due_at


def dial(api: Api, job_id: uuid.UUID) -> uuid.UUID:
    with session(api) as s, s.begin():
        return OutboundService(s, now=api.clock).begin_attempt(job_id).attempt_id


def end(api: Api, attempt_id: uuid.UUID, outcome: AttemptOutcome) -> None:
    with session(api) as s, s.begin():
        OutboundService(s, now=api.clock).end_attempt(attempt_id, outcome, POLICY, load_calendar(s))


def answer(
    api: Api, attempt_id: uuid.UUID, number: str, solved: bool | None, satisfaction: str | None
) -> None:
    with session(api) as s, s.begin():
        ticket_id = uuid.UUID(api.ok("agent", "GET", f"/tickets/{number}")["id"])
        value = Satisfaction(satisfaction) if satisfaction else None
        SurveyService(s, load_calendar(s), now=api.clock).record_answer(
            attempt_id, ticket_id, solved=solved, satisfaction=value
        )


def finish(api: Api, attempt_id: uuid.UUID) -> None:
    with session(api) as s, s.begin():
        SurveyService(s, load_calendar(s), now=api.clock).finish(attempt_id, POLICY)


def status(api: Api, number: str) -> str:
    return str(api.ok("agent", "GET", f"/tickets/{number}")["status"])


# -- making survey jobs --------------------------------------------------------------------------------


def test_a_finished_ticket_gets_one_survey_due_the_next_working_morning(api: Api) -> None:
    finished(api)  # Monday 2026-11-30 09:00 Shanghai
    made = schedule(api)
    assert len(made) == 1
    job_state, attempts, due = state(api, made[0])
    assert (job_state, attempts) == ("due", 0)
    assert due == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 Shanghai
    assert schedule(api) == []  # surveyed once per close


def test_a_friday_close_is_surveyed_on_monday(api: Api) -> None:
    api.clock.advance(days=4, hours=10)  # Friday 19:00 Shanghai
    finished(api)
    (job_id,) = schedule(api)
    assert state(api, job_id)[2] == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def test_one_citizen_with_two_finished_matters_gets_one_call(api: Api) -> None:
    first, second = finished(api, title="噪音"), finished(api, title="路灯")
    (job_id,) = schedule(api)
    jobs = api.ok("agent", "GET", f"/outbound/jobs/{job_id}")
    assert sorted(jobs["tickets"]) == sorted([first, second])


def test_an_anonymous_caller_goes_to_the_manual_list_at_once(api: Api) -> None:
    number = finished(api, phone=None)
    (job_id,) = schedule(api)
    assert state(api, job_id)[0] == "manual"
    manual = api.ok("agent", "GET", "/outbound/jobs", params={"state": "manual"})
    assert [j["tickets"] for j in manual] == [[number]]
    assert "no phone" in manual[0]["note"]


def test_an_opt_out_cancels_the_due_call_and_sends_later_matters_to_the_manual_list(api: Api) -> None:
    finished(api)
    (job_id,) = schedule(api)
    out = api.ok("agent", "POST", "/outbound/opt-outs", expect=201, json={"phone": "13800138000"})
    assert out["cancelled_jobs"] == 1
    assert state(api, job_id)[0] == "cancelled"
    finished(api, title="又一件")
    (later,) = schedule(api)
    assert state(api, later)[0] == "manual"


# -- attempts ------------------------------------------------------------------------------------------


def test_an_attempt_is_begun_once_and_ended_once(api: Api) -> None:
    finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    with pytest.raises(Conflict):
        dial(api, job_id)  # already dialling: a second dialer cannot begin it again
    end(api, attempt, AttemptOutcome.NO_ANSWER)
    end(api, attempt, AttemptOutcome.ANSWERED)  # the first outcome wins
    job_state, attempts, due = state(api, job_id)
    assert (job_state, attempts) == ("due", 1)
    assert due == datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 30 minutes later, inside the window
    second = dial(api, job_id)
    end(api, second, AttemptOutcome.BUSY)
    assert state(api, job_id)[:2] == ("manual", 2)
    job = api.ok("agent", "GET", f"/outbound/jobs/{job_id}")
    assert [(d["number"], d["outcome"]) for d in job["dials"]] == [(1, "no_answer"), (2, "busy")]


def test_a_retry_after_the_window_closes_waits_for_the_next_window(api: Api) -> None:
    api.clock.advance(hours=2, minutes=50)  # 11:50 Shanghai: +30 min falls into the lunch break
    finished(api)
    (job_id,) = schedule(api, OutboundPolicy(survey_delay_workdays=0, retry=POLICY.retry))
    end(api, dial(api, job_id), AttemptOutcome.NO_ANSWER)
    assert state(api, job_id)[2] == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 14:00 Shanghai


def test_no_agent_for_a_callback_does_not_use_up_the_citizens_attempts(api: Api) -> None:
    with session(api) as s, s.begin():
        call = CallService(s, now=api.clock).start("chan-1", "13900139000")
        call.queued_at = call.abandoned_at = api.clock()
        job = OutboundScheduler(s, load_calendar(s), POLICY, now=api.clock).schedule_missed_calls(
            api.clock() - timedelta(days=1)
        )[0]
        job_id = job.id
    for _ in range(3):
        end(api, dial(api, job_id), AttemptOutcome.NO_AGENT)
    assert state(api, job_id)[:2] == ("due", 0)


# -- answers -------------------------------------------------------------------------------------------


def test_unsolved_and_unsatisfied_sends_the_ticket_back_to_its_unit(api: Api) -> None:
    number = finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    answer(api, attempt, number, False, None)
    answer(api, attempt, number, None, "unsatisfied")
    finish(api, attempt)
    finish(api, attempt)  # idempotent
    ticket = api.ok("agent", "GET", f"/tickets/{number}")
    assert (ticket["status"], ticket["redo_count"], ticket["satisfaction"]) == (
        "dispatched",
        1,
        "unsatisfied",
    )
    events = [e for e in api.ok("agent", "GET", f"/tickets/{number}/events") if e["action"] == "callback"]
    assert len(events) == 1
    assert "问题未解决" in events[0]["reason"]
    assert state(api, job_id)[0] == "done"
    history = api.ok("agent", "GET", f"/tickets/{number}/callbacks")
    assert history[0]["answers"][0]["complete"] is True


def test_solved_but_unsatisfied_is_a_redo_too(api: Api) -> None:
    number = finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    answer(api, attempt, number, True, None)
    answer(api, attempt, number, None, "unsatisfied")
    finish(api, attempt)
    assert status(api, number) == "dispatched"


def test_solved_and_satisfied_is_archived_and_a_redo_is_surveyed_again_after_its_close(api: Api) -> None:
    number = finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    answer(api, attempt, number, False, None)
    answer(api, attempt, number, None, "satisfied")
    finish(api, attempt)
    assert status(api, number) == "dispatched"  # unsolved: 重办
    api.clock.advance(days=1)
    api.act("housing", number, "accept")
    api.act("housing", number, "reply", reason="已再次处理")
    api.act("agent", number, "close")
    (again,) = schedule(api)
    second = dial(api, again)
    answer(api, second, number, True, None)
    answer(api, second, number, None, "basically_satisfied")
    finish(api, second)
    assert status(api, number) == "archived"
    assert len(api.ok("agent", "GET", f"/tickets/{number}/callbacks")) == 2


def test_a_hang_up_after_the_first_question_keeps_the_answer_and_asks_a_person(api: Api) -> None:
    number = finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    answer(api, attempt, number, True, None)
    finish(api, attempt)
    assert status(api, number) == "completed"  # nothing applied: the survey is incomplete
    job = api.ok("agent", "GET", f"/outbound/jobs/{job_id}")
    assert job["state"] == "manual"
    assert number in job["note"]
    assert job["answers"][0]["solved"] is True
    assert job["answers"][0]["complete"] is False
    done = api.ok("agent", "POST", f"/outbound/jobs/{job_id}/done", json={"reason": "已人工回访"})
    assert done["state"] == "done"


def test_a_hang_up_before_any_answer_is_tried_again(api: Api) -> None:
    finished(api)
    (job_id,) = schedule(api)
    finish(api, dial(api, job_id))
    job = api.ok("agent", "GET", f"/outbound/jobs/{job_id}")
    assert (job["state"], job["dials"][0]["outcome"]) == ("due", "hung_up")


def test_answers_for_a_ticket_outside_the_call_or_after_it_ended_are_refused(api: Api) -> None:
    number = finished(api)
    other = finished(api, phone="13900000001", title="别人的事")
    (job_id, _) = schedule(api)
    attempt = dial(api, job_id)
    with pytest.raises(InvalidInput):
        answer(api, attempt, other, True, None)
    answer(api, attempt, number, True, None)
    answer(api, attempt, number, None, "satisfied")
    finish(api, attempt)
    with pytest.raises(Conflict):
        answer(api, attempt, number, False, None)


# -- missed calls --------------------------------------------------------------------------------------


def test_a_caller_who_left_the_queue_gets_one_callback_unless_they_got_through_later(api: Api) -> None:
    with session(api) as s, s.begin():
        calls = CallService(s, now=api.clock)
        abandoned = calls.start("chan-a", "13900139001")
        abandoned.queued_at = abandoned.abandoned_at = api.clock()
        timed_out = calls.start("chan-b", "13900139002")
        timed_out.queued_at = api.clock()
        calls.unserved(timed_out.id, at=api.clock(), status="TIMEOUT")
        served = calls.start("chan-c", "13900139003")
        served.queued_at = served.abandoned_at = api.clock()
        own = calls.start("chan-d", "13900139004")
        own.origin = CallOrigin.CALLBACK.value
        own.queued_at = own.abandoned_at = api.clock()
    api.clock.advance(minutes=5)
    with session(api) as s, s.begin():
        again = CallService(s, now=api.clock).start("chan-e", "13900139003")
        again.answered_at = api.clock()
    with session(api) as s, s.begin():
        scheduler = OutboundScheduler(s, load_calendar(s), POLICY, now=api.clock)
        made = scheduler.schedule_missed_calls(api.clock() - timedelta(days=1))
        assert sorted(j.phone for j in made) == ["+8613900139001", "+8613900139002"]
        assert all(j.kind == JobKind.MISSED_CALL.value for j in made)
        assert scheduler.schedule_missed_calls(api.clock() - timedelta(days=1)) == []


# -- the API's bad input ---------------------------------------------------------------------------------


def test_bad_input_gets_typed_errors(api: Api) -> None:
    assert api.call("agent", "GET", "/outbound/jobs", params={"state": "nope"}).status_code == 422
    missing = api.call("agent", "GET", f"/outbound/jobs/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["error_id"]) == (404, "not_found")
    assert api.call("housing", "GET", "/outbound/jobs").status_code == 403
    assert api.call("agent", "POST", "/outbound/opt-outs", json={"phone": "x"}).status_code == 422
    finished(api)
    (job_id,) = schedule(api)
    not_manual = api.call("agent", "POST", f"/outbound/jobs/{job_id}/done", json={"reason": "x"})
    assert (not_manual.status_code, not_manual.json()["error_id"]) == (409, "conflict")
    assert JobState.DUE.value == state(api, job_id)[0]


def test_windows_are_in_shanghai_time() -> None:
    assert CallingWindows().spans[0][0].hour == 9


def test_the_cli_lists_surveys_with_answers_and_the_manual_list(api: Api, db_url: str) -> None:
    number = finished(api)
    (job_id,) = schedule(api)
    attempt = dial(api, job_id)
    answer(api, attempt, number, False, "unsatisfied")
    finish(api, attempt)
    unreachable = finished(api, phone="13700137000", title="路灯不亮")
    (other,) = schedule(api)
    for _ in range(POLICY.retry.max_attempts):
        api.clock.advance(minutes=31)
        end(api, dial(api, other), AttemptOutcome.NO_ANSWER)
    assert state(api, other)[0] == "manual"

    runner = CliRunner()
    obj = {"settings": Settings(database_url=db_url)}
    listed = runner.invoke(surveys_group, ["list"], obj=obj)
    assert listed.exit_code == 0, listed.output
    assert f"tickets {number}" in listed.output
    assert "not solved, unsatisfied (complete)" in listed.output
    manual = runner.invoke(outbound_group, ["jobs", "--state", "manual"], obj=obj)
    assert manual.exit_code == 0, manual.output
    assert f"tickets {unreachable}" in manual.output
    assert f"tickets {number}" not in manual.output
    assert "attempts 2/2, last no_answer" in manual.output
    bad = runner.invoke(outbound_group, ["jobs", "--state", "lost"], obj=obj)
    assert bad.exit_code == 2
    assert "Invalid value for '--state'" in bad.output
