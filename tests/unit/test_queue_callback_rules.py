"""Virtual hold, the pure parts: the wait estimate and the Originate of a kept place."""

from __future__ import annotations

import math
import uuid

import pytest

from agent_bridge.dialer.originate import DialPlan, originate
from ivr.queue_callback import QueueLoad, estimate_wait
from ticketing.outbound.service import Dial
from ticketing.outbound.vocabulary import JobKind


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        (QueueLoad(waiting=0, logged_in=3, paused=0, ready=1), 0.0),  # an agent is free for them
        (QueueLoad(waiting=2, logged_in=3, paused=0, ready=3), 0.0),  # more free agents than callers
        (QueueLoad(waiting=0, logged_in=2, paused=0, ready=0), 90.0),  # both busy: half a talk each
        (QueueLoad(waiting=5, logged_in=4, paused=1, ready=0), 360.0),  # 6 calls over 3 working agents
        (QueueLoad(waiting=5, logged_in=4, paused=1, ready=2), 240.0),  # two can start now
    ],
)
def test_the_wait_is_the_callers_ahead_shared_by_the_agents_at_work(load: QueueLoad, expected: float) -> None:
    assert estimate_wait(load, handle_s=180) == pytest.approx(expected)


@pytest.mark.parametrize(
    "load",
    [
        QueueLoad(waiting=0, logged_in=0, paused=0, ready=0),
        QueueLoad(waiting=3, logged_in=2, paused=2, ready=0),
    ],
)
def test_nobody_at_work_is_an_endless_wait(load: QueueLoad) -> None:
    assert estimate_wait(load, handle_s=180) == math.inf


def dial(kind: JobKind) -> Dial:
    return Dial(
        attempt_id=uuid.UUID(int=7), job_id=uuid.UUID(int=8), kind=kind, number=1, phone="+8613800138000",
        dial_number="13800138000", skill="help", call_id=None, draft_id=uuid.UUID(int=9), provider="ami",
    )  # fmt: skip


def headers(kind: JobKind, plan: DialPlan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in originate(dial(kind), plan, queue="hotline-help").headers:
        out.setdefault(key, []).append(value)
    return out


def test_a_kept_place_waits_its_turn_in_the_queue_a_missed_call_callback_only_briefly() -> None:
    plan = DialPlan(agent_timeout_s=30, hold_timeout_s=1200)
    kept = headers(JobKind.QUEUE_CALLBACK, plan)
    missed = headers(JobKind.MISSED_CALL, plan)
    assert kept["Channel"] == missed["Channel"] == ["Local/agent@hotline-callback/n"]  # agent first
    assert "__HOTLINE_AGENT_TIMEOUT=1200" in kept["Variable"]
    assert kept["Timeout"] == ["1205000"]
    assert "__HOTLINE_AGENT_TIMEOUT=30" in missed["Variable"]
    assert missed["Timeout"] == ["35000"]
    assert f"__HOTLINE_DRAFT_ID={uuid.UUID(int=9)}" in kept["Variable"]  # the pop shows the caller's draft
