"""Typed inputs and outputs of agents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.agents.service import DEFAULT_WRAPUP_SECONDS, MAX_WRAPUP_SECONDS, AgentView
from ticketing.agents.vocabulary import AgentStatus, PauseReason
from ticketing.calls.vocabulary import Skill
from ticketing.schema_types import StrictInput


class AgentBind(StrictInput):
    """Bind an account with role agent to a phone and skills."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    extension: Annotated[str, StringConstraints(pattern=r"^[0-9]{3,6}$")]
    skills: list[Skill] = Field(min_length=1, max_length=len(Skill))
    wrapup_seconds: int = Field(default=DEFAULT_WRAPUP_SECONDS, ge=0, le=MAX_WRAPUP_SECONDS)


class PauseRequest(StrictInput):
    """Why the agent pauses (小休, 培训 or 会议; 后处理 is set by the system after a call)."""

    reason: PauseReason


class TransferRequest(StrictInput):
    """Warm transfer of the agent's current call: the agent talks to ``target`` first (an expert or a
    department phone), then hands the caller over or makes it a three-way call."""

    target: Annotated[str, StringConstraints(pattern=r"^[0-9*#]{2,20}$")]


class AgentOut(BaseModel):
    """An agent, its phone, skills and presence."""

    user_id: uuid.UUID
    username: str
    display_name: str
    extension: str
    interface: str
    skills: list[Skill]
    wrapup_seconds: int
    status: AgentStatus
    pause_reason: PauseReason | None
    status_since: datetime
    line: str | None = Field(default=None, description="live: ready, ringing, busy, paused, wrap_up…")

    @classmethod
    def of(cls, view: AgentView, line: str | None = None) -> AgentOut:
        """From the service's view (``line``: what the phone is doing, when the bridge runs)."""
        return cls(
            user_id=view.user_id,
            username=view.username,
            display_name=view.display_name,
            extension=view.extension,
            interface=view.interface,
            skills=list(view.skills),
            wrapup_seconds=view.wrapup_seconds,
            status=view.status,
            pause_reason=view.pause_reason,
            status_since=view.status_since,
            line=line,
        )


class StateChangeOut(BaseModel):
    """One presence change."""

    at: datetime
    status: AgentStatus
    reason: str | None
    source: str
    call_id: uuid.UUID | None
