"""Screening the caller's description for an emergency before they wait in a queue (R-SCOPE), pure.

After the description is recorded, the menu asks the glue to read it (``ScreenEmergency``); the answer
(``EmergencyScreened``) names the service (110/119/120/122) or none. The menu then plays the redirect
notice for that service and queues the caller at the front (``QUEUE_PRIO``), so that an agent can hand the
call over at once — or, for an ordinary matter, goes on as before. A failed or slow screen is no emergency
found: the caller is never held up by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.flows.commands import Command, ScreenEmergency
from ivr.flows.events import CommandFailed, EmergencyScreened, Event

PRIORITY_VARIABLE = "QUEUE_PRIO"
"""app_queue's caller priority: a higher one is answered before everyone waiting."""
EMERGENCY_PRIORITY = "10"
EMERGENCY_VARIABLE = "HOTLINE_EMERGENCY"
"""The service the screen found, on the channel (the agent's pop and the call record read it)."""
SERVICES = frozenset({"110", "119", "120", "122"})


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """How the screen ended: ``service`` ``None`` = no emergency found (or it could not tell)."""

    service: str | None


class EmergencyScreen:
    """One screen of one recording (``recording``: the stored recording's name)."""

    def __init__(self, name: str, recording: str) -> None:
        self._request = f"{name}-screen"
        self._recording = recording
        self.result: ScreenResult | None = None

    def start(self) -> list[Command]:
        """Ask the glue to read the recording."""
        return [ScreenEmergency(self._request, self._recording)]

    def handle(self, event: Event) -> ScreenResult | None:
        """The result once the answer came (a service outside 110/119/120/122 counts as none)."""
        if self.result is not None:
            return None
        if isinstance(event, EmergencyScreened) and event.request_id == self._request:
            self.result = ScreenResult(event.service if event.service in SERVICES else None)
        elif isinstance(event, CommandFailed) and event.command_id == self._request:
            self.result = ScreenResult(None)
        return self.result
