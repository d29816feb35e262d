"""The screen pop as a pure state machine: queue events in, messages for one agent's desktop out.

Per call and ringing phone (app_queue may ring several at once)::

    AgentCalled ──▶ OFFERED ──AgentConnect──▶ CONNECTED ──AgentComplete──▶ ENDED
                       │
                       ├─AgentRingNoAnswer──▶ WITHDRAWN (ring_no_answer)
                       ├─QueueCallerAbandon─▶ WITHDRAWN (abandoned)
                       ├─the caller's channel hung up─▶ WITHDRAWN (caller_left: queue timeout…)
                       └─another phone answered─▶ WITHDRAWN (answered_elsewhere)

A call is forgotten (:class:`ForgetCall`) once none of its pops is offered or connected any more.

The **pre-pop** goes out while the phone rings: on the first ``AgentCalled`` of a call the shell is asked
once to :class:`FetchContent` (the draft, the caller's history, knowledge-base answers); when it is there
every phone still ringing (or already connected) gets ``pop.offered`` with it. ``AgentConnect`` sends
``pop.connected`` at once — no database on that path, so it reaches the desktop before the agent says
您好 — and asks to :class:`FollowTranscript` of the call for that agent. Every :class:`Push` goes to the
agent at that phone only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent_bridge.ami.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    Hangup,
    QueueCallerAbandon,
)
from agent_bridge.queue_calls import CallRef

Message = dict[str, Any]


class PopPhase(StrEnum):
    """Where one phone's pop of one call is."""

    OFFERED = "offered"
    CONNECTED = "connected"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class FetchContent:
    """Gather what the desktop shows for the call (then call :meth:`ScreenPops.content_ready`)."""

    key: str
    ref: CallRef


@dataclass(frozen=True)
class Push:
    """Send ``message`` to the agent at phone ``interface``."""

    interface: str
    message: Message


@dataclass(frozen=True)
class FollowTranscript:
    """Forward the call's live transcript to the agent at ``interface``."""

    key: str
    ref: CallRef
    interface: str


@dataclass(frozen=True)
class ForgetCall:
    """Nothing about the call is needed any more (stop forwarding its transcript)."""

    key: str


PopCommand = FetchContent | Push | FollowTranscript | ForgetCall


@dataclass
class _Pop:
    phase: PopPhase
    queue: str
    rang_at: float


@dataclass
class _Call:
    ref: CallRef
    content: Message | None = None
    pops: dict[str, _Pop] = field(default_factory=dict)


