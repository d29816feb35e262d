"""Typed AMI events the hotline acts on, parsed from :class:`~agent_bridge.ami.messages.AmiMessage`. Pure.

Verified on Asterisk 22 (transcripts in ``tests/fixtures/ami``):

- queue events carry the caller's channel snapshot (``Channel``, ``Uniqueid``, ``Linkedid``,
  ``CallerIDNum``, the ``ChanVariable`` list of ``manager.conf`` ``channelvars``); ``AgentCalled``,
  ``AgentConnect`` and ``AgentComplete`` also carry the member's (``Dest…``);
- ``Timestamp`` (``timestampevents = yes``) is the Unix time at which Asterisk raised the event;
- ``HoldTime``/``TalkTime``/``RingTime`` of ``AgentConnect``/``AgentComplete`` and ``QueueCallerAbandon``
  are seconds, but ``AgentRingNoAnswer``'s ``RingTime`` is **milliseconds**;
- a ``QueueMember`` (a QueueStatus list item) names the member ``Name`` and ``Location`` where the
  member events say ``MemberName`` and ``Interface``;
- ``Status`` of a member is app_queue's device state: 1 not in use, 2 in use, 3 busy, 5 unavailable,
  6 ringing, 7 ring in use, 8 on hold (0 unknown, 4 invalid).

The call key is ``Linkedid``: the unique id of the oldest channel of the call (the caller's), the same
on the caller's and the agent's legs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent_bridge.ami.messages import AmiMessage

RING_NO_ANSWER_MS_PER_S = 1000.0

# app_queue member device states (AST_DEVICE_*)
DEVICE_NOT_INUSE, DEVICE_INUSE, DEVICE_BUSY, DEVICE_UNAVAILABLE = 1, 2, 3, 5
DEVICE_RINGING, DEVICE_RINGINUSE, DEVICE_ONHOLD = 6, 7, 8


@dataclass(frozen=True)
class CallerSnapshot:
    """The caller's channel as a queue event shows it."""

    channel: str
    uniqueid: str
    linkedid: str
    number: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, m: AmiMessage, prefix: str = "") -> CallerSnapshot:
        """The snapshot of ``m`` (``prefix="Dest"`` for the member's leg)."""
        return cls(
            channel=m.get(f"{prefix}Channel"),
            uniqueid=m.get(f"{prefix}Uniqueid"),
            linkedid=m.get(f"{prefix}Linkedid") or m.get(f"{prefix}Uniqueid"),
            number=m.text(f"{prefix}CallerIDNum"),
            name=m.text(f"{prefix}CallerIDName"),
            variables=m.variables(f"{prefix}ChanVariable"),
        )

    def variable(self, name: str) -> str | None:
        """A channel variable, ``None`` when unset or empty."""
        return self.variables.get(name) or None


@dataclass(frozen=True)
class AmiEvent:
    """Base of the typed events; ``at`` is Asterisk's timestamp (0.0 when it sent none)."""

    at: float


@dataclass(frozen=True)
class QueueCallerJoin(AmiEvent):
    """A caller entered ``queue`` at ``position`` (``count`` callers waiting now)."""

    caller: CallerSnapshot
    queue: str
    position: int
    count: int


@dataclass(frozen=True)
class QueueCallerLeave(AmiEvent):
    """A caller left ``queue`` (answered, abandoned, timed out…)."""

    caller: CallerSnapshot
    queue: str
    position: int
    count: int


@dataclass(frozen=True)
class QueueCallerAbandon(AmiEvent):
    """A caller hung up while waiting in ``queue``, after ``hold_s`` seconds."""

    caller: CallerSnapshot
    queue: str
    position: int
    original_position: int
    hold_s: float


@dataclass(frozen=True)
class AgentEvent(AmiEvent):
    """An event about one queue member and one caller: both channel snapshots."""

    caller: CallerSnapshot
    agent_leg: CallerSnapshot
    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True)
class AgentCalled(AgentEvent):
    """``member_name``'s phone (``interface``) rings for a caller of ``queue``."""


@dataclass(frozen=True)
class AgentConnect(AgentEvent):
    """The agent answered: the caller waited ``hold_s``, the phone rang ``ring_s``."""

    hold_s: float
    ring_s: float


@dataclass(frozen=True)
class AgentComplete(AgentEvent):
    """The conversation ended after ``talk_s``; ``reason``: ``caller``, ``agent`` or ``transfer``."""

    hold_s: float
    talk_s: float
    reason: str


@dataclass(frozen=True)
class AgentRingNoAnswer(AgentEvent):
    """The agent's phone rang ``ring_s`` without an answer (the queue tries again)."""

    ring_s: float


@dataclass(frozen=True)
class AgentDump(AmiEvent):
    """The agent hung up while the caller was being announced to them."""

    caller: CallerSnapshot
    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True)
class Member:
    """A queue member as ``QueueMember*`` events and QueueStatus describe it."""

    queue: str
    interface: str
    name: str
    state_interface: str
    status: int
    paused: bool
    paused_reason: str
    in_call: bool
    calls_taken: int
    last_call: float
    login_time: float
    last_pause: float

    @classmethod
    def of(cls, m: AmiMessage) -> Member:
        """From a member event or a ``QueueMember`` list item (which says ``Name``/``Location``)."""
        return cls(
            queue=m.get("Queue"),
            interface=m.get("Interface") or m.get("Location"),
            name=m.get("MemberName") or m.get("Name"),
            state_interface=m.get("StateInterface"),
            status=m.integer("Status"),
            paused=m.flag("Paused"),
            paused_reason=m.get("PausedReason"),
            in_call=m.flag("InCall"),
            calls_taken=m.integer("CallsTaken"),
            last_call=m.number("LastCall"),
            login_time=m.number("LoginTime"),
            last_pause=m.number("LastPause"),
        )


