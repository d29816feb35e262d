"""The pure parts of the agent bridge on events recorded from Asterisk 22 (tests/fixtures/ami): the screen
pop state machine, the call facts, presence reconciliation and the wallboard."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from agent_bridge.ami.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    Hangup,
    Member,
    QueueCallerAbandon,
    QueueCallerJoin,
    parse_event,
)
from agent_bridge.ami.messages import parse_transcript
from agent_bridge.presence import Wanted, reconcile, wanted
from agent_bridge.queue_calls import Abandoned, Answered, Completed, Joined, Missed, Rang, call_fact
from agent_bridge.screen_pop import FetchContent, FollowTranscript, ForgetCall, PopPhase, Push, ScreenPops
from agent_bridge.wallboard import SHANGHAI, QueueFigures, Wallboard
from ticketing.agents.service import AgentView
from ticketing.agents.vocabulary import AgentStatus, PauseReason
from ticketing.calls.vocabulary import Skill

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
QUEUES = {Skill.GENERAL: "hotline-general", Skill.CONSULT: "hotline-consult"}


def events(name: str) -> list[AmiEvent]:
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    return [parse_event(m) for m in parse_transcript(text) if m.event is not None and m.action_id is None]


def queue_events(name: str) -> list[AmiEvent]:
    kinds = (
        QueueCallerJoin,
        AgentCalled,
        AgentConnect,
        AgentComplete,
        AgentRingNoAnswer,
        QueueCallerAbandon,
        Hangup,
    )
    return [e for e in events(name) if isinstance(e, kinds)]


def view(
    status: AgentStatus = AgentStatus.READY, reason: PauseReason | None = None, **kw: object
) -> AgentView:
    base = AgentView(
        user_id=uuid.UUID(int=1), username="wangfang", display_name="王芳", extension="1001",
        interface="PJSIP/agent1001", skills=(Skill.GENERAL, Skill.CONSULT), wrapup_seconds=30, status=status,
        pause_reason=reason, status_since=NOW,
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


# -- screen pop ----------------------------------------------------------------------------------------
def test_an_answered_call_is_pre_popped_confirmed_and_ended_for_its_phone_only() -> None:
    pops = ScreenPops()
    commands = [c for e in queue_events("answered.ami") for c in pops.handle(e)]
    fetch = [c for c in commands if isinstance(c, FetchContent)]
    assert len(fetch) == 1  # one content lookup per call, at the first ring
    pushes = [c for c in commands if isinstance(c, Push)]
    assert {p.interface for p in pushes} == {"PJSIP/agent1001"}
    assert [p.message["type"] for p in pushes] == ["pop.connected", "pop.ended"]  # content not there yet
    assert next(c for c in commands if isinstance(c, FollowTranscript)).interface == "PJSIP/agent1001"
    assert isinstance(commands[-1], ForgetCall)
    assert pops.calls == 0


def test_content_that_arrives_while_ringing_is_offered_then_confirmed() -> None:
    pops = ScreenPops()
    join, called, connect, complete = [e for e in queue_events("answered.ami") if not isinstance(e, Hangup)]
    [fetch] = pops.handle(called)
    assert isinstance(fetch, FetchContent)
    [offer] = pops.content_ready(fetch.key, {"draft": {"id": "d-1"}})
    assert isinstance(offer, Push)
    assert (offer.message["type"], offer.message["draft"], offer.message["queue"]) == (
        "pop.offered",
        {"id": "d-1"},
        "hotline-general",
    )
    assert pops.content_ready(fetch.key, {"draft": {}}) == []  # once
    connected = pops.handle(connect)
    assert connected[0] == Push(
        "PJSIP/agent1001",
        {"type": "pop.connected", "call_key": fetch.key, "asterisk_at": connect.at, "hold_s": 1.0},
    )
    assert pops.phase(fetch.key, "PJSIP/agent1001") is PopPhase.CONNECTED
    del join, complete


def test_a_ring_no_answer_withdraws_and_the_abandon_forgets_the_call() -> None:
    pops = ScreenPops()
    commands = [c for e in queue_events("ring_no_answer.ami") for c in pops.handle(e)]
    messages = [c.message for c in commands if isinstance(c, Push)]
    assert [m["type"] for m in messages] == ["pop.withdrawn"]
    assert messages[0]["reason"] == "ring_no_answer"
    assert pops.calls == 0


def test_when_one_phone_answers_the_others_ringing_are_withdrawn() -> None:
    pops = ScreenPops()
    called = next(e for e in queue_events("answered.ami") if isinstance(e, AgentCalled))
    connect = next(e for e in queue_events("answered.ami") if isinstance(e, AgentConnect))
    pops.handle(called)
    pops.handle(replace(called, interface="PJSIP/agent1002"))
    commands = pops.handle(connect)
    withdrawn = [c for c in commands if isinstance(c, Push) and c.message["type"] == "pop.withdrawn"]
    assert [(c.interface, c.message["reason"]) for c in withdrawn] == [
        ("PJSIP/agent1002", "answered_elsewhere")
    ]


def test_the_same_ring_twice_pops_once() -> None:
    pops = ScreenPops()
    called = next(e for e in queue_events("answered.ami") if isinstance(e, AgentCalled))
    [fetch] = pops.handle(called)
    pops.content_ready(fetch.key, {})
    assert pops.handle(called) == []


# -- call facts ----------------------------------------------------------------------------------------
def test_queue_events_become_facts_with_asterisks_times() -> None:
    facts = [f for e in queue_events("answered.ami") if (f := call_fact(e, NOW)) is not None]
    assert [type(f) for f in facts] == [Joined, Rang, Answered, Completed]
    joined, rang, answered, completed = facts
    assert isinstance(joined, Joined)
    assert (joined.queue, joined.position, joined.ref.skill, joined.ref.call_id) == (
        "hotline-general",
        1,
        Skill.GENERAL,
        None,
    )
    assert joined.at.year == 2026
    assert joined.at != NOW
    assert isinstance(answered, Answered)
    assert answered.interface == "PJSIP/agent1001"
    assert isinstance(completed, Completed)
    assert (completed.hangup_by, completed.talk_s) == ("agent", 3.0)
    missed = [f for e in queue_events("ring_no_answer.ami") if (f := call_fact(e, NOW)) is not None]
    assert [type(f) for f in missed] == [Joined, Rang, Missed, Abandoned]
    del rang


# -- presence ----------------------------------------------------------------------------------------
def member(queue: str, paused: bool = False, reason: str = "", interface: str = "PJSIP/agent1001") -> Member:
    return Member(queue, interface, "王芳", interface, 1, paused, reason, False, 0, 0.0, 0.0, 0.0)


def test_a_logged_in_agent_joins_every_skill_queue_with_its_name() -> None:
    want = wanted(view(), QUEUES)
    assert want == Wanted("PJSIP/agent1001", "王芳", frozenset(QUEUES.values()), False, None)
    out = reconcile([want], [], {"PJSIP/agent1001"})
    assert [(a.name, a.header("Queue"), a.header("MemberName")) for a in out] == [
        ("QueueAdd", "hotline-consult", "王芳"),
        ("QueueAdd", "hotline-general", "王芳"),
    ]


def test_pause_reasons_and_wrap_up_are_enforced_and_agreement_needs_nothing() -> None:
    want = wanted(view(AgentStatus.PAUSED, PauseReason.BREAK), QUEUES)
    assert want is not None
    same = [member("hotline-consult", True, "小休"), member("hotline-general", True, "小休")]
    assert reconcile([want], same, {"PJSIP/agent1001"}) == []
    wrong = [member("hotline-consult", False), member("hotline-general", True, "培训")]
    out = reconcile([want], wrong, {"PJSIP/agent1001"})
    assert [(a.name, a.header("Paused"), a.header("Reason")) for a in out] == [
        ("QueuePause", "true", "小休")
    ] * 2
    wrap = wanted(view(AgentStatus.WRAP_UP, PauseReason.WRAP_UP), QUEUES)
    assert wrap is not None
    assert (wrap.paused, wrap.reason) == (True, "后处理")


def test_logged_out_agents_leave_and_other_phones_are_not_touched() -> None:
    assert wanted(view(AgentStatus.LOGGED_OUT), QUEUES) is None
    present = [member("hotline-general"), member("hotline-general", interface="PJSIP/someone-else")]
    out = reconcile([], present, {"PJSIP/agent1001"})
    assert [(a.name, a.header("Interface")) for a in out] == [("QueueRemove", "PJSIP/agent1001")]


# -- wallboard -----------------------------------------------------------------------------------------
def test_the_wallboard_counts_the_day_and_shows_agents() -> None:
    board = Wallboard(sorted(QUEUES.values()))
    board.set_agents([view()])
    recorded = events("answered.ami")
    day = datetime.fromtimestamp(recorded[-1].at, SHANGHAI).date()  # the recording's Shanghai day
    board.seed_today(day, {"hotline-general": QueueFigures(offered=3, answered=2, answered_in_time=2)}, [])
    for event in recorded:
        board.handle(event)
    snapshot = board.snapshot(NOW.timestamp())
    general = next(q for q in snapshot["queues"] if q["queue"] == "hotline-general")
    assert (general["offered"], general["answered"], general["waiting"]) == (4, 3, 0)
    assert general["service_level"] == 0.75
    assert snapshot["agents"][0]["state"] == "logged_out"  # QueueMemberRemoved at the end of the transcript
    board.handle(events("ring_no_answer.ami")[0])
    for event in events("ring_no_answer.ami"):
        board.handle(event)
    assert board.snapshot(NOW.timestamp())["total"]["abandoned"] == 1


def test_a_paused_agent_in_the_queues_shows_the_reason() -> None:
    board = Wallboard(sorted(QUEUES.values()))
    agent = view(AgentStatus.PAUSED, PauseReason.MEETING)
    board.set_agents([agent])
    board.reset_live([member("hotline-general", True, "会议")], {})
    [row] = board.snapshot(NOW.timestamp())["agents"]
    assert (row["state"], row["reason"]) == ("paused", "会议")