class ScreenPops:
    """Every call being offered or talked about right now."""

    def __init__(self) -> None:
        self._calls: dict[str, _Call] = {}

    @property
    def calls(self) -> int:
        """Calls with a pop that is not over."""
        return len(self._calls)

    def phase(self, key: str, interface: str) -> PopPhase | None:
        """One pop's phase (``None``: no such pop, or the call is forgotten)."""
        call = self._calls.get(key)
        pop = call.pops.get(interface) if call else None
        return pop.phase if pop else None

    def handle(self, event: AmiEvent) -> list[PopCommand]:
        """Advance on a queue event; returns what to do, in order."""
        match event:
            case AgentCalled(caller=caller, interface=interface, queue=queue, at=at):
                return self._called(CallRef.of(caller), interface, queue, at)
            case AgentConnect(caller=caller, interface=interface, hold_s=hold_s, at=at):
                return self._connected(CallRef.of(caller), interface, hold_s, at)
            case AgentRingNoAnswer(caller=caller, interface=interface):
                return self._withdraw(CallRef.of(caller).key, [interface], "ring_no_answer")
            case QueueCallerAbandon(caller=caller):
                key = CallRef.of(caller).key
                call = self._calls.get(key)
                ringing = [i for i, p in call.pops.items() if p.phase is PopPhase.OFFERED] if call else []
                return self._withdraw(key, ringing, "abandoned") + self._forget_if_over(key)
            case AgentComplete(caller=caller, interface=interface, talk_s=talk_s, reason=reason):
                return self._ended(CallRef.of(caller).key, interface, talk_s, reason)
            case Hangup(channel=channel):
                return self._hung_up(channel.linkedid or channel.uniqueid, channel.uniqueid)
        return []

    def content_ready(self, key: str, content: Message) -> list[PopCommand]:
        """The content :class:`FetchContent` asked for: offered to every phone still in the call."""
        call = self._calls.get(key)
        if call is None or call.content is not None:
            return []
        call.content = content
        return [
            Push(interface, self._offered(key, call, pop))
            for interface, pop in call.pops.items()
            if pop.phase in (PopPhase.OFFERED, PopPhase.CONNECTED)
        ]

    # -- transitions -----------------------------------------------------------------------------------

    def _called(self, ref: CallRef, interface: str, queue: str, at: float) -> list[PopCommand]:
        key = ref.key
        out: list[PopCommand] = []
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = _Call(ref)
            out.append(FetchContent(key, ref))
        pop = call.pops.get(interface)
        if pop is not None and pop.phase in (PopPhase.OFFERED, PopPhase.CONNECTED):
            return out  # the same ring reported twice
        pop = call.pops[interface] = _Pop(PopPhase.OFFERED, queue, at)
        if call.content is not None:
            out.append(Push(interface, self._offered(key, call, pop)))
        return out

    def _connected(self, ref: CallRef, interface: str, hold_s: float, at: float) -> list[PopCommand]:
        key = ref.key
        call = self._calls.get(key)
        out: list[PopCommand] = []
        if call is None:  # no AgentCalled seen (we were reconnecting): pop from here
            call = self._calls[key] = _Call(ref)
            out.append(FetchContent(key, ref))
        pop = call.pops.get(interface)
        if pop is not None and pop.phase is PopPhase.CONNECTED:
            return out
        if pop is None:
            pop = call.pops[interface] = _Pop(PopPhase.CONNECTED, "", at)
        pop.phase = PopPhase.CONNECTED
        out.append(
            Push(interface, {"type": "pop.connected", "call_key": key, "asterisk_at": at, "hold_s": hold_s})
        )
        out.append(FollowTranscript(key, call.ref, interface))
        others = [i for i, p in call.pops.items() if i != interface and p.phase is PopPhase.OFFERED]
        return out + self._withdraw(key, others, "answered_elsewhere")

    def _withdraw(self, key: str, interfaces: list[str], reason: str) -> list[PopCommand]:
        call = self._calls.get(key)
        if call is None:
            return []
        out: list[PopCommand] = []
        for interface in interfaces:
            pop = call.pops.get(interface)
            if pop is None or pop.phase is not PopPhase.OFFERED:
                continue
            pop.phase = PopPhase.WITHDRAWN
            out.append(Push(interface, {"type": "pop.withdrawn", "call_key": key, "reason": reason}))
        return out

    def _ended(self, key: str, interface: str, talk_s: float, reason: str) -> list[PopCommand]:
        call = self._calls.get(key)
        pop = call.pops.get(interface) if call else None
        if call is None or pop is None or pop.phase is not PopPhase.CONNECTED:
            return []
        pop.phase = PopPhase.ENDED
        message = {"type": "pop.ended", "call_key": key, "talk_s": talk_s, "hangup_by": reason}
        return [Push(interface, message), *self._forget_if_over(key)]

    def _hung_up(self, key: str, uniqueid: str) -> list[PopCommand]:
        """The caller's channel hung up: phones still ringing for it stop (queue timeout, caller gone)."""
        call = self._calls.get(key)
        if call is None or call.ref.uniqueid != uniqueid:
            return []
        ringing = [i for i, p in call.pops.items() if p.phase is PopPhase.OFFERED]
        return self._withdraw(key, ringing, "caller_left") + self._forget_if_over(key)

    def _forget_if_over(self, key: str) -> list[PopCommand]:
        call = self._calls.get(key)
        if call is None or any(p.phase in (PopPhase.OFFERED, PopPhase.CONNECTED) for p in call.pops.values()):
            return []
        del self._calls[key]
        return [ForgetCall(key)]

    @staticmethod
    def _offered(key: str, call: _Call, pop: _Pop) -> Message:
        return {
            "type": "pop.offered",
            "call_key": key,
            "queue": pop.queue,
            "rang_at": pop.rang_at,
            "caller_number": call.ref.caller_number,
            **(call.content or {}),
        }
