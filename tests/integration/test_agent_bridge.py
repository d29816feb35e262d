"""The agent bridge against a real Asterisk 22 sandbox of its own (free ports) and a real SQLite database:
agents in the queues, the bridge restarted and Asterisk restarted (states reconciled), and real SIPp calls
(no IVR runs, so the dialplan fallback queues them) answered, missed and abandoned by a SIPp agent phone
registered as agent1001 — the call rows, the draft made for the fallback call, the screen pop to that
agent only, 后处理 and its end.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_bridge.ami import actions
from agent_bridge.ami.connection import AmiConnection, AmiTarget
from agent_bridge.ami.events import AmiEvent, Member, OtherEvent
from agent_bridge.bridge import QUEUE_OF, AgentBridge
from agent_bridge.hub import Hub
from ivr.ari.backoff import BackoffPolicy
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.citizen import CallResult, CitizenCall
from sandbox.sipp.phone import AgentPhone, finished
from sandbox.sipp.scenario import Answer, Wait
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.agents.service import AgentService, AgentView
from ticketing.agents.vocabulary import AgentStatus, PauseReason
from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.vocabulary import Skill
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.tickets.lifecycle import Role

PHONE = "PJSIP/agent1001"
QUICK = BackoffPolicy(initial=0.2, maximum=1.0, jitter=0.1)
T = TypeVar("T")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(config_dir="/etc/asterisk/hotline-bridge-test", ports=free_ports())
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        yield box
    finally:
        box.down()


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path}/bridge.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        UserService(session).create(
            UserCreate(username="wangfang", role=Role.AGENT, display_name="王芳", password="pw-12345678"),
            Actor.system(),
        )
        AgentService(session).bind(
            "wangfang", "1001", [Skill.GENERAL, Skill.CONSULT], Actor.system(), wrapup_seconds=2
        )
    yield factory
    engine.dispose()


def agent(sessions: sessionmaker[Session]) -> AgentView:
    with sessions() as session:
        return AgentService(session).by_username("wangfang")


def make_bridge(box: Sandbox, sessions: sessionmaker[Session]) -> AgentBridge:
    user, secret = box.ami_credentials
    ami = AmiConnection(AmiTarget("127.0.0.1", box.ports.ami, user, secret, "test"), policy=QUICK)
    return AgentBridge(ami, sessions, Hub())


async def members(bridge: AgentBridge) -> list[Member]:
    status = await bridge.ami.send(actions.queue_status())
    return [
        m for m in (Member.of(e) for e in status.events if e.event == "QueueMember") if m.interface == PHONE
    ]


async def until(check: Callable[[], Awaitable[T] | T], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


async def running(bridge: AgentBridge) -> asyncio.Task[None]:
    task = asyncio.create_task(bridge.run())
    await asyncio.wait_for(bridge.synced.wait(), 15)
    return task


async def stopped(bridge: AgentBridge, task: asyncio.Task[None]) -> None:
    await bridge.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def run(body: Callable[[], Awaitable[Any]], seconds: float = 120) -> Any:
    return asyncio.run(asyncio.wait_for(body(), seconds))


# -- agents in the queues -----------------------------------------------------------------------------
def test_login_pause_and_logout_show_in_asterisks_queues(
    sandbox: Sandbox, sessions: sessionmaker[Session]
) -> None:
    async def body() -> None:
        bridge = make_bridge(sandbox, sessions)
        task = await running(bridge)
        try:
            me = agent(sessions).user_id
            view = await bridge.login(me)
            assert view.status is AgentStatus.READY
            found = await members(bridge)
            assert {m.queue for m in found} == {QUEUE_OF[Skill.GENERAL], QUEUE_OF[Skill.CONSULT]}
            assert {m.name for m in found} == {"王芳"}
            assert not any(m.paused for m in found)
            await bridge.pause(me, PauseReason.TRAINING)
            found = await members(bridge)
            assert {(m.paused, m.paused_reason) for m in found} == {(True, "培训")}
            await bridge.ready(me)
            assert not any(m.paused for m in await members(bridge))
            await bridge.logout(me)
            assert await members(bridge) == []
            assert agent(sessions).status is AgentStatus.LOGGED_OUT
        finally:
            await stopped(bridge, task)

    run(body)


def test_a_restarted_bridge_and_a_restarted_asterisk_are_reconciled(
    sandbox: Sandbox, sessions: sessionmaker[Session]
) -> None:
    async def body() -> None:
        bridge = make_bridge(sandbox, sessions)
        task = await running(bridge)
        me = agent(sessions).user_id
        try:
            await bridge.pause(me, PauseReason.MEETING)
        finally:
            await stopped(bridge, task)
        # while our process is away, somebody removes the phone from one queue and unpauses it in the other
        other = make_bridge(sandbox, sessions)
        runner = asyncio.create_task(other.ami.run())
        await asyncio.wait_for(other.ami.connected.wait(), 10)
        await other.ami.send(actions.queue_remove(QUEUE_OF[Skill.CONSULT], PHONE))
        await other.ami.send(actions.queue_pause(PHONE, False))
        await other.ami.stop()
        runner.cancel()

        bridge = make_bridge(sandbox, sessions)
        task = await running(bridge)  # the resync puts back what the database says
        try:
            found = await members(bridge)
            assert {m.queue for m in found} == {QUEUE_OF[Skill.GENERAL], QUEUE_OF[Skill.CONSULT]}
            assert {(m.paused, m.paused_reason) for m in found} == {(True, "会议")}
            await asyncio.to_thread(sandbox.down)
            await asyncio.to_thread(sandbox.up)
            back = time.monotonic()
            await until(lambda: bridge.resyncs >= 2, 20, "the bridge to reconnect and resync")
            print(f"\nbridge resynced {time.monotonic() - back:.1f} s after Asterisk was back")
            found = await members(bridge)
            assert {m.queue for m in found} == {QUEUE_OF[Skill.GENERAL], QUEUE_OF[Skill.CONSULT]}
            assert {(m.paused, m.paused_reason) for m in found} == {(True, "会议")}
            await bridge.logout(me)
        finally:
            await stopped(bridge, task)

    run(body, 180)


# -- calls -------------------------------------------------------------------------------------------
class Phone:
    """SIPp registered as agent1001, answering as told in the background."""

    def __init__(self, box: Sandbox) -> None:
        self.phone = AgentPhone(
            "agent1001", box.agent_password("1001"), port=free_port(), media_port=free_udp_range(4),
            server_port=box.ports.sip,
        )  # fmt: skip
        self.folder = Path(tempfile.mkdtemp(prefix="phone-"))

    def register(self) -> None:
        result = self.phone.register()
        assert result.ok, result.stderr

    def answering(self, answer: Answer) -> Any:
        return self.phone.answer(self.folder, answer, calls=1, timeout_s=60)


def citizen(box: Sandbox, number: str, wait_ms: int) -> tuple[threading.Thread, list[CallResult]]:
    call = CitizenCall(number, [Wait(wait_ms)], port=box.ports.sip, local_port=free_port(),
                       media_port=free_udp_range(4), timeout_s=60)  # fmt: skip
    results: list[CallResult] = []
    thread = threading.Thread(target=lambda: results.append(call.run()), daemon=True)
    thread.start()
    return thread, results


def call_of(sessions: sessionmaker[Session], number: str) -> tuple[Call, TicketDraft | None] | None:
    with sessions() as session:
        call = session.scalars(select(Call).where(Call.caller_number == number)).first()
        if call is None:
            return None
        return call, session.get(TicketDraft, call.draft_id) if call.draft_id else None


def test_an_answered_fallback_call_pops_to_its_agent_and_is_recorded(
    sandbox: Sandbox, sessions: sessionmaker[Session]
) -> None:
    phone = Phone(sandbox)
    phone.register()
    number = "13912345001"

    async def body() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        bridge = make_bridge(sandbox, sessions)
        task = await running(bridge)
        try:
            me = agent(sessions).user_id
            mine = bridge.hub.open_agent(me)
            someone_else = bridge.hub.open_agent(me.__class__(int=7))
            await bridge.login(me)
            answering = phone.answering(Answer(ring_ms=800, talk_ms=2500))
            thread, results = citizen(sandbox, number, 12_000)
            got: list[dict[str, Any]] = []

            async def collect() -> None:
                async for message in mine:
                    got.append(message)

            collector = asyncio.create_task(collect())
            await until(lambda: any(m["type"] == "pop.ended" for m in got), 40, "the pop to end")
            await until(lambda: agent(sessions).status is AgentStatus.READY, 15, "后处理 to end by itself")
            assert (await asyncio.to_thread(finished, answering, phone.folder, 30)).ok
            await asyncio.to_thread(thread.join, 30)
            assert results
            assert results[0].ok, results[0].stderr
            collector.cancel()
            others = someone_else.pending()  # nothing went to another agent
            await bridge.logout(me)
            return got, others
        finally:
            await stopped(bridge, task)

    got, others = run(body)
    kinds = [m["type"] for m in got]
    assert kinds.index("pop.connected") < kinds.index("pop.ended")
    offered = next(m for m in got if m["type"] == "pop.offered")
    assert offered["caller_number"] == number
    assert offered["queue"] == QUEUE_OF[Skill.GENERAL]
    row = call_of(sessions, number)
    assert row is not None
    call, draft = row
    assert offered["call"]["id"] == str(call.id)
    assert draft is not None
    assert offered["draft"]["id"] == str(draft.id)  # the fallback call got its draft from QueueCallerJoin
    assert call.origin == "fallback"
    assert call.queue == QUEUE_OF[Skill.GENERAL]
    assert call.skill == Skill.GENERAL.value
    assert call.answered_at is not None
    assert call.agent_interface == PHONE
    assert call.agent_user_id == agent(sessions).user_id
    assert call.hold_seconds is not None
    assert call.talk_seconds is not None
    assert call.talk_seconds >= 2
    assert call.hangup_by == "agent"
    assert call.completed_at is not None
    assert [m["type"] for m in others if m["type"].startswith("pop")] == []
    with sessions() as session:
        history = AgentService(session).history(agent(sessions).user_id)
    assert [h.status for h in history][:3] == ["logged_out", "ready", "wrap_up"]
    assert history[2].call_id == call.id


def test_a_missed_then_abandoned_call_withdraws_the_pop_and_is_kept_as_abandoned(
    sandbox: Sandbox, sessions: sessionmaker[Session]
) -> None:
    phone = Phone(sandbox)
    phone.register()
    number = "13912345002"

    async def body() -> list[dict[str, Any]]:
        bridge = make_bridge(sandbox, sessions)
        task = await running(bridge)
        try:
            me = agent(sessions).user_id
            mine = bridge.hub.open_agent(me)
            await bridge.login(me)
            ringing = phone.answering(Answer(ring_ms=None))  # rings until cancelled
            thread, results = citizen(sandbox, number, 18_000)  # longer than the 15 s member timeout
            await asyncio.to_thread(thread.join, 40)
            assert results
            assert results[0].ok, results[0].stderr
            await asyncio.to_thread(finished, ringing, phone.folder, 10)
            await until(lambda: abandoned(sessions, number), 10, "the abandon")
            await bridge.logout(me)
            return mine.pending()
        finally:
            await stopped(bridge, task)

    got = run(body)
    pops = [m for m in got if m["type"].startswith("pop")]
    assert pops[0]["type"] in ("pop.offered",)
    assert {"type": "pop.withdrawn", "call_key": pops[0]["call_key"], "reason": "ring_no_answer"} in pops
    row = call_of(sessions, number)
    assert row is not None
    call, _draft = row
    assert call.ring_no_answers >= 1
    assert call.answered_at is None
    assert call.abandoned_at is not None
    assert call.hangup_by == "caller"
    assert call.hold_seconds is not None
    assert call.hold_seconds >= 15


def abandoned(sessions: sessionmaker[Session], number: str) -> bool:
    row = call_of(sessions, number)
    return row is not None and row[0].abandoned_at is not None


def test_a_warm_transfer_hands_the_caller_and_the_draft_to_the_expert(
    sandbox: Sandbox, sessions: sessionmaker[Session]
) -> None:
    agent_phone = Phone(sandbox)
    agent_phone.register()
    expert = AgentPhone("agent1002", sandbox.agent_password("1002"), port=free_port(),
                        media_port=free_udp_range(4), server_port=sandbox.ports.sip)  # fmt: skip
    assert expert.register().ok
    expert_folder = Path(tempfile.mkdtemp(prefix="expert-"))
    number = "13912345003"

    async def body() -> list[AmiEvent]:
        bridge = make_bridge(sandbox, sessions)
        heard: list[AmiEvent] = []
        bridge.ami.add_listener(heard.append)
        task = await running(bridge)
        try:
            me = agent(sessions).user_id
            await bridge.login(me)
            talking = agent_phone.answering(Answer(ring_ms=500, talk_ms=6000))  # hangs up: hands over
            listening = expert.answer(expert_folder, Answer(ring_ms=500, talk_ms=None), calls=1, timeout_s=60)
            thread, results = citizen(sandbox, number, 14_000)
            await until(lambda: bridge.agent_channel(PHONE), 20, "the agent to be talking")
            await until(lambda: call_of(sessions, number), 5, "the call row")
            await bridge.transfer(PHONE, "1002")
            await asyncio.to_thread(thread.join, 40)
            assert results
            assert results[0].ok, results[0].stderr
            assert (await asyncio.to_thread(finished, talking, agent_phone.folder, 20)).ok
            assert (await asyncio.to_thread(finished, listening, expert_folder, 20)).ok
            await until(
                lambda: (row := call_of(sessions, number)) is not None and row[0].completed_at, 10, ""
            )
            await bridge.logout(me)
            return heard
        finally:
            await stopped(bridge, task)

    heard = run(body)
    names = [getattr(e, "name", type(e).__name__) for e in heard]
    assert "AttendedTransfer" in names
    row = call_of(sessions, number)
    assert row is not None
    call, draft = row
    assert draft is not None
    assert call.hangup_by == "transfer"
    # the expert's leg carries the call's draft (the bridge labelled the fallback call's channel)
    legs = [
        e.message.variables()
        for e in heard
        if isinstance(e, OtherEvent) and e.message.get("Channel").startswith("PJSIP/agent1002")
    ]
    assert any(v.get("HOTLINE_DRAFT_ID") == str(draft.id) for v in legs), legs[-3:]
