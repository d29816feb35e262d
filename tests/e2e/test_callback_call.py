"""Callbacks end to end, agent first: 漏接回拨 and the queue callback (virtual hold).

A real Asterisk sandbox of this module's own, ``hotline serve``'s whole process with the outbound dialer
(IVR stopped: the dialplan queues the caller straight into the general queue), agent01 at phone 1001 (a
SIPp phone), SIPp citizens on both sides of the trunk. The agent is on a break when the citizen calls; the
citizen hangs up after a few seconds; the dialer makes a missed-call job and waits for a free agent of the
queue; the agent gets ready, their phone rings first (the pop shows the abandoned call's draft) and
answers; then the citizen's phone rings and answers; the job is done after one attempt, and the citizen
got exactly one call.

The queue callback: with the IVR's offer on and every agent of the help queue on a break, a caller who
described their matter hears "按1保留排队位置" and presses 1; the IVR hangs up after the goodbye and their
place is kept by a stand-in in the queue. A second caller declines the offer and waits behind it. Our
process is restarted while both wait. When the agent gets ready, the kept place comes first: the agent's
phone rings with the first caller's draft, then the first caller's phone; the second caller was not
served before them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ivrharness import make_speech, ms, render_prompts, wait_for
from test_agent_call import Desktop, Rig, citizen, open_rig, phone

from sandbox.ports import free_udp_range
from sandbox.sipp.citizen import AwaitHangup, Press, Speak, Step, Wait
from sandbox.sipp.phone import AgentPhone, CitizenLine, finished, invites_by_number
from sandbox.sipp.scenario import Answer

CALLER = "13900139005"
KEEPER, WAITER = "13900139006", "13900139007"
WORDS = "楼道里的灯坏了好几天了，晚上上下楼很不安全，麻烦派人来修一下。"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    outbound = {
        "outbound": True, "outbound_windows": "00:00-24:00", "outbound_workdays_only": False,
        "outbound_schedule_seconds": 1, "outbound_ring_seconds": 15, "outbound_max_attempts": 2,
        "outbound_retry_minutes": 0, "ivr_callback_offer_seconds": 60,
    }  # fmt: skip
    folder = tmp_path_factory.mktemp("callback-e2e")
    with open_rig(folder, "/etc/asterisk/hotline-callback-e2e", **outbound) as made:
        yield made


def bind_agent(rig: Rig) -> None:
    rig.api("admin", "POST", "/agents", {"username": "agent01", "extension": "1001",
            "skills": ["general", "help"], "wrapup_seconds": 5}, ok=201)  # fmt: skip


def agent_then_citizen(
    rig: Rig, agent_phone: AgentPhone, job_of: Callable[[Rig], dict[str, Any] | None], what: str
) -> tuple[dict[str, Any], Path]:
    """The agent's phone and the citizen's line both answer; the agent gets ready; the job is done and both
    SIPps ended well. Returns the job and the citizen line's folder (its INVITEs)."""
    phone_folder = Path(tempfile.mkdtemp(prefix="callback-agent-"))
    agent_answers = agent_phone.answer(phone_folder, Answer(ring_ms=800, talk_ms=None), calls=1, timeout_s=90)
    line_folder = Path(tempfile.mkdtemp(prefix="callback-citizen-"))
    line = CitizenLine(port=rig.box.ports.trunk, media_port=free_udp_range(4))
    citizen_answers = line.answer(line_folder, Answer(ring_ms=800, talk_ms=3000), calls=1, timeout_s=90)
    try:
        rig.api("agent01", "POST", "/agents/me/ready")
        done = wait_for(lambda: (j := job_of(rig)) is not None and j["state"] == "done" and j, 90, what)
        agent_result = finished(agent_answers, phone_folder, 30)
        citizen_result = finished(citizen_answers, line_folder, 30)
    finally:
        for process in (agent_answers, citizen_answers):
            if process.poll() is None:
                process.kill()
    assert agent_result.ok, agent_result.stderr
    assert citizen_result.ok, citizen_result.stderr
    return done, line_folder


def missed_job(rig: Rig) -> dict[str, Any] | None:
    jobs = rig.api("agent01", "GET", "/outbound/jobs?kind=missed_call")
    return next((j for j in jobs if j["phone"] == f"+86{CALLER}"), None)


