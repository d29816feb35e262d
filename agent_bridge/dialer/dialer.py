"""The outbound dialer of one Asterisk: the asyncio shell around the pure job rules
(:mod:`ticketing.outbound.jobs`), the pacer (:mod:`~agent_bridge.dialer.pacing`) and the Originate
builder (:mod:`~agent_bridge.dialer.originate`).

One loop makes the jobs (surveys after 办结, missed-call callbacks), and while the calling window is open
hands due jobs to Asterisk at the configured pace, never more than the configured number at once. A
listener on the AMI connection follows each attempt: ``OriginateResponse`` (answered or why not),
``Hangup`` (the Q.850 cause), ``UserEvent(HotlineCallbackResult)`` (a callback's citizen leg).

**Exactly once.** Each attempt is committed before its Originate and never originated again; nothing is
re-sent after a reconnect. After every (re)connect — and so after a crash or ``kill -9`` — the attempts
the database still has in flight are settled against Asterisk's channels (``CoreShowChannels``): a channel
that exists is followed again, a survey that was answered is finished with the answers it got, anything
else is ``lost`` (an attempt used, tried again later). A due job stays due in the database until dialled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from agent_bridge.ami import actions
from agent_bridge.ami.connection import AmiConnection, Connected, Disconnected
from agent_bridge.ami.errors import AmiActionFailed, AmiError
from agent_bridge.ami.events import AmiEvent, Hangup, OriginateResponse, UserEvent
from agent_bridge.dialer import originate as plan_of
from agent_bridge.dialer.originate import CALLBACK_RESULT_EVENT, DialPlan
from agent_bridge.dialer.pacing import Pacer
from ivr.translate import queue_name
from ticketing.calendar.service import load_calendar
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import Skill
from ticketing.errors import NotFound
from ticketing.outbound.policy import OutboundPolicy, Provider
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.service import Dial, OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome, JobKind
from ticketing.surveys.service import SurveyService

log = logging.getLogger(__name__)
T = TypeVar("T")


class SurveyCalls(Protocol):
    """Another provider for survey calls (Twilio): places the call, returns its reference; the provider's
    webhooks settle the attempt."""

    def place(self, dial: Dial) -> str: ...


@dataclass(frozen=True)
class DialerConfig:
    """How fast and how much the dialer calls."""

    pace: float = 1.0  # originates per second, never more
    max_concurrent: int = 10  # outbound calls up at once
    plan: DialPlan = field(default_factory=DialPlan)
    kinds: frozenset[JobKind] = frozenset(JobKind)
    poll_s: float = 1.0  # looking for due jobs when there were none
    schedule_s: float = 30.0  # making survey and missed-call jobs
    missed_call_days: int = 3  # missed calls this recent get a callback
    settle_grace_s: float = 15.0  # after an answered call hung up: time for the survey app to finish it
    stale_s: float = 300.0  # an unanswered attempt without news this long is checked against Asterisk


@dataclass
class Flight:
    """An attempt the dialer follows."""

    attempt_id: uuid.UUID
    kind: JobKind
    started: float
    answered: bool = False
    hangup_cause: int | None = None


@dataclass
class DialerStats:
    """What the dialer did since it started (for the wallboard and the benchmark)."""

    originated: int = 0
    answered: int = 0
    ended: dict[str, int] = field(default_factory=dict)
    settled_lost: int = 0
    originate_times: list[float] = field(default_factory=list)  # monotonic, the latest 20,000


class OutboundDialer:
    """Places and follows outbound calls on one Asterisk (see the module docstring).

    ``ami`` may be shared with the agent bridge (which runs it: ``own_connection=False``).
    ``agents_free(queue)`` says how many agents could take a callback now (default: ask QueueSummary).
    """

    def __init__(
        self,
        ami: AmiConnection,
        sessions: sessionmaker[Session],
        policy: OutboundPolicy,
        config: DialerConfig | None = None,
        *,
        own_connection: bool = True,
        survey_calls: SurveyCalls | None = None,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ami = ami
        self._sessions = sessions
        self.policy = policy
        self.config = config or DialerConfig()
        self._own = own_connection
        self._survey_calls = survey_calls
        self._on_change = on_change
        self._now = now
        self.pacer = Pacer(self.config.pace, self.config.max_concurrent)
        self.flights: dict[uuid.UUID, Flight] = {}
        self.stats = DialerStats()
        self._events: asyncio.Queue[AmiEvent] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()
        self._next_schedule = 0.0
        self._tasks: list[asyncio.Task[Any]] = []
        ami.add_listener(self._events.put_nowait)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled."""
        self._tasks = [
            asyncio.create_task(self._consume(), name="dialer-events"),
            asyncio.create_task(self._loop(), name="dialer-loop"),
        ]
        if self._own:
            self._tasks.append(asyncio.create_task(self.ami.run(), name="dialer-ami"))
        try:
            await asyncio.gather(*self._tasks)
        finally:
            for task in self._tasks:
                task.cancel()

    async def stop(self) -> None:
        """Stop dialling (calls up go on in Asterisk; the next start settles them)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._own:
            await self.ami.stop()

    @property
    def settled(self) -> asyncio.Event:
        """Set once the attempts in flight were settled after the last connect."""
        return self._settled

    def wake(self) -> None:
        """Look for due jobs now (e.g. a job was just made)."""
        self._wake.set()

    # -- the loop --------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            await self.ami.connected.wait()
            if not self._settled.is_set():
                try:
                    await self._settle()
                except AmiError as exc:
                    log.warning("dialer: settling failed (%s); again in 1 s", exc)
                    await asyncio.sleep(1.0)
                    continue
                self._settled.set()
            try:
                if time.monotonic() >= self._next_schedule:
                    await self._schedule()
                    self._next_schedule = time.monotonic() + self.config.schedule_s
                launched = await self._launch()
            except Exception:
                log.exception("dialer: a round failed; again shortly")
                launched = 0
            if launched == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.config.poll_s)

    async def _schedule(self) -> None:
        since = self._now() - timedelta(days=self.config.missed_call_days)

        def work(session: Session) -> int:
            scheduler = OutboundScheduler(session, load_calendar(session), self.policy, now=self._now)
            made = scheduler.schedule_surveys() if JobKind.SURVEY in self.config.kinds else []
            if JobKind.MISSED_CALL in self.config.kinds:
                made += scheduler.schedule_missed_calls(since)
            return len(made)

        made = await self._db(work)
        if made:
            log.info("dialer: %d new outbound jobs", made)

    def _busy(self) -> int:
        """Outbound calls that hold a line: kept queue places still waiting in line for an agent do not
        (no citizen is being called yet, and a busy hour may keep dozens of them)."""
        return sum(1 for f in self.flights.values() if f.answered or f.kind is not JobKind.QUEUE_CALLBACK)

    async def _launch(self) -> int:
        """Dial due jobs while the window is open and the limits allow; returns how many were dialled.
        Outside the window only fresh queue callbacks go (the caller asked for them minutes ago)."""
        calendar = await self._db(load_calendar)
        window_open = self.policy.windows.is_open(self._now(), calendar)
        kinds = self.config.kinds if window_open else self.config.kinds & {JobKind.QUEUE_CALLBACK}
        room = self.config.max_concurrent - self._busy()
        if room <= 0 or not kinds:
            return 0
        due = await self._db(
            lambda s: [
                (j.id, JobKind(j.kind), j.skill)
                for j in OutboundService(s, now=self._now).due(room, kinds, fresh_only=not window_open)
            ]
        )
        launched = 0
        free: dict[str, int] = {}
        for job_id, kind, skill in due:
            if kind is JobKind.MISSED_CALL:
                queue = queue_name(Skill(skill or Skill.GENERAL.value))
                if queue not in free:
                    free[queue] = await self._agents_free(queue)
                if free[queue] <= 0:
                    continue  # a callback waits for a free agent of its skill
                free[queue] -= 1
            while True:
                wait = self.pacer.wait(time.monotonic(), self._busy())
                if wait is None:
                    return launched
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if await self._dial(job_id, kind):
                launched += 1
        return launched

    async def _dial(self, job_id: uuid.UUID, kind: JobKind) -> bool:
        def begin(session: Session) -> tuple[Dial, uuid.UUID | None]:
            dial = OutboundService(session, now=self._now).begin_attempt(job_id)
            call_id = None
            if dial.kind is not JobKind.SURVEY:
                call = CallService(session, now=self._now).start_callback(
                    f"callback-{dial.attempt_id}", dial.phone, skill=dial.skill, draft_id=dial.draft_id
                )
                call_id = call.id
            return dial, call_id

        # The pace slot is taken before the database work, so that its time overlaps the spacing instead
        # of adding to it (measured: 17.6 calls/s at a pace of 20 when taken after).
        self.pacer.take(time.monotonic())
        try:
            dial, call_id = await self._db(begin)  # committed: from here on this attempt is never redone
        except Exception as exc:
            log.info("dialer: job %s not begun (%s)", job_id, exc)
            return False
        now = time.monotonic()
        self.stats.originated += 1
        self.stats.originate_times.append(now)
        del self.stats.originate_times[:-20_000]
        if dial.provider == Provider.TWILIO.value:
            await self._place_elsewhere(dial)
            return True
        self.flights[dial.attempt_id] = Flight(dial.attempt_id, kind, now)
        queue = queue_name(Skill(dial.skill)) if dial.skill else queue_name(Skill.GENERAL)
        action = plan_of.originate(dial, self.config.plan, queue=queue, call_id=call_id)
        try:
            await self.ami.send(action, action_id=plan_of.action_id(dial.attempt_id))
        except AmiActionFailed as exc:  # Asterisk refused it: no call was placed
            await self._end(dial.attempt_id, AttemptOutcome.FAILED, note=f"originate refused: {exc}")
        except AmiError as exc:  # not known whether Asterisk got it: the next settle decides
            log.warning("dialer: attempt %s: originate not confirmed (%s)", dial.attempt_id, exc)
        self._changed()
        return True

    async def _place_elsewhere(self, dial: Dial) -> None:
        if self._survey_calls is None:
            await self._end(dial.attempt_id, AttemptOutcome.FAILED, note="no Twilio account configured")
            return
        survey_calls = self._survey_calls
        try:
            ref = await asyncio.to_thread(survey_calls.place, dial)
        except Exception as exc:
            await self._end(dial.attempt_id, AttemptOutcome.FAILED, note=f"Twilio refused the call: {exc}")
            return
        await self._db(lambda s: OutboundService(s, now=self._now).set_provider_ref(dial.attempt_id, ref))

    # -- events ----------------------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self._events.get()
            try:
                await self._handle(event)
            except Exception:
                log.exception("dialer: handling %s failed", type(event).__name__)

    async def _handle(self, event: AmiEvent) -> None:
        match event:
            case Connected():
                self._settled.clear()
                self.wake()
            case Disconnected():
                self._settled.clear()
            case OriginateResponse(action_id=action_id, success=success, reason=reason):
                attempt = (
                    plan_of.attempt_of(action_id) if action_id.startswith(plan_of.ACTION_PREFIX) else None
                )
                flight = self.flights.get(attempt) if attempt else None
                if flight is None:
                    return
                outcome = plan_of.originate_outcome(flight.kind, success, reason)
                if outcome is None:
                    flight.answered = True
                    self.stats.answered += 1
                    answered_id = flight.attempt_id
                    await self._db(lambda s: OutboundService(s, now=self._now).answered(answered_id))
                    self._changed()
                    return
                await self._end(flight.attempt_id, outcome, reason_code=reason, cause=flight.hangup_cause)
            case Hangup(channel=channel, cause=cause):
                attempt = plan_of.attempt_of(channel.uniqueid)
                if attempt is None or channel.uniqueid != str(attempt):
                    return  # not an attempt's own channel (e.g. the agent half of a callback)
                # the cause is kept even when the attempt already ended (Hangup may follow the response)
                hung: uuid.UUID = attempt
                with contextlib.suppress(NotFound):
                    await self._db(lambda s: OutboundService(s, now=self._now).hangup_cause(hung, cause))
                flight = self.flights.get(hung)
                if flight is None:
                    return
                flight.hangup_cause = cause
                asyncio.get_running_loop().call_later(
                    self.config.settle_grace_s, lambda: self._later(self._after_hangup(flight))
                )
            case UserEvent(name=name, headers=headers) if name == CALLBACK_RESULT_EVENT:
                attempt = plan_of.attempt_of(headers.get("Attempt"))
                if attempt is not None:
                    await self._end(attempt, plan_of.callback_outcome(headers.get("DialStatus")))
            case UserEvent(name="HotlineSurveyFailed", headers=headers):
                attempt = plan_of.attempt_of(headers.get("Attempt"))
                if attempt is not None:
                    await self._end(attempt, AttemptOutcome.FAILED, note="the survey app was not running")

    def survey_finished(self, attempt_id: uuid.UUID) -> None:
        """The survey app of this process finished the attempt's call: free its place now rather than
        after the grace time."""
        flight = self.flights.get(attempt_id)
        if flight is not None:
            self._later(self._after_hangup(flight))

    async def _after_hangup(self, flight: Flight) -> None:
        """The attempt's channel hung up a while ago: its ``OriginateResponse``, the survey app or the
        callback's user event should have settled it by now. If none did, an answered call is a failed
        attempt (the survey did not run); an unanswered one is lost — the news went to a process that is
        gone (we restarted mid-call), and how it went cannot be told."""
        if self.flights.get(flight.attempt_id) is not flight:
            return  # settled meanwhile
        open_ = await self._db(lambda s: OutboundService(s).attempt(flight.attempt_id).outcome is None)
        if not open_:
            self.flights.pop(flight.attempt_id, None)
            self._changed()
            self.wake()
        elif flight.answered:
            note = "answered, but the survey did not run" if flight.kind is JobKind.SURVEY else None
            await self._end(flight.attempt_id, AttemptOutcome.FAILED, cause=flight.hangup_cause, note=note)
        else:
            note = "hung up with no word of how the call went (our process restarted while it rang)"
            await self._end(flight.attempt_id, AttemptOutcome.LOST, cause=flight.hangup_cause, note=note)

    # -- settling --------------------------------------------------------------------------------------

    async def _settle(self) -> None:
        """Follow again what Asterisk still has; finish or lose what it has not (module docstring)."""
        answer = await self.ami.send(actions.core_show_channels(), timeout=30)
        live = {m.get("Uniqueid") for m in answer.events if m.event == "CoreShowChannel"}
        rows = await self._db(
            lambda s: [
                (a.id, a.answered_at is not None, j.kind, j.provider)
                for a in OutboundService(s).in_flight()
                for j in [OutboundService(s).job(a.job_id)]
            ]
        )
        for attempt_id, answered, kind, provider in rows:
            if provider != Provider.AMI.value:
                continue  # Twilio's webhooks settle their own
            if str(attempt_id) in live:
                flight = self.flights.setdefault(
                    attempt_id, Flight(attempt_id, JobKind(kind), time.monotonic())
                )
                flight.answered = flight.answered or answered
                continue
            self.flights.pop(attempt_id, None)
            if answered and kind == JobKind.SURVEY.value:
                await self._db(self._finisher(attempt_id))
                continue
            self.stats.settled_lost += 1
            await self._end(attempt_id, AttemptOutcome.LOST, note="our process stopped while it was dialling")
        stale = [f for f in self.flights.values() if str(f.attempt_id) not in live and not f.answered]
        for flight in stale:
            if time.monotonic() - flight.started > self.config.stale_s:
                await self._end(flight.attempt_id, AttemptOutcome.LOST, note="Asterisk has no such call")
        log.info("dialer: settled %d attempts in flight (%d still up)", len(rows), len(self.flights))

    # -- helpers ---------------------------------------------------------------------------------------

    def _finisher(self, attempt_id: uuid.UUID) -> Callable[[Session], object]:
        return lambda s: SurveyService(s, load_calendar(s), now=self._now).finish(attempt_id, self.policy)

    async def _end(
        self,
        attempt_id: uuid.UUID,
        outcome: AttemptOutcome,
        *,
        reason_code: int | None = None,
        cause: int | None = None,
        note: str | None = None,
    ) -> None:
        def work(session: Session) -> None:
            OutboundService(session, now=self._now).end_attempt(
                attempt_id, outcome, self.policy, load_calendar(session), reason_code=reason_code,
                hangup_cause=cause, note=note,
            )  # fmt: skip

        await self._db(work)
        self.flights.pop(attempt_id, None)
        self.stats.ended[outcome.value] = self.stats.ended.get(outcome.value, 0) + 1
        self._changed()
        self.wake()

    async def _agents_free(self, queue: str) -> int:
        try:
            answer = await self.ami.send(actions.queue_summary(queue))
        except AmiError:
            return 0
        return sum(m.integer("Available") for m in answer.events if m.event == "QueueSummary")

    def snapshot(self) -> dict[str, Any]:
        """The outbound calls in progress, for the wallboard."""
        return {
            "type": "outbound",
            "in_flight": len(self.flights),
            "answered": sum(1 for f in self.flights.values() if f.answered),
            "by_kind": {k.value: sum(1 for f in self.flights.values() if f.kind is k) for k in JobKind},
            "originated": self.stats.originated,
            "ended": dict(self.stats.ended),
        }

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change(self.snapshot())
            except Exception:
                log.exception("dialer: the change hook failed")

    async def _db(self, work: Callable[[Session], T]) -> T:
        def transaction() -> T:
            with self._sessions.begin() as session:
                return work(session)

        return await asyncio.to_thread(transaction)

    def _later(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("dialer job failed", exc_info=task.exception())
