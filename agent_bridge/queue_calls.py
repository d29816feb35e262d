"""What app_queue's events say about a call, as facts to record on its call row. Pure.

``QueueCallerJoin`` → :class:`Joined` (a call the IVR never saw gets its row and draft then),
``AgentCalled`` → :class:`Rang`, ``AgentRingNoAnswer`` → :class:`Missed`, ``AgentConnect`` →
:class:`Answered`, ``AgentComplete`` → :class:`Completed`, ``QueueCallerAbandon`` → :class:`Abandoned`.
Each fact names the call by a :class:`CallRef`: the ids the IVR put on the channel (``HOTLINE_CALL_ID``,
``HOTLINE_DRAFT_ID``, inherited by every channel of the call), the caller channel's unique id (the IVR's
channel id) and Asterisk's call key (``Linkedid``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from agent_bridge.ami.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    CallerSnapshot,
    QueueCallerAbandon,
    QueueCallerJoin,
    UserEvent,
)
from ticketing.calls.vocabulary import Skill


@dataclass(frozen=True)
class CallRef:
    """How a queue event names its call."""

    call_id: uuid.UUID | None
    draft_id: uuid.UUID | None
    uniqueid: str
    linkedid: str
    caller_number: str
    skill: Skill | None
    channel: str = ""  # the caller channel's name (PJSIP/citizens-00000002)

    @classmethod
    def of(cls, caller: CallerSnapshot) -> CallRef:
        """From the caller's channel snapshot."""
        skill = caller.variable("HOTLINE_SKILL")
        return cls(
            call_id=_uuid(caller.variable("HOTLINE_CALL_ID")),
            draft_id=_uuid(caller.variable("HOTLINE_DRAFT_ID")),
            uniqueid=caller.uniqueid,
            linkedid=caller.linkedid,
            caller_number=caller.number,
            skill=Skill(skill) if skill in {s.value for s in Skill} else None,
            channel=caller.channel,
        )

    @property
    def key(self) -> str:
        """The call key (Linkedid, else the caller channel's unique id)."""
        return self.linkedid or self.uniqueid


@dataclass(frozen=True)
class Joined:
    """The caller entered ``queue`` at ``position``."""

    ref: CallRef
    queue: str
    position: int
    at: datetime


@dataclass(frozen=True)
class Rang:
    """The phone ``interface`` rings for the call."""

    ref: CallRef
    interface: str
    at: datetime


@dataclass(frozen=True)
class Missed:
    """The ringing phone ``interface`` did not answer."""

    ref: CallRef
    interface: str


@dataclass(frozen=True)
class Answered:
    """The agent at ``interface`` took the call after ``hold_s`` seconds in the queue."""

    ref: CallRef
    interface: str
    at: datetime
    hold_s: float
    unlabelled_leg: str = ""  # the agent's leg when it lacks the call's ids (created before they were set)


@dataclass(frozen=True)
class Completed:
    """The conversation ended after ``talk_s``; ``hangup_by``: caller, agent or transfer."""

    ref: CallRef
    interface: str
    at: datetime
    talk_s: float
    hangup_by: str


@dataclass(frozen=True)
class Abandoned:
    """The caller hung up after ``hold_s`` seconds waiting."""

    ref: CallRef
    at: datetime
    hold_s: float


@dataclass(frozen=True)
class Unserved:
    """The caller left the queue without an agent (the dialplan's ``HotlineUnserved``: ``status`` is
    ``QUEUESTATUS``, e.g. TIMEOUT)."""

    ref: CallRef
    at: datetime
    status: str


CallFact = Joined | Rang | Missed | Answered | Completed | Abandoned | Unserved


def call_fact(event: AmiEvent, now: datetime) -> CallFact | None:
    """The fact ``event`` records (``now`` stands in for an event without Asterisk's timestamp)."""
    at = datetime.fromtimestamp(event.at, UTC) if event.at > 0 else now
    match event:
        case QueueCallerJoin(caller=caller, queue=queue, position=position):
            return Joined(CallRef.of(caller), queue, position, at)
        case AgentCalled(caller=caller, interface=interface):
            return Rang(CallRef.of(caller), interface, at)
        case AgentRingNoAnswer(caller=caller, interface=interface):
            return Missed(CallRef.of(caller), interface)
        case AgentConnect(caller=caller, agent_leg=leg, interface=interface, hold_s=hold_s):
            unlabelled = "" if leg.variable("HOTLINE_CALL_ID") else leg.channel
            return Answered(CallRef.of(caller), interface, at, hold_s, unlabelled)
        case AgentComplete(caller=caller, interface=interface, talk_s=talk_s, reason=reason):
            return Completed(CallRef.of(caller), interface, at, talk_s, reason)
        case QueueCallerAbandon(caller=caller, hold_s=hold_s):
            return Abandoned(CallRef.of(caller), at, hold_s)
        case UserEvent(name="HotlineUnserved", headers=headers):
            return Unserved(CallRef.of(CallerSnapshot.of(headers)), at, headers.get("Status"))
    return None


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