@dataclass(frozen=True)
class QueueMemberAdded(AmiEvent):
    """A member joined a queue."""

    member: Member


@dataclass(frozen=True)
class QueueMemberRemoved(AmiEvent):
    """A member left a queue."""

    member: Member


@dataclass(frozen=True)
class QueueMemberPause(AmiEvent):
    """A member was paused or unpaused (``member.paused_reason`` is the reason given)."""

    member: Member


@dataclass(frozen=True)
class QueueMemberStatus(AmiEvent):
    """A member's device state changed."""

    member: Member


@dataclass(frozen=True)
class Hangup(AmiEvent):
    """A channel hung up (``cause``: Q.850)."""

    channel: CallerSnapshot
    cause: int
    cause_text: str


@dataclass(frozen=True)
class UserEvent(AmiEvent):
    """A ``UserEvent()`` of the dialplan (``HotlineUnserved``, ``HotlineSurveyFailed``…)."""

    name: str
    headers: AmiMessage


@dataclass(frozen=True)
class OriginateResponse(AmiEvent):
    """The outcome of an asynchronous ``Originate`` (``reason``: 4 answered, 1 hung up, 3 no answer,
    5 busy, 8 congestion, 0 failed)."""

    action_id: str
    success: bool
    reason: int
    channel: str
    uniqueid: str


@dataclass(frozen=True)
class FullyBooted(AmiEvent):
    """Asterisk finished starting (sent to every new session)."""


@dataclass(frozen=True)
class OtherEvent(AmiEvent):
    """Any event the hotline does not model (kept for logs and debugging)."""

    name: str
    message: AmiMessage


def parse_event(m: AmiMessage) -> AmiEvent:
    """The typed event of ``m`` (an event message); unknown names give :class:`OtherEvent`."""
    name = m.event or ""
    at = m.number("Timestamp")
    parser = _PARSERS.get(name.lower())
    return parser(m, at) if parser is not None else OtherEvent(at, name, m)


def _agent(m: AmiMessage, at: float) -> tuple[float, CallerSnapshot, CallerSnapshot, str, str, str]:
    """The fields every :class:`AgentEvent` has, in order."""
    leg = CallerSnapshot.of(m, "Dest")
    return at, CallerSnapshot.of(m), leg, m.get("Queue"), m.get("Interface"), m.get("MemberName")


def _join(m: AmiMessage, at: float) -> AmiEvent:
    return QueueCallerJoin(
        at, CallerSnapshot.of(m), m.get("Queue"), m.integer("Position"), m.integer("Count")
    )


def _leave(m: AmiMessage, at: float) -> AmiEvent:
    return QueueCallerLeave(
        at, CallerSnapshot.of(m), m.get("Queue"), m.integer("Position"), m.integer("Count")
    )


def _abandon(m: AmiMessage, at: float) -> AmiEvent:
    return QueueCallerAbandon(
        at, CallerSnapshot.of(m), m.get("Queue"), m.integer("Position"), m.integer("OriginalPosition"),
        m.number("HoldTime"),
    )  # fmt: skip


def _called(m: AmiMessage, at: float) -> AmiEvent:
    return AgentCalled(*_agent(m, at))


def _connect(m: AmiMessage, at: float) -> AmiEvent:
    return AgentConnect(*_agent(m, at), m.number("HoldTime"), m.number("RingTime"))


def _complete(m: AmiMessage, at: float) -> AmiEvent:
    return AgentComplete(*_agent(m, at), m.number("HoldTime"), m.number("TalkTime"), m.get("Reason"))


def _ring_no_answer(m: AmiMessage, at: float) -> AmiEvent:
    ring_s = m.number("RingTime") / RING_NO_ANSWER_MS_PER_S
    return AgentRingNoAnswer(*_agent(m, at), ring_s)


def _dump(m: AmiMessage, at: float) -> AmiEvent:
    return AgentDump(at, CallerSnapshot.of(m), m.get("Queue"), m.get("Interface"), m.get("MemberName"))


def _hangup(m: AmiMessage, at: float) -> AmiEvent:
    return Hangup(at, CallerSnapshot.of(m), m.integer("Cause"), m.get("Cause-txt"))


def _user(m: AmiMessage, at: float) -> AmiEvent:
    return UserEvent(at, m.get("UserEvent"), m)


def _originate(m: AmiMessage, at: float) -> AmiEvent:
    return OriginateResponse(
        at, m.get("ActionID"), m.get("Response").lower() == "success", m.integer("Reason"), m.get("Channel"),
        m.get("Uniqueid"),
    )  # fmt: skip


_PARSERS: dict[str, Callable[[AmiMessage, float], AmiEvent]] = {
    "queuecallerjoin": _join,
    "queuecallerleave": _leave,
    "queuecallerabandon": _abandon,
    "agentcalled": _called,
    "agentconnect": _connect,
    "agentcomplete": _complete,
    "agentringnoanswer": _ring_no_answer,
    "agentdump": _dump,
    "queuememberadded": lambda m, at: QueueMemberAdded(at, Member.of(m)),
    "queuememberremoved": lambda m, at: QueueMemberRemoved(at, Member.of(m)),
    "queuememberpause": lambda m, at: QueueMemberPause(at, Member.of(m)),
    "queuememberstatus": lambda m, at: QueueMemberStatus(at, Member.of(m)),
    "hangup": _hangup,
    "userevent": _user,
    "originateresponse": _originate,
    "fullybooted": lambda m, at: FullyBooted(at),
}
