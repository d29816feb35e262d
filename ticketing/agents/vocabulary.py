"""The words of agent presence."""

from __future__ import annotations

from enum import StrEnum


class AgentStatus(StrEnum):
    """Where an agent is, as the hotline wants it (Asterisk is made to agree)."""

    LOGGED_OUT = "logged_out"
    READY = "ready"  # in the skill queues, taking calls
    PAUSED = "paused"  # in the queues, not taking calls (a reason says why)
    WRAP_UP = "wrap_up"  # 后处理 after a call: paused until done or the wrap-up time is over

    @property
    def logged_in(self) -> bool:
        """A member of the skill queues."""
        return self is not AgentStatus.LOGGED_OUT


class PauseReason(StrEnum):
    """Why an agent takes no calls (QueuePause ``Reason`` to Asterisk, shown on the wallboard)."""

    BREAK = "小休"
    TRAINING = "培训"
    MEETING = "会议"
    WRAP_UP = "后处理"

    @classmethod
    def chosen_by_agent(cls) -> tuple[PauseReason, ...]:
        """The reasons an agent picks (后处理 is the system's, after a call)."""
        return (cls.BREAK, cls.TRAINING, cls.MEETING)


class StateSource(StrEnum):
    """Who changed an agent's state."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # wrap-up start/end, reconciliation with Asterisk
