"""The IVR's port to the work-order system: what it reports about calls, as async calls.

``ivr`` never touches the database; :class:`TicketingCallLog` runs the ticketing
:class:`~ticketing.calls.service.CallService` in a worker thread, one short transaction per report.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import CallEndReason, Skill

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallIds:
    """The ids that travel with the channel (``HOTLINE_CALL_ID`` / ``HOTLINE_DRAFT_ID``)."""

    call_id: uuid.UUID
    draft_id: uuid.UUID | None
    skill: Skill | None = None  # the menu choice already made (a call found again after a restart)


class CallLog(Protocol):
    """Everything the IVR tells the work-order system about a call."""

    async def started(self, channel_id: str, caller_number: str | None, called: str | None) -> CallIds: ...
    async def chose(self, call_id: uuid.UUID, skill: Skill, *, steps: Sequence[str] = ()) -> None: ...
    async def recorded(
        self, call_id: uuid.UUID, path: str, duration_ms: int | None, *, steps: Sequence[str] = ()
    ) -> None: ...
    async def ended(
        self,
        call_id: uuid.UUID,
        reason: CallEndReason,
        *,
        steps: Sequence[str] = (),
        queue: str | None = None,
    ) -> None: ...
    async def open_calls(self) -> dict[str, uuid.UUID]: ...


class TicketingCallLog:
    """:class:`CallLog` on the ticketing service layer (SQLite or PostgreSQL)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def _run(self, work: Callable[[CallService], T]) -> T:
        def transaction() -> T:
            with self._sessions.begin() as session:
                return work(CallService(session))

        return await asyncio.to_thread(transaction)

    async def started(self, channel_id: str, caller_number: str | None, called: str | None) -> CallIds:
        """Create (or find, on resync) the call and its draft."""

        def work(calls: CallService) -> CallIds:
            call = calls.start(channel_id, caller_number, called)
            return CallIds(call.id, call.draft_id, Skill(call.skill) if call.skill else None)

        return await self._run(work)

    async def chose(self, call_id: uuid.UUID, skill: Skill, *, steps: Sequence[str] = ()) -> None:
        """The caller's menu choice (with the menu steps that led to it)."""

        def work(calls: CallService) -> None:
            _note(calls, call_id, steps)
            calls.choose(call_id, skill)

        await self._run(work)

    async def recorded(
        self, call_id: uuid.UUID, path: str, duration_ms: int | None, *, steps: Sequence[str] = ()
    ) -> None:
        """The description (or out-of-hours message) was recorded to ``path``."""

        def work(calls: CallService) -> None:
            _note(calls, call_id, steps)
            calls.attach_recording(call_id, path, duration_ms)

        await self._run(work)

    async def ended(
        self,
        call_id: uuid.UUID,
        reason: CallEndReason,
        *,
        steps: Sequence[str] = (),
        queue: str | None = None,
    ) -> None:
        """The IVR part of the call ended (in ``queue``, if it was handed to one): one transaction."""

        def work(calls: CallService) -> None:
            _note(calls, call_id, steps)
            if queue is not None:
                calls.queued(call_id, queue)
            calls.end(call_id, reason)

        await self._run(work)

    async def open_calls(self) -> dict[str, uuid.UUID]:
        """Channel id → call id of every call whose IVR part has not ended."""
        return await self._run(lambda calls: {c.channel_id: c.id for c in calls.open_calls()})


def _note(calls: CallService, call_id: uuid.UUID, steps: Sequence[str]) -> None:
    for step in steps:
        calls.note(call_id, step)
