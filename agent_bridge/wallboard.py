"""The supervisor's wallboard as a pure model: queue events and presence in, a snapshot out.

Per queue: the callers waiting (and the longest wait), today's offered, answered, answered within the
service-level window (the seed's 转人工 < 20 s), abandoned; per agent: logged out, ready, ringing, busy,
paused (with the reason and since when) or in 后处理. Today's figures restart at Shanghai midnight and are
seeded, after every (re)connect, from the stored call rows (:meth:`Wallboard.seed_today`), so the board
and the statistics module count the same calls; between reconnects the events move them.

Definitions (as ``ticketing.statistics.rates``): offered = entered a queue; service level = answered
within ``service_level_s`` ÷ offered; abandon rate = abandoned in the queue ÷ offered.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent_bridge.ami.events import (
    DEVICE_BUSY,
    DEVICE_INUSE,
    DEVICE_ONHOLD,
    DEVICE_RINGING,
    DEVICE_RINGINUSE,
    DEVICE_UNAVAILABLE,
    AgentConnect,
    AmiEvent,
    Member,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueMemberAdded,
    QueueMemberPause,
    QueueMemberRemoved,
    QueueMemberStatus,
)
from agent_bridge.queue_calls import CallRef
from ticketing.agents.service import AgentView
from ticketing.agents.vocabulary import AgentStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
SERVICE_LEVEL_S = 20.0
WAIT_SERIES = 60  # answered calls kept for the waiting-time chart
_BUSY = {DEVICE_INUSE, DEVICE_BUSY, DEVICE_ONHOLD, DEVICE_RINGINUSE}


@dataclass
class QueueFigures:
    """Today's numbers of one queue."""

    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0


@dataclass(frozen=True)
class Waiting:
    """A caller waiting in a queue since ``since`` (Unix time)."""

    key: str
    caller_number: str
    since: float


