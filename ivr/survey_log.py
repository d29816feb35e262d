"""The survey app's port to the work-order system: what a survey call is about, and what the citizen
answered, as async calls. :class:`TicketingSurveyLog` runs :class:`~ticketing.surveys.service.SurveyService`
in a worker thread, one short transaction per report (an answer is stored the moment its key is pressed).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ivr.flows.survey import SurveyMatter
from ticketing.calendar.service import load_calendar
from ticketing.outbound.policy import OutboundPolicy
from ticketing.surveys.service import SurveyResult, SurveyService
from ticketing.tickets.lifecycle import Satisfaction

T = TypeVar("T")


class SurveyLog(Protocol):
    """Everything the survey app tells the work-order system."""

    async def matters(self, attempt_id: uuid.UUID) -> tuple[SurveyMatter, ...]: ...
    async def answer(
        self, attempt_id: uuid.UUID, ticket_id: str, solved: bool | None, satisfaction: str | None
    ) -> None: ...
    async def comment(self, attempt_id: uuid.UUID, path: str) -> None: ...
    async def finished(self, attempt_id: uuid.UUID) -> SurveyResult: ...


class TicketingSurveyLog:
    """:class:`SurveyLog` on the ticketing service layer."""

    def __init__(self, sessions: sessionmaker[Session], policy: OutboundPolicy) -> None:
        self._sessions = sessions
        self._policy = policy

    async def _run(self, work: Callable[[SurveyService], T]) -> T:
        def transaction() -> T:
            with self._sessions.begin() as session:
                return work(SurveyService(session, load_calendar(session)))

        return await asyncio.to_thread(transaction)

    async def matters(self, attempt_id: uuid.UUID) -> tuple[SurveyMatter, ...]:
        """The matters the attempt's call asks about (raises for an unknown or finished attempt)."""

        def work(surveys: SurveyService) -> tuple[SurveyMatter, ...]:
            call = surveys.call_for(attempt_id)
            return tuple(
                SurveyMatter(str(m.ticket_id), m.category.value, m.reported_on.month, m.reported_on.day)
                for m in call.matters
            )

        return await self._run(work)

    async def answer(
        self, attempt_id: uuid.UUID, ticket_id: str, solved: bool | None, satisfaction: str | None
    ) -> None:
        """One key's answer."""
        value = Satisfaction(satisfaction) if satisfaction else None
        await self._run(
            lambda s: s.record_answer(attempt_id, uuid.UUID(ticket_id), solved=solved, satisfaction=value)
        )

    async def comment(self, attempt_id: uuid.UUID, path: str) -> None:
        """The comment's recording (recognised later)."""
        await self._run(lambda s: s.record_comment(attempt_id, path))

    async def finished(self, attempt_id: uuid.UUID) -> SurveyResult:
        """The call is over: apply the answers."""
        return await self._run(lambda s: s.finish(attempt_id, self._policy))
