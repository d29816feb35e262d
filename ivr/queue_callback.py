"""The queue-callback offer's I/O: how long a caller would wait, and keeping their place (virtual hold).

The wait is estimated from what app_queue reports right now — callers waiting, agents logged in, paused
and ready (dialplan functions ``QUEUE_WAITING_COUNT`` and ``QUEUE_MEMBER`` read through ARI on the
caller's channel) — and the queue's recent talk time from the call records. A kept place is an outbound
``queue_callback`` job: the dialer puts a stand-in for the caller into the queue at once, and when an
agent answers the stand-in, the citizen is dialled (agent first, as every callback).
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ivr.ari.client import AriClient
from ticketing.calendar.service import load_calendar
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import Skill
from ticketing.clock import Clock, utcnow
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.vocabulary import JobKind

T = TypeVar("T")

TALK_HISTORY = timedelta(hours=8)
"""The recent conversations whose talk time predicts the next ones."""


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """A queue at one moment, as app_queue counts it."""

    waiting: int  # callers in the queue (kept places included: they wait there too)
    logged_in: int
    paused: int
    ready: int  # logged in, not paused, not on a call, not wrapping up


def estimate_wait(load: QueueLoad, handle_s: float) -> float:
    """Seconds until an agent would answer a caller joining now: every caller ahead of them and they
    themselves share the agents at work, one conversation of ``handle_s`` each. ``inf`` when nobody is at
    work (all agents paused or logged out)."""
    if load.ready > load.waiting:
        return 0.0
    working = max(load.logged_in - load.paused, 0)
    if working == 0:
        return math.inf
    return (load.waiting - load.ready + 1) * handle_s / working


async def read_load(ari: AriClient, channel_id: str, queue: str) -> QueueLoad:
    """The queue's load, read through the caller's channel (four dialplan functions, concurrently)."""
    names = (
        f"QUEUE_WAITING_COUNT({queue})",
        f"QUEUE_MEMBER({queue},logged)",
        f"QUEUE_MEMBER({queue},paused)",
        f"QUEUE_MEMBER({queue},ready)",
    )
    values = await asyncio.gather(*(ari.get_variable(channel_id, name) for name in names))
    waiting, logged_in, paused, ready = (int(v or 0) for v in values)
    return QueueLoad(waiting, logged_in, paused, ready)


class QueueCallbacks(Protocol):
    """Ticketing's side of the offer."""

    async def handle_seconds(self, call_id: uuid.UUID, queue: str) -> float | None:
        """The expected length of one conversation in ``queue``; ``None`` when this caller cannot be
        called back (no usable number, opted out)."""
        ...

    async def keep_place(self, call_id: uuid.UUID, skill: Skill) -> uuid.UUID:
        """Store the callback (committed when this returns); returns its job id."""
        ...


class TicketingQueueCallbacks:
    """:class:`QueueCallbacks` on the ticketing services, one short transaction per call."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        policy: OutboundPolicy,
        *,
        default_handle_s: float = 180.0,
        now: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._default = default_handle_s
        self._now = now

    async def _run(self, work: Callable[[Session], T]) -> T:
        def transaction() -> T:
            with self._sessions.begin() as session:
                return work(session)

        return await asyncio.to_thread(transaction)

    async def handle_seconds(self, call_id: uuid.UUID, queue: str) -> float | None:
        """See :meth:`QueueCallbacks.handle_seconds` (the queue's mean talk time of the last hours)."""

        def work(session: Session) -> float | None:
            calls = CallService(session, now=self._now)
            call = calls.get(call_id)
            if not call.caller_phone or self._scheduler(session).opted_out(call.caller_phone):
                return None
            since: datetime = self._now() - TALK_HISTORY
            return calls.average_talk_seconds(queue, since=since) or self._default

        return await self._run(work)

    async def keep_place(self, call_id: uuid.UUID, skill: Skill) -> uuid.UUID:
        """See :meth:`QueueCallbacks.keep_place`."""

        def work(session: Session) -> uuid.UUID:
            calls = CallService(session, now=self._now)
            call = calls.get(call_id)
            if call.skill != skill.value:
                calls.choose(call_id, skill)
            job = self._scheduler(session).schedule_callback(call, JobKind.QUEUE_CALLBACK)
            if job is None:
                raise LookupError(f"call {call_id} cannot be called back (no number, or opted out)")
            return job.id

        return await self._run(work)

    def _scheduler(self, session: Session) -> OutboundScheduler:
        return OutboundScheduler(session, load_calendar(session), self._policy, now=self._now)
