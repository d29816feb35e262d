"""Agents: binding accounts to phones and skills, and their presence as the hotline wants it.

The database is the source of truth of what an agent *should* be (logged out, ready, paused for a reason,
in 后处理); ``agent_bridge`` makes Asterisk's queues agree, at once and again after every reconnect. Every
change is one :class:`~ticketing.agents.models.AgentStateChange` row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor, require_role
from ticketing.accounts.models import User
from ticketing.agents.models import Agent, AgentStateChange
from ticketing.agents.vocabulary import AgentStatus, PauseReason, StateSource
from ticketing.calls.vocabulary import Skill
from ticketing.clock import Clock, utcnow
from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.tickets.lifecycle import Role

EXTENSION = re.compile(r"^[0-9]{3,6}$")
DEFAULT_WRAPUP_SECONDS = 30
MAX_WRAPUP_SECONDS = 600
_MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class AgentView:
    """An agent as the bridge and the API see it."""

    user_id: uuid.UUID
    username: str
    display_name: str
    extension: str
    interface: str
    skills: tuple[Skill, ...]
    wrapup_seconds: int
    status: AgentStatus
    pause_reason: PauseReason | None
    status_since: datetime

    def wrap_up_over(self, now: datetime) -> bool:
        """In 后处理 and the wrap-up time has passed."""
        return self.status is AgentStatus.WRAP_UP and now >= self.status_since + timedelta(
            seconds=self.wrapup_seconds
        )


class AgentService:
    """Agents and their presence."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    # -- accounts ------------------------------------------------------------------------------------------

    def bind(
        self,
        username: str,
        extension: str,
        skills: Sequence[Skill],
        actor: Actor,
        *,
        wrapup_seconds: int = DEFAULT_WRAPUP_SECONDS,
        endpoint_prefix: str = "agent",
    ) -> AgentView:
        """Make account ``username`` (role agent) the agent at phone ``extension`` with ``skills``; binding
        again updates phone, skills and wrap-up time (supervisor/admin)."""
        require_role(actor, *_MANAGERS)
        if not EXTENSION.match(extension):
            raise InvalidInput("extension must be 3 to 6 digits", field="extension")
        if not skills:
            raise InvalidInput("an agent needs at least one skill", field="skills")
        if not 0 <= wrapup_seconds <= MAX_WRAPUP_SECONDS:
            raise InvalidInput(f"wrap-up time must be 0–{MAX_WRAPUP_SECONDS} s", field="wrapup_seconds")
        user = self._session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"user {username} does not exist", username=username)
        if user.role != Role.AGENT.value:
            raise InvalidInput(f"user {username} is a {user.role}, not an agent", field="username")
        interface = f"PJSIP/{endpoint_prefix}{extension}"
        taken = self._session.scalar(
            select(Agent).where(Agent.extension == extension, Agent.user_id != user.id)
        )
        if taken is not None:
            raise Conflict(f"phone {extension} belongs to another agent", extension=extension)
        now = self._now()
        agent = self._session.get(Agent, user.id)
        if agent is None:
            agent = Agent(
                user_id=user.id,
                status=AgentStatus.LOGGED_OUT.value,
                status_since=now,
                created_at=now,
            )
            self._session.add(agent)
        agent.extension = extension
        agent.interface = interface
        agent.skills = [Skill(s).value for s in dict.fromkeys(skills)]
        agent.wrapup_seconds = wrapup_seconds
        agent.updated_at = now
        self._session.flush()
        return self._view(agent, user)

    def get(self, user_id: uuid.UUID) -> AgentView:
        """One agent by user id; :class:`NotFound` when the account is no agent."""
        agent = self._session.get(Agent, user_id)
        user = self._session.get(User, user_id)
        if agent is None or user is None:
            raise NotFound("this account is not bound to an agent phone", user_id=str(user_id))
        return self._view(agent, user)

    def by_username(self, username: str) -> AgentView:
        """One agent by account name."""
        user = self._session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"user {username} does not exist", username=username)
        return self.get(user.id)

    def listing(self) -> list[AgentView]:
        """Every agent, by extension."""
        rows = self._session.execute(
            select(Agent, User).join(User, User.id == Agent.user_id).order_by(Agent.extension)
        )
        return [self._view(agent, user) for agent, user in rows]

    def by_interface(self) -> dict[str, AgentView]:
        """Interface (``PJSIP/agent1001``) → agent, for reading queue events."""
        return {view.interface: view for view in self.listing()}

    # -- presence ------------------------------------------------------------------------------------------

    def set_status(
        self,
        user_id: uuid.UUID,
        status: AgentStatus,
        *,
        reason: PauseReason | None = None,
        source: StateSource = StateSource.AGENT,
        call_id: uuid.UUID | None = None,
    ) -> AgentView:
        """Record a presence change (unchanged status and reason: nothing is written)."""
        if status is AgentStatus.PAUSED and reason is None:
            raise InvalidInput(
                "a pause needs a reason", field="reason", allowed=[r.value for r in PauseReason]
            )
        if status is AgentStatus.WRAP_UP:
            reason = PauseReason.WRAP_UP
        elif status is not AgentStatus.PAUSED:
            reason = None
        agent = self._session.get(Agent, user_id, with_for_update=True)
        user = self._session.get(User, user_id)
        if agent is None or user is None:
            raise NotFound("this account is not bound to an agent phone", user_id=str(user_id))
        if agent.status == status.value and agent.pause_reason == (reason.value if reason else None):
            return self._view(agent, user)
        now = self._now()
        agent.status = status.value
        agent.pause_reason = reason.value if reason else None
        agent.status_since = now
        agent.updated_at = now
        self._session.add(
            AgentStateChange(
                user_id=user_id,
                at=now,
                status=status.value,
                reason=agent.pause_reason,
                source=source.value,
                call_id=call_id,
            )
        )
        self._session.flush()
        return self._view(agent, user)

    def history(self, user_id: uuid.UUID, limit: int = 100) -> list[AgentStateChange]:
        """The agent's latest presence changes, newest first."""
        stmt = (
            select(AgentStateChange)
            .where(AgentStateChange.user_id == user_id)
            .order_by(AgentStateChange.at.desc(), AgentStateChange.id.desc())
            .limit(limit)
        )
        return list(self._session.scalars(stmt))

    @staticmethod
    def _view(agent: Agent, user: User) -> AgentView:
        return AgentView(
            user_id=agent.user_id,
            username=user.username,
            display_name=user.display_name,
            extension=agent.extension,
            interface=agent.interface,
            skills=tuple(Skill(s) for s in agent.skills),
            wrapup_seconds=agent.wrapup_seconds,
            status=AgentStatus(agent.status),
            pause_reason=PauseReason(agent.pause_reason) if agent.pause_reason else None,
            status_since=agent.status_since,
        )