def test_a_caller_who_gave_up_is_called_back_agent_first(rig: Rig) -> None:
    rig.start(with_ivr=False)
    try:
        bind_agent(rig)
        desktop = Desktop(rig.base, rig.token("agent01"))
        assert rig.api("agent01", "POST", "/agents/me/login")["status"] == "ready"
        rig.api("agent01", "POST", "/agents/me/pause", {"reason": "小休"})
        agent_phone = phone(rig.box)

        thread, results = citizen(rig.box, CALLER, [Wait(4000)])  # waits 4 s in the queue, gives up
        thread.join(30)
        assert results[0].ok, results[0].stderr
        abandoned = wait_for(lambda: (row := rig.call_row(CALLER)) and row[0].abandoned_at and row, 10,
                             "the abandoned call")  # fmt: skip
        job = wait_for(lambda: missed_job(rig), 20, "the missed-call job")
        assert job["state"] == "due"
        assert job["call_id"] == str(abandoned[0].id)
        assert job["dials"] == []  # nobody free in the queue: the citizen is not called yet

        done, line_folder = agent_then_citizen(rig, agent_phone, missed_job, "the callback to be made")
        assert [d["outcome"] for d in done["dials"]] == ["answered"]
        assert invites_by_number(line_folder) == {CALLER: 1}  # the citizen was called once
        offered = wait_for(lambda: desktop.of("pop.offered"), 10, "the pop of the callback")
        draft = abandoned[1]
        assert draft is not None
        assert offered[0]["draft"]["id"] == str(draft.id)  # the agent sees what the caller had said
        rig.api("agent01", "POST", "/agents/me/logout")
        desktop.close()
    finally:
        rig.stop()


def queue_job(rig: Rig) -> dict[str, Any] | None:
    jobs = rig.api("agent01", "GET", "/outbound/jobs?kind=queue_callback")
    return next((j for j in jobs if j["phone"] == f"+86{KEEPER}"), None)


def test_a_caller_who_kept_their_place_is_called_back_before_those_behind_them(rig: Rig) -> None:
    rig.start(with_ivr=True)
    try:
        bind_agent(rig)
        assert rig.api("agent01", "POST", "/agents/me/login")["status"] == "ready"
        rig.api("agent01", "POST", "/agents/me/pause", {"reason": "会议"})  # nobody at work: a long wait
        agent_phone = phone(rig.box)
        p = render_prompts(rig.box)
        speech = make_speech(rig.folder, WORDS)
        described: list[Step] = [
            Wait(1500), Press("2", 700), Wait(ms(p["describe"]) + 800),
            Speak(speech.alaw, ms(speech.seconds) + 300), Press("#", 700),
            Wait(ms(p["callback_offer"]) // 2),  # a key mid-offer: seconds of margin either way
        ]  # fmt: skip
        keeper = [*described, Press("1", 700), AwaitHangup(ms(p["callback_booked"]) + 10_000)]
        thread, results = citizen(rig.box, KEEPER, keeper)
        thread.join(90)
        assert results, "the keeper's SIPp did not finish"
        assert results[0].ok, results[0].stderr  # the hotline hung up after the goodbye
        kept = wait_for(
            lambda: (row := rig.call_row(KEEPER)) and row[0].end_reason and row, 10, "the kept call"
        )
        assert kept[0].end_reason == "callback_requested"
        assert "callback:accepted" in kept[0].menu_path
        assert kept[0].queued_at is None  # the caller never waited in the queue themselves
        job = wait_for(lambda: (j := queue_job(rig)) and j["dials"] and j, 20, "the kept place in the queue")
        assert job["state"] == "dialing"
        assert job["call_id"] == str(kept[0].id)

        waiter_steps = [*described, Press("2", 700), Wait(ms(p["thanks_transferring"]) + 45_000)]
        waiter_thread, waiter_results = citizen(rig.box, WAITER, waiter_steps)
        wait_for(lambda: (row := rig.call_row(WAITER)) and row[0].queued_at, 60, "the second caller queued")
        rig.stop()  # our process restarts while both wait; Asterisk keeps the stand-in in line
        rig.start(with_ivr=True)
        desktop = Desktop(rig.base, rig.token("agent01"))

        done, line_folder = agent_then_citizen(
            rig, agent_phone, queue_job, "the kept place to be called back"
        )
        assert [d["outcome"] for d in done["dials"]] == ["answered"]  # one attempt, across the restart
        assert invites_by_number(line_folder) == {KEEPER: 1}
        offered = wait_for(lambda: desktop.of("pop.offered"), 10, "the pop of the kept place")
        assert offered[0]["draft"]["id"] == str(kept[0].draft_id)  # the agent sees what the caller said
        waiter = rig.call_row(WAITER)
        assert waiter is not None
        assert "callback:declined" in waiter[0].menu_path
        assert waiter[0].answered_at is None  # the one behind was not served first
        rig.api("agent01", "POST", "/agents/me/pause", {"reason": "小休"})
        waiter_thread.join(90)
        assert waiter_results, "the second caller's SIPp did not finish"
        assert waiter_results[0].ok, waiter_results[0].stderr
        rig.api("agent01", "POST", "/agents/me/logout")
        desktop.close()
    finally:
        rig.stop()
