"""What Asterisk's queues must be told so that their members match the agents' presence. Pure.

The hotline's database says what each agent should be (:class:`~ticketing.agents.vocabulary.AgentStatus`);
app_queue says what its members are (``QueueStatus``). :func:`reconcile` compares the two and returns the
actions that make Asterisk agree — after every (re)connect, after either side restarted, and for one
agent when it logs in, pauses or logs out:

- an agent logged in is a member of the queue of every skill, named by its ``MemberName`` (the agent's
  name, so that queue logs and the wallboard show people, not phones), with ``StateInterface`` the phone;
- paused (小休/培训/会议) and 后处理 are ``Paused`` with that ``Reason``; ready is unpaused;
- an agent phone we manage that is a member where it should not be (logged out, a skill taken away) is
  removed. Members that are not our agents' phones are left alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from agent_bridge.ami import actions
from agent_bridge.ami.actions import Action
from agent_bridge.ami.events import Member
from ticketing.agents.service import AgentView
from ticketing.agents.vocabulary import AgentStatus
from ticketing.calls.vocabulary import Skill


@dataclass(frozen=True)
class Wanted:
    """How one agent's phone should be in the queues."""

    interface: str
    member_name: str
    queues: frozenset[str]
    paused: bool
    reason: str | None


def wanted(agent: AgentView, queue_of: Mapping[Skill, str]) -> Wanted | None:
    """The queue memberships ``agent`` should have (``None``: none, it is logged out)."""
    if not agent.status.logged_in:
        return None
    paused = agent.status in (AgentStatus.PAUSED, AgentStatus.WRAP_UP)
    return Wanted(
        interface=agent.interface,
        member_name=agent.display_name or agent.username,
        queues=frozenset(queue_of[skill] for skill in agent.skills if skill in queue_of),
        paused=paused,
        reason=agent.pause_reason.value if paused and agent.pause_reason else None,
    )


def reconcile(wants: Iterable[Wanted], members: Iterable[Member], managed: Collection[str]) -> list[Action]:
    """The actions that turn ``members`` (QueueStatus) into ``wants``; ``managed``: every agent phone's
    interface (members on other interfaces are not ours to touch)."""
    by_interface = {w.interface: w for w in wants}
    present: dict[tuple[str, str], Member] = {(m.interface, m.queue): m for m in members}
    out: list[Action] = []
    for want in by_interface.values():
        for queue in sorted(want.queues):
            member = present.get((want.interface, queue))
            if member is None:
                out.append(
                    actions.queue_add(
                        queue,
                        want.interface,
                        member_name=want.member_name,
                        state_interface=want.interface,
                        paused=want.paused,
                        reason=want.reason,
                    )
                )
            elif member.paused != want.paused or (
                want.paused and member.paused_reason != (want.reason or "")
            ):
                out.append(actions.queue_pause(want.interface, want.paused, queue=queue, reason=want.reason))
    for (interface, queue), _member in sorted(present.items()):
        if interface not in managed:
            continue
        wanted_here = by_interface.get(interface)
        if wanted_here is None or queue not in wanted_here.queues:
            out.append(actions.queue_remove(queue, interface))
    return out
