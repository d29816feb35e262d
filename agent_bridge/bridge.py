"""The agent bridge of one Asterisk: the thin asyncio shell around the pure parts.

- **Events in order.** The AMI connection's listener puts every event on one queue; one task takes
  them in order and feeds the pure models — the screen pops (:mod:`~agent_bridge.screen_pop`), the call
  facts (:mod:`~agent_bridge.queue_calls`), the wallboard (:mod:`~agent_bridge.wallboard`) — and carries
  out what they say. Pushing a pop is in-memory (the path from ``AgentConnect`` to the desktop never
  waits for the database); database work goes to one worker that runs jobs in order, in a thread.
- **Resync after every (re)connect**: QueueStatus (members and waiting callers) for the wallboard, the
  agents' presence from the database reconciled into the queues (:func:`~agent_bridge.presence.reconcile`),
  today's figures from the stored calls.
- **Agents' presence**: log in/out, pause with a reason, ready — the database says what an agent should
  be, the queues are made to agree at once; after ``AgentComplete`` the agent is in 后处理 (paused,
  reason 后处理) until ready or until its wrap-up time has passed (checked every second from the stored
  state, so no timer is lost to a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_bridge.ami import actions
from agent_bridge.ami.connection import AmiConnection, Connected, Disconnected
from agent_bridge.ami.errors import AmiError
from agent_bridge.ami.events import AgentComplete, AgentConnect, AmiEvent, Member
from agent_bridge.ami.messages import AmiMessage
from agent_bridge.errors import TelephonyUnavailable
from agent_bridge.hub import Hub
from agent_bridge.presence import reconcile, wanted
from agent_bridge.queue_calls import (
    Abandoned,
    Answered,
    CallFact,
    CallRef,
    Completed,
    Joined,
    Missed,
    Rang,
    Unserved,
    call_fact,
)
from agent_bridge.screen_pop import FetchContent, FollowTranscript, ForgetCall, PopCommand, Push, ScreenPops
from agent_bridge.wallboard import QueueFigures, Waiting, Wallboard
from ivr.translate import queue_name
from ticketing.accounts.actor import Actor
from ticketing.agents.service import AgentService, AgentView
from ticketing.agents.vocabulary import AgentStatus, PauseReason, StateSource
from ticketing.calls.models import Call
from ticketing.calls.screen import CallScreenService
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import Skill
from ticketing.errors import InvalidInput
from ticketing.tickets.lifecycle import Role

log = logging.getLogger(__name__)
T = TypeVar("T")

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUEUE_OF: dict[Skill, str] = {skill: queue_name(skill) for skill in Skill}
TICK_S = 1.0
TRANSFER_CONTEXT = "agents"  # where transfer targets are dialled (sip_configs/extensions.conf.tmpl)
BOARD_PUSH_S = 1.0  # at most one wallboard push per second

TranscriptSource = Callable[[uuid.UUID], Any]
"""``bus.subscribe(call_id)`` of the live transcripts (async iterable of LivePartial/Final/Ended)."""
LiveStarter = Callable[[uuid.UUID, str], None]
"""Start a live transcript of a call (call id, caller channel) that has none (the dialplan fallback)."""


class AgentBridge:
    """Agents, queued calls, screen pops and the wallboard on one Asterisk."""

    def __init__(
        self,
        ami: AmiConnection,
        sessions: sessionmaker[Session],
        hub: Hub,
        *,
        transcripts: TranscriptSource | None = None,
        start_live: LiveStarter | None = None,
        service_level_s: float = 20.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ami = ami
        self._sessions = sessions
        self.hub = hub
        self._transcripts = transcripts
        self._start_live = start_live
        self._now = now
        self.pops = ScreenPops()
        self.board = Wallboard(sorted(QUEUE_OF.values()), service_level_s=service_level_s)
        self._events: asyncio.Queue[AmiEvent] = asyncio.Queue()
        self._jobs: asyncio.Queue[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = asyncio.Queue()
        self._agents: dict[str, AgentView] = {}  # by interface
        self._followers: dict[str, list[asyncio.Task[None]]] = {}
        self._agent_channels: dict[str, str] = {}  # interface → the agent's leg of its current call
        self._tasks: list[asyncio.Task[Any]] = []
        self._board_dirty = True
        self._last_board = 0.0
        self.synced = asyncio.Event()  # the first resync is done
        self.resyncs = 0
        self.pop_latencies: list[float] = []  # seconds from Asterisk's AgentConnect stamp to the push
        ami.add_listener(self._events.put_nowait)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled (or :meth:`stop`)."""
        self._tasks = [
            asyncio.create_task(self.ami.run(), name="ami"),
            asyncio.create_task(self._consume(), name="bridge-events"),
            asyncio.create_task(self._work(), name="bridge-db"),
            asyncio.create_task(self._tick(), name="bridge-tick"),
        ]
        try:
            await asyncio.gather(*self._tasks)
        finally:
            for task in self._tasks:
                task.cancel()

    async def stop(self) -> None:
        """Close the AMI session and stop every task."""
        await self.ami.stop()
        for followers in self._followers.values():
            for task in followers:
                task.cancel()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- agents' presence (REST, CLI) -------------------------------------------------------------------

    async def login(self, user_id: uuid.UUID, source: StateSource = StateSource.AGENT) -> AgentView:
        """Log the agent into its skill queues, ready (Asterisk must be reachable)."""
        return await self.change(user_id, AgentStatus.READY, None, source)

    async def logout(self, user_id: uuid.UUID, source: StateSource = StateSource.AGENT) -> AgentView:
        """Take the agent out of every queue."""
        return await self.change(user_id, AgentStatus.LOGGED_OUT, None, source)

    async def pause(
        self, user_id: uuid.UUID, reason: PauseReason, source: StateSource = StateSource.AGENT
    ) -> AgentView:
        """Stop taking calls for ``reason`` (小休, 培训, 会议)."""
        return await self.change(user_id, AgentStatus.PAUSED, reason, source)

    async def ready(self, user_id: uuid.UUID, source: StateSource = StateSource.AGENT) -> AgentView:
        """Take calls again (also ends 后处理)."""
        return await self.change(user_id, AgentStatus.READY, None, source)

    async def change(
        self,
        user_id: uuid.UUID,
        status: AgentStatus,
        reason: PauseReason | None,
        source: StateSource,
        call_id: uuid.UUID | None = None,
    ) -> AgentView:
        """Record the new presence, then make the queues agree (the database stays the truth: what could
        not be applied is applied by the next resync)."""
        if not self.ami.connected.is_set():
            raise TelephonyUnavailable("the telephony server is not reachable right now; try again shortly")
        view = await self._db(
            lambda s: AgentService(s, now=self._now).set_status(
                user_id, status, reason=reason, source=source, call_id=call_id
            )
        )
        self._agent_changed(view)
        try:
            await self._apply(view)
        except AmiError as exc:
            log.warning("agent %s: queues not updated (%s); the next resync will", view.username, exc)
            raise TelephonyUnavailable(f"Asterisk did not take the change: {exc}") from exc
        return view

    async def transfer(self, interface: str, target: str, context: str = TRANSFER_CONTEXT) -> str:
        """Attended (warm) transfer of the call the agent at ``interface`` is talking in, to ``target``
        in ``context``: the agent talks to the target first; hanging up hands the caller over, the
        three-way key makes it a 三方通话. The call's ids travel along (inherited channel variables).
        Returns the agent's channel; :class:`TelephonyUnavailable` when there is no call or Asterisk
        refuses."""
        channel = self.agent_channel(interface)
        if channel is None:
            raise InvalidInput("you are not on a call", field="target")
        try:
            await self.ami.send(actions.atxfer(channel, target, context))
        except AmiError as exc:
            raise TelephonyUnavailable(f"the transfer did not start: {exc}") from exc
        return channel

    def agent_channel(self, interface: str) -> str | None:
        """The channel of the agent's leg of the call it is talking in (``None``: not on a call)."""
        return self._agent_channels.get(interface)

    def agent(self, interface: str) -> AgentView | None:
        """The agent at a phone (as last seen)."""
        return self._agents.get(interface)

    async def _apply(self, view: AgentView) -> None:
        await sync_agent(self.ami, view)

    def _agent_changed(self, view: AgentView) -> None:
        self._agents[view.interface] = view
        self.board.agent_changed(view)
        self._board_dirty = True
        self.hub.to_agent(view.user_id, presence_message(view))

    # -- events ----------------------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self._events.get()
            try:
                if isinstance(event, Connected):
                    await self._resync_until_done()
                elif isinstance(event, Disconnected):
                    self.hub.to_boards({"type": "telephony", "connected": False, "reason": event.reason})
                else:
                    self._handle(event)
            except Exception:
                log.exception("bridge: handling %s failed", type(event).__name__)

    def _handle(self, event: AmiEvent) -> None:
        for command in self.pops.handle(event):
            self._pop(command)
        fact = call_fact(event, self._now())
        if fact is not None:
            self._record(fact)
        if self.board.handle(event):
            self._board_dirty = True
        if isinstance(event, AgentConnect):
            self._agent_channels[event.interface] = event.agent_leg.channel
        if isinstance(event, AgentComplete):
            self._agent_channels.pop(event.interface, None)
            view = self._agents.get(event.interface)
            if view is not None and view.status is AgentStatus.READY and view.wrapup_seconds > 0:
                self._later(self._wrap_up(view, CallRef.of(event.caller)))

    def _pop(self, command: PopCommand) -> None:
        match command:
            case Push(interface=interface, message=message):
                view = self._agents.get(interface)
                if view is None:
                    return
                if message.get("type") == "pop.connected" and message.get("asterisk_at"):
                    self.pop_latencies.append(time.time() - float(message["asterisk_at"]))
                    del self.pop_latencies[:-10_000]
                self.hub.to_agent(view.user_id, message)
            case FetchContent(key=key, ref=ref):
                self._later(self._fetch_content(key, ref))
            case FollowTranscript(key=key, ref=ref, interface=interface):
                self._later(self._follow(key, ref, interface))
            case ForgetCall(key=key):
                for task in self._followers.pop(key, []):
                    task.cancel()

    async def _fetch_content(self, key: str, ref: CallRef) -> None:
        def work(session: Session) -> dict[str, Any]:
            call = _find(session, ref)
            if call is None:
                return {"call": None, "draft": None, "history": [], "knowledge": []}
            return CallScreenService(session, now=self._now).for_call(call, _DESK)

        try:
            content = await self._db(work)
        except Exception as exc:
            log.exception("screen pop of %s: content failed", key)
            content = {"error": f"{type(exc).__name__}: {exc}"}
        for command in self.pops.content_ready(key, content):
            self._pop(command)

    async def _follow(self, key: str, ref: CallRef, interface: str) -> None:
        view = self._agents.get(interface)
        if view is None:
            return
        call = await self._db(lambda s: _resolved(s, ref))
        if call is None:
            return
        call_id, origin, channel = call
        if origin == "fallback" and self._start_live is not None:
            with contextlib.suppress(Exception):
                self._start_live(call_id, channel)
        if self._transcripts is None:
            return
        task = asyncio.create_task(self._forward(call_id, key, view.user_id), name=f"transcript-{key}")
        self._followers.setdefault(key, []).append(task)

    async def _forward(self, call_id: uuid.UUID, key: str, user_id: uuid.UUID) -> None:
        assert self._transcripts is not None
        subscription = self._transcripts(call_id)
        async with subscription:
            async for event in subscription:
                kind = type(event).__name__.removeprefix("Live").lower()
                message = {"type": f"transcript.{kind}", "call_key": key, "text": event.text,
                           "audio_s": round(event.audio_s, 2)}  # fmt: skip
                self.hub.to_agent(user_id, message)

    def _record(self, fact: CallFact) -> None:
        agents = self._agents

        def work(session: Session) -> None:
            calls = CallService(session, now=self._now)
            ref = fact.ref
            if isinstance(fact, Joined):
                joined = calls.queue_joined(
                    call_id=ref.call_id, uniqueid=ref.uniqueid, linkedid=ref.linkedid,
                    caller_number=ref.caller_number or None, queue=fact.queue, skill=ref.skill,
                    position=fact.position, at=fact.at,
                )  # fmt: skip
                if ref.call_id is None and ref.channel:
                    labels.append((ref.channel, joined.id, joined.draft_id))
                return
            call = calls.find_queued(call_id=ref.call_id, uniqueid=ref.uniqueid, linkedid=ref.linkedid)
            if call is None:
                log.warning("queue event for a call we have no row of (%s): %s", ref.key, type(fact).__name__)
                return
            match fact:
                case Rang(interface=interface, at=at):
                    agent = agents.get(interface)
                    calls.agent_rang(
                        call.id, interface=interface, agent_user_id=agent.user_id if agent else None, at=at
                    )
                case Missed():
                    calls.agent_missed(call.id)
                case Answered(interface=interface, at=at, hold_s=hold_s, unlabelled_leg=leg):
                    if leg:  # a fallback call: the agent's leg was created before the ids were set
                        labels.append((leg, call.id, call.draft_id))
                    agent = agents.get(interface)
                    calls.agent_answered(
                        call.id,
                        interface=interface,
                        agent_user_id=agent.user_id if agent else None,
                        at=at,
                        hold_seconds=hold_s,
                    )
                case Completed(at=at, talk_s=talk_s, hangup_by=hangup_by):
                    calls.completed(call.id, at=at, talk_seconds=talk_s, hangup_by=hangup_by)
                case Abandoned(at=at, hold_s=hold_s):
                    calls.abandoned(call.id, at=at, hold_seconds=hold_s)
                case Unserved(at=at, status=status):
                    calls.unserved(call.id, at=at, status=status)

        labels: list[tuple[str, uuid.UUID, uuid.UUID | None]] = []
        self._later(self._label_after(self._db(work), labels))

    async def _label_after(
        self, job: Awaitable[None], labels: list[tuple[str, uuid.UUID, uuid.UUID | None]]
    ) -> None:
        """After recording a call the IVR never saw, put its ids on the caller's channel (inherited by
        the agent's leg and transfers), as the IVR does for its calls."""
        await job
        for channel, call_id, draft_id in labels:
            variables = {"__HOTLINE_CALL_ID": str(call_id)}
            if draft_id is not None:
                variables["__HOTLINE_DRAFT_ID"] = str(draft_id)
            for name, value in variables.items():
                try:
                    await self.ami.send(actions.setvar(channel, name, value))
                except AmiError as exc:
                    log.info("call %s: ids not put on %s (%s)", call_id, channel, exc)
                    return

    async def _wrap_up(self, view: AgentView, ref: CallRef) -> None:
        call = await self._db(lambda s: _resolved(s, ref))
        try:
            await self.change(view.user_id, AgentStatus.WRAP_UP, PauseReason.WRAP_UP, StateSource.SYSTEM,
                              call_id=call[0] if call else None)  # fmt: skip
        except TelephonyUnavailable as exc:
            log.warning("agent %s: 后处理 not applied: %s", view.username, exc)

    # -- resync ----------------------------------------------------------------------------------------

    async def _resync_until_done(self) -> None:
        """Resync, again after a second while it fails and the connection stays up."""
        while True:
            try:
                await self._resync()
                return
            except AmiError as exc:
                if not self.ami.connected.is_set():
                    return  # the next Connected resyncs
                log.warning("bridge: resync failed (%s); again in 1 s", exc)
                await asyncio.sleep(1.0)

    async def _resync(self) -> None:
        started = time.monotonic()
        agents = await self._db(lambda s: AgentService(s, now=self._now).listing())
        self._agents = {a.interface: a for a in agents}
        self.board.set_agents(agents)
        status = await self.ami.send(actions.queue_status())
        members = members_of(status.events)
        waiting: dict[str, list[Waiting]] = {}
        now = time.time()
        for entry in (e for e in status.events if e.event == "QueueEntry"):
            key = entry.get("Linkedid") or entry.get("Uniqueid")
            waiting.setdefault(entry.get("Queue"), []).append(
                Waiting(key, entry.text("CallerIDNum"), now - entry.number("Wait"))
            )
        self.board.reset_live(members, waiting)
        wants = [w for w in (wanted(a, QUEUE_OF) for a in agents) if w is not None]
        for action in reconcile(wants, members, {a.interface for a in agents}):
            try:
                await self.ami.send(action)
            except AmiError as exc:
                log.warning("resync: %s %s failed: %s", action.name, action.header("Interface"), exc)
        day = datetime.fromtimestamp(now, SHANGHAI).date()
        figures, waits = await self._db(lambda s: today_figures(s, day, self.board.service_level_s))
        self.board.seed_today(day, figures, waits)
        self._board_dirty = True
        self.resyncs += 1
        self.synced.set()
        self.hub.to_boards({"type": "telephony", "connected": True})
        log.info("bridge: resynced %d agents, %d members, %d waiting in %.2f s", len(agents), len(members),
                 sum(len(w) for w in waiting.values()), time.monotonic() - started)  # fmt: skip

    # -- periodic --------------------------------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            now = self._now()
            for view in list(self._agents.values()):
                if view.wrap_up_over(now) and self.ami.connected.is_set():
                    self._later(self._end_wrap_up(view))
            if self._board_dirty or time.monotonic() - self._last_board >= 5:
                self.push_board()

    async def _end_wrap_up(self, view: AgentView) -> None:
        current = self._agents.get(view.interface)
        if current is None or current.status is not AgentStatus.WRAP_UP:
            return
        with contextlib.suppress(TelephonyUnavailable):
            await self.change(view.user_id, AgentStatus.READY, None, StateSource.SYSTEM)

    def push_board(self) -> None:
        """Send the wallboard to every wallboard socket now."""
        self._board_dirty = False
        self._last_board = time.monotonic()
        self.hub.to_boards(self.board.snapshot(time.time()))

    # -- the database worker ---------------------------------------------------------------------------

    async def _db(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, after every job queued before it."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put_nowait((work, future))
        return await future

    async def _work(self) -> None:
        while True:
            work, future = await self._jobs.get()

            def transaction(work: Callable[[Session], Any] = work) -> Any:
                with self._sessions.begin() as session:
                    return work(session)

            try:
                result = await asyncio.to_thread(transaction)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)

    def _later(self, job: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(job)
        task.add_done_callback(_log_failure)


_DESK = Actor(user_id=None, username="screen-pop", role=Role.AGENT)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("bridge job failed", exc_info=task.exception())


def _find(session: Session, ref: CallRef) -> Call | None:
    return CallService(session).find_queued(call_id=ref.call_id, uniqueid=ref.uniqueid, linkedid=ref.linkedid)


def _resolved(session: Session, ref: CallRef) -> tuple[uuid.UUID, str, str] | None:
    call = _find(session, ref)
    return (call.id, call.origin, call.channel_id) if call else None


def presence_message(view: AgentView) -> dict[str, Any]:
    """An agent's presence as its desktop gets it."""
    return {
        "type": "presence",
        "status": view.status.value,
        "reason": view.pause_reason.value if view.pause_reason else None,
        "since": view.status_since.isoformat(),
        "extension": view.extension,
        "skills": [s.value for s in view.skills],
        "wrapup_seconds": view.wrapup_seconds,
    }


def today_figures(
    session: Session, day: date, service_level_s: float
) -> tuple[dict[str, QueueFigures], list[tuple[float, float]]]:
    """Per queue: today's offered, answered, answered in time and abandoned calls (Shanghai day), and the
    waits of today's answered calls, from the stored call rows."""
    start = datetime.combine(day, datetime.min.time(), SHANGHAI).astimezone(UTC)
    end = start + timedelta(days=1)
    rows = session.execute(
        select(Call.queue, Call.queued_at, Call.answered_at, Call.hold_seconds, Call.abandoned_at).where(
            Call.queued_at >= start, Call.queued_at < end, Call.queue.is_not(None)
        )
    )
    figures: dict[str, QueueFigures] = {}
    waits: list[tuple[float, float]] = []
    for queue, queued_at, answered_at, hold, abandoned_at in rows:
        f = figures.setdefault(str(queue), QueueFigures())
        f.offered += 1
        if answered_at is not None:
            f.answered += 1
            wait = hold if hold is not None else (answered_at - (queued_at or answered_at)).total_seconds()
            f.answered_in_time += wait <= service_level_s
            waits.append((answered_at.timestamp(), wait))
        elif abandoned_at is not None:
            f.abandoned += 1
    waits.sort()
    return figures, waits


async def sync_agent(ami: AmiConnection, view: AgentView) -> None:
    """Make the queues agree with one agent's presence (raises :class:`AmiError` when they would not)."""
    status = await ami.send(actions.queue_status(member=view.interface))
    members = [m for m in members_of(status.events) if m.interface == view.interface]
    wants = [w for w in [wanted(view, QUEUE_OF)] if w is not None]
    for action in reconcile(wants, members, {view.interface}):
        await ami.send(action)


def members_of(messages: Sequence[AmiMessage]) -> list[Member]:
    """The members of a QueueStatus answer."""
    return [Member.of(m) for m in messages if m.event == "QueueMember"]