@dataclass
class _Queue:
    waiting: dict[str, Waiting] = field(default_factory=dict)
    today: QueueFigures = field(default_factory=QueueFigures)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Wallboard:
    """What the wallboard shows, kept current by :meth:`handle`."""

    def __init__(self, queues: list[str], *, service_level_s: float = SERVICE_LEVEL_S) -> None:
        self.service_level_s = service_level_s
        self._queues = {name: _Queue() for name in queues}
        self._members: dict[tuple[str, str], Member] = {}
        self._agents: dict[str, AgentView] = {}
        self._waits: deque[tuple[float, float]] = deque(maxlen=WAIT_SERIES)
        self._day: date | None = None

    # -- inputs ----------------------------------------------------------------------------------------

    def seed_today(
        self, day: date, figures: dict[str, QueueFigures], waits: list[tuple[float, float]]
    ) -> None:
        """Today's figures per queue from the stored calls (after a (re)connect)."""
        self._day = day
        for name, queue in self._queues.items():
            queue.today = figures.get(name, QueueFigures())
        self._waits.clear()
        self._waits.extend(waits[-WAIT_SERIES:])

    def reset_live(self, members: list[Member], waiting: dict[str, list[Waiting]]) -> None:
        """Members and waiting callers as QueueStatus says now (after a (re)connect)."""
        self._members = {(m.interface, m.queue): m for m in members}
        for name, queue in self._queues.items():
            queue.waiting = {w.key: w for w in waiting.get(name, [])}

    def set_agents(self, agents: list[AgentView]) -> None:
        """The agents and their presence as the hotline has them."""
        self._agents = {a.interface: a for a in agents}

    def agent_changed(self, agent: AgentView) -> None:
        """One agent's presence changed."""
        self._agents[agent.interface] = agent

    def handle(self, event: AmiEvent) -> bool:
        """Take a queue event; ``True`` when the board changed."""
        self._roll(event.at)
        match event:
            case QueueCallerJoin(caller=caller, queue=queue, at=at) if queue in self._queues:
                ref = CallRef.of(caller)
                self._queues[queue].waiting[ref.key] = Waiting(ref.key, ref.caller_number, at)
                self._queues[queue].today.offered += 1
                return True
            case QueueCallerLeave(caller=caller, queue=queue) if queue in self._queues:
                return self._queues[queue].waiting.pop(CallRef.of(caller).key, None) is not None
            case QueueCallerAbandon(caller=caller, queue=queue) if queue in self._queues:
                self._queues[queue].waiting.pop(CallRef.of(caller).key, None)
                self._queues[queue].today.abandoned += 1
                return True
            case AgentConnect(queue=queue, hold_s=hold_s, at=at) if queue in self._queues:
                today = self._queues[queue].today
                today.answered += 1
                today.answered_in_time += hold_s <= self.service_level_s
                self._waits.append((at, hold_s))
                return True
            case (
                QueueMemberAdded(member=member)
                | QueueMemberStatus(member=member)
                | QueueMemberPause(member=member)
            ):
                self._members[(member.interface, member.queue)] = member
                return True
            case QueueMemberRemoved(member=member):
                return self._members.pop((member.interface, member.queue), None) is not None
        return False

    def _roll(self, at: float) -> None:
        if at <= 0:
            return
        day = datetime.fromtimestamp(at, SHANGHAI).date()
        if self._day is not None and day != self._day:
            for queue in self._queues.values():
                queue.today = QueueFigures()
            self._waits.clear()
        self._day = day

    # -- output ----------------------------------------------------------------------------------------

    def agent_state(self, agent: AgentView) -> str:
        """``logged_out``, ``paused``, ``wrap_up``, ``ringing``, ``busy`` or ``ready``."""
        members = [m for (interface, _), m in self._members.items() if interface == agent.interface]
        if not members or not agent.status.logged_in:
            return AgentStatus.LOGGED_OUT.value
        if any(m.status == DEVICE_RINGING for m in members):
            return "ringing"
        if any(m.in_call or m.status in _BUSY for m in members):
            return "busy"
        if agent.status in (AgentStatus.PAUSED, AgentStatus.WRAP_UP):
            return agent.status.value
        if all(m.status == DEVICE_UNAVAILABLE for m in members):
            return "unavailable"  # logged in, but the phone is not registered
        return AgentStatus.READY.value

    def snapshot(self, now: float) -> dict[str, Any]:
        """The board as JSON-ready data."""
        queues = []
        totals = QueueFigures()
        for name, queue in self._queues.items():
            t = queue.today
            longest = max((now - w.since for w in queue.waiting.values()), default=0.0)
            queues.append(
                {
                    "queue": name,
                    "waiting": len(queue.waiting),
                    "longest_wait_s": round(max(longest, 0.0), 1),
                    "offered": t.offered,
                    "answered": t.answered,
                    "abandoned": t.abandoned,
                    "service_level": _ratio(t.answered_in_time, t.offered),
                    "abandon_rate": _ratio(t.abandoned, t.offered),
                }
            )
            totals.offered += t.offered
            totals.answered += t.answered
            totals.answered_in_time += t.answered_in_time
            totals.abandoned += t.abandoned
        agents = [
            {
                "name": a.display_name or a.username,
                "extension": a.extension,
                "state": (state := self.agent_state(a)),
                "reason": a.pause_reason.value if a.pause_reason and state in ("paused", "wrap_up") else None,
                "since": a.status_since.isoformat(),
            }
            for a in sorted(self._agents.values(), key=lambda a: a.extension)
        ]
        counts: dict[str, int] = {}
        for agent in agents:
            state = str(agent["state"])
            counts[state] = counts.get(state, 0) + 1
        return {
            "type": "wallboard",
            "at": now,
            "service_level_s": self.service_level_s,
            "queues": queues,
            "total": {
                "waiting": sum(q["waiting"] for q in queues),
                "offered": totals.offered,
                "answered": totals.answered,
                "abandoned": totals.abandoned,
                "service_level": _ratio(totals.answered_in_time, totals.offered),
                "abandon_rate": _ratio(totals.abandoned, totals.offered),
            },
            "agents": agents,
            "agent_counts": counts,
            "waits": [{"at": at, "wait_s": round(w, 1)} for at, w in self._waits],
        }
