"""The pure rules of outbound calling: a job's life after each attempt, calling windows over the
working-day calendar (National Day 2025 with its 调休 weekend days), and pacing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent_bridge.dialer.pacing import Pacer
from ticketing.calendar.workdays import WorkCalendar
from ticketing.outbound import jobs
from ticketing.outbound.jobs import IllegalJobStep, RetryPolicy
from ticketing.outbound.vocabulary import ORIGINATE_REASONS, AttemptOutcome, JobState
from ticketing.outbound.windows import CallingWindows

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 9, 30, 10, 0, tzinfo=SH)
POLICY = RetryPolicy(max_attempts=3, spacing=timedelta(minutes=30))
CAL = WorkCalendar()


# -- the job state machine ----------------------------------------------------------------------------


def test_only_a_due_job_begins_an_attempt() -> None:
    assert jobs.begin(JobState.DUE) is JobState.DIALING
    for state in set(JobState) - {JobState.DUE}:
        with pytest.raises(IllegalJobStep):
            jobs.begin(state)


def test_an_answered_attempt_finishes_the_job() -> None:
    assert jobs.after_attempt(JobState.DIALING, AttemptOutcome.ANSWERED, 1, NOW, POLICY) == jobs.Next(
        JobState.DONE
    )


@pytest.mark.parametrize(
    "outcome",
    [AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.FAILED, AttemptOutcome.LOST,
     AttemptOutcome.HUNG_UP],
)  # fmt: skip
def test_a_failed_attempt_is_retried_after_the_spacing_then_goes_to_the_manual_list(
    outcome: AttemptOutcome,
) -> None:
    assert jobs.after_attempt(JobState.DIALING, outcome, 1, NOW, POLICY) == jobs.Next(
        JobState.DUE, NOW + timedelta(minutes=30)
    )
    assert jobs.after_attempt(JobState.DIALING, outcome, 2, NOW, POLICY).state is JobState.DUE
    assert jobs.after_attempt(JobState.DIALING, outcome, 3, NOW, POLICY) == jobs.Next(JobState.MANUAL)


def test_a_callback_no_agent_took_is_tried_again_soon_whatever_the_count() -> None:
    assert not AttemptOutcome.NO_AGENT.counts
    step = jobs.after_attempt(JobState.DIALING, AttemptOutcome.NO_AGENT, 3, NOW, POLICY)
    assert step == jobs.Next(JobState.DUE, NOW + POLICY.no_agent_spacing)


@pytest.mark.parametrize("state", [JobState.DUE, JobState.DONE, JobState.MANUAL, JobState.CANCELLED])
def test_an_attempt_cannot_end_on_a_job_that_is_not_dialing(state: JobState) -> None:
    with pytest.raises(IllegalJobStep):
        jobs.after_attempt(state, AttemptOutcome.ANSWERED, 1, NOW, POLICY)


def test_cancel_ends_open_jobs_only() -> None:
    assert jobs.cancel(JobState.DUE) is JobState.CANCELLED
    assert jobs.cancel(JobState.DIALING) is JobState.CANCELLED
    assert jobs.cancel(JobState.DONE) is JobState.DONE
    assert jobs.cancel(JobState.MANUAL) is JobState.MANUAL


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="spacing"):
        RetryPolicy(spacing=timedelta(minutes=-1))


def test_originate_reasons_map_to_outcomes() -> None:
    assert ORIGINATE_REASONS[4] is AttemptOutcome.ANSWERED
    assert ORIGINATE_REASONS[3] is AttemptOutcome.NO_ANSWER
    assert ORIGINATE_REASONS[5] is AttemptOutcome.BUSY
    assert ORIGINATE_REASONS[8] is AttemptOutcome.FAILED


# -- calling windows ----------------------------------------------------------------------------------

WINDOWS = CallingWindows.parse("09:00-12:00,14:00-20:00")


def at(day: int, month: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, month, day, hh, mm, tzinfo=SH)


def test_windows_are_parsed_and_checked() -> None:
    assert WINDOWS.spans == ((time(9), time(12)), (time(14), time(20)))
    with pytest.raises(ValueError, match="overlap"):
        CallingWindows.parse("09:00-13:00,12:00-14:00")
    with pytest.raises(ValueError, match="empty"):
        CallingWindows.parse("12:00-09:00")


def test_inside_a_window_on_a_working_day_is_open() -> None:
    assert WINDOWS.is_open(at(30, 9, 10), CAL)
    assert WINDOWS.next_open(at(30, 9, 10), CAL) == at(30, 9, 10)


def test_the_lunch_break_waits_for_the_afternoon_window() -> None:
    assert not WINDOWS.is_open(at(30, 9, 12, 30), CAL)
    assert WINDOWS.next_open(at(30, 9, 12, 30), CAL) == at(30, 9, 14)


def test_the_end_of_the_window_is_closed() -> None:
    assert not WINDOWS.is_open(at(30, 9, 20), CAL)


def test_after_hours_before_national_day_waits_for_the_first_working_day_after_it() -> None:
    # 2025-10-01..08 are holidays; the next working day is Thursday 10-09
    assert WINDOWS.next_open(at(30, 9, 20, 30), CAL) == at(9, 10, 9)
    assert not WINDOWS.is_open(at(3, 10, 10), CAL)


def test_a_tiaoxiu_weekend_day_is_a_calling_day() -> None:
    # Saturday 2025-10-11 is a working day (调休); Sunday 10-12 is not
    assert WINDOWS.is_open(at(11, 10, 9, 30), CAL)
    assert WINDOWS.next_open(at(11, 10, 20, 0), CAL) == at(13, 10, 9)


def test_a_utc_instant_gets_its_answer_in_utc() -> None:
    moment = datetime(2025, 9, 30, 4, 30, tzinfo=UTC)  # 12:30 Shanghai
    opened = WINDOWS.next_open(moment, CAL)
    assert opened.tzinfo is UTC
    assert opened == datetime(2025, 9, 30, 6, 0, tzinfo=UTC)


def test_every_day_windows_ignore_the_calendar() -> None:
    every_day = CallingWindows.parse("09:00-12:00", workdays_only=False)
    assert every_day.is_open(at(3, 10, 10), CAL)


# -- pacing --------------------------------------------------------------------------------------------


def test_originates_are_spaced_by_the_pace_never_closer() -> None:
    pacer = Pacer(rate=2.0, limit=10)
    sent: list[float] = []
    now = 0.0
    while len(sent) < 20:
        wait = pacer.wait(now, in_flight=0)
        assert wait is not None
        now += wait
        pacer.take(now)
        sent.append(now)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) == pytest.approx(0.5)
    assert sent[-1] == pytest.approx(9.5)


def test_an_idle_pacer_does_not_save_up_a_burst() -> None:
    pacer = Pacer(rate=1.0, limit=10)
    pacer.take(0.0)
    assert pacer.wait(100.0, 0) == 0
    pacer.take(100.0)
    assert pacer.wait(100.0, 0) == pytest.approx(1.0)


def test_the_concurrent_limit_holds_the_next_call() -> None:
    pacer = Pacer(rate=5.0, limit=2)
    assert pacer.wait(0.0, in_flight=2) is None
    assert pacer.wait(0.0, in_flight=1) == 0


def test_pacer_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(rate=0, limit=1)
    with pytest.raises(ValueError, match="concurrent"):
        Pacer(rate=1, limit=0)


def test_a_window_may_run_to_midnight() -> None:
    always = CallingWindows.parse("00:00-24:00", workdays_only=False)
    assert always.is_open(at(3, 10, 23, 59), CAL)
    with pytest.raises(ValueError, match="HH:MM"):
        CallingWindows.parse("9-12")
