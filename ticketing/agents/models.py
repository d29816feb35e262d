"""ORM models of agents: an account's phone, skills and wrap-up time with its presence, and the history of
presence changes (the statistics count logged-in and paused time from it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime


class Agent(Base):
    """A user with role ``agent`` bound to an agent phone (``PJSIP/agent1001``) and skills."""

    __tablename__ = "agents"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    extension: Mapped[str] = mapped_column(String(16), unique=True)  # 1001
    interface: Mapped[str] = mapped_column(String(64), unique=True)  # PJSIP/agent1001
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # ticketing.calls.vocabulary.Skill values
    wrapup_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # AgentStatus
    pause_reason: Mapped[str | None] = mapped_column(String(16))  # PauseReason when paused / wrap_up
    status_since: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentStateChange(Base):
    """One change of an agent's presence: who, when, to what, why."""

    __tablename__ = "agent_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # StateSource
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("calls.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_agent_state_changes_user_at", "user_id", "at"),)
