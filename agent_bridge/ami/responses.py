"""Which messages answer which action, and when an answer is complete. Pure.

A :class:`PendingAction` takes the messages that carry its ``ActionID``, in arrival order:

- the first is the ``Response``; ``Error`` completes the action as failed, at once — also for a list
  action (panoramisk 1.4 would wait for a list that never comes);
- a single-answer action is complete with its ``Success`` (``Follows``/``Goodbye`` too);
- a list action (:attr:`~agent_bridge.ami.actions.Action.list_response`) collects the events that follow
  until one whose name ends in ``Complete`` (or that says ``EventList: Complete``).

Events that carry an ``ActionID`` nobody waits for any more (e.g. ``OriginateResponse``, which arrives
after the ``Success`` of an asynchronous originate) are ordinary events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from agent_bridge.ami.actions import Action
from agent_bridge.ami.messages import AmiMessage

SUCCESS = frozenset({"success", "follows", "goodbye"})


class Outcome(StrEnum):
    """Where an action's answer is."""

    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


@dataclass
class PendingAction:
    """The answer to one action so far."""

    action: Action
    action_id: str
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)
    outcome: Outcome = Outcome.WAITING

    @property
    def message(self) -> str:
        """Asterisk's ``Message`` header of the response (why it failed, or what it did)."""
        return self.response.get("Message") if self.response is not None else ""

    def feed(self, message: AmiMessage) -> Outcome:
        """Take one message with this action's ``ActionID``; returns the outcome after it."""
        if self.outcome is not Outcome.WAITING:
            return self.outcome
        if self.response is None:
            if message.response is None:
                return self.outcome  # an event before the response: not ours (cannot happen on AMI)
            self.response = message
            if message.response.lower() not in SUCCESS:
                self.outcome = Outcome.FAILED
            elif not self.action.list_response or _ends_list(message):
                self.outcome = Outcome.DONE
            return self.outcome
        if message.event is None:
            return self.outcome
        if _ends_list(message):
            self.outcome = Outcome.DONE
        else:
            self.events.append(message)
        return self.outcome


def _ends_list(message: AmiMessage) -> bool:
    name = message.event or ""
    return name.endswith("Complete") or message.get("EventList").lower() == "complete"
