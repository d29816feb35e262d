"""The IVR's port to the work-order system: what it reports about calls, as async calls.

``ivr`` never touches the database; :class:`TicketingCallLog` runs the ticketing
:class:`~ticketing.services.calls.CallService` in a worker thread, one short transaction per report.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ticketing.calls import CallEndReason, Skill
from ticketing.services.calls import CallService

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallIds:
    """The ids that travel with the channel (``HOTLINE_CALL_ID`` / ``HOTLINE_DRAFT_ID``)."""

    call_id: uuid.UUID
    draft_id: uuid.UUID | None


class CallLog(Protocol):
    """Everything the IVR tells the work-order system about a call."""

    async def started(self, channel_id: str, caller_number: str | None, called: str | None) -> CallIds: ...
    async def step(self, call_id: uuid.UUID, step: str) -> None: ...
    async def chose(self, call_id: uuid.UUID, skill: Skill) -> None: ...
    async def recorded(self, call_id: uuid.UUID, path: str, duration_ms: int | None) -> None: ...
    async def queued(self, call_id: uuid.UUID, queue: str) -> None: ...
    async def ended(self, call_id: uuid.UUID, reason: CallEndReason) -> None: ...
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
            return CallIds(call.id, call.draft_id)

        return await self._run(work)

    async def step(self, call_id: uuid.UUID, step: str) -> None:
        """Append a menu step."""
        await self._run(lambda calls: calls.note(call_id, step))

    async def chose(self, call_id: uuid.UUID, skill: Skill) -> None:
        """The caller's menu choice."""
        await self._run(lambda calls: calls.choose(call_id, skill))

    async def recorded(self, call_id: uuid.UUID, path: str, duration_ms: int | None) -> None:
        """The description (or out-of-hours message) was recorded to ``path``."""
        await self._run(lambda calls: calls.attach_recording(call_id, path, duration_ms))

    async def queued(self, call_id: uuid.UUID, queue: str) -> None:
        """The call was handed to ``queue``."""
        await self._run(lambda calls: calls.queued(call_id, queue))

    async def ended(self, call_id: uuid.UUID, reason: CallEndReason) -> None:
        """The IVR part of the call ended."""
        await self._run(lambda calls: calls.end(call_id, reason))

    async def open_calls(self) -> dict[str, uuid.UUID]:
        """Channel id → call id of every call whose IVR part has not ended."""
        return await self._run(lambda calls: {c.channel_id: c.id for c in calls.open_calls()})
