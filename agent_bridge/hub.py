"""Pushing to desktops and wallboards: one outbox per open WebSocket, addressed by agent (user id) or to
every wallboard. Publishing never blocks and never waits for a socket; a desktop too slow to read its
outbox (``MAX_QUEUED`` messages behind) is disconnected rather than fed stale pops — it reconnects and
asks for the current state."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)

MAX_QUEUED = 256
Message = dict[str, Any]


class Outbox:
    """What one WebSocket has still to send; iterate to get the messages (ends when closed)."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue(MAX_QUEUED)
        self.closed = False

    def put(self, message: Message) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("a desktop fell %d messages behind; disconnecting it", MAX_QUEUED)
            self.close()

    def pending(self) -> list[Message]:
        """Take what is queued now, without waiting."""
        out: list[Message] = []
        while not self._queue.empty():
            message = self._queue.get_nowait()
            if message is not None:
                out.append(message)
        return out

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[Message]:
        while (message := await self._queue.get()) is not None:
            yield message


class Hub:
    """The open WebSockets of one process."""

    def __init__(self) -> None:
        self._agents: dict[uuid.UUID, set[Outbox]] = {}
        self._boards: set[Outbox] = set()

    def open_agent(self, user_id: uuid.UUID) -> Outbox:
        """A desktop of agent ``user_id`` connected."""
        box = Outbox()
        self._agents.setdefault(user_id, set()).add(box)
        return box

    def open_board(self) -> Outbox:
        """A wallboard connected."""
        box = Outbox()
        self._boards.add(box)
        return box

    def close(self, box: Outbox) -> None:
        """A socket went away."""
        box.close()
        self._boards.discard(box)
        for boxes in self._agents.values():
            boxes.discard(box)

    def to_agent(self, user_id: uuid.UUID, message: Message) -> int:
        """Send to every desktop of ``user_id`` (only theirs); returns how many got it."""
        boxes = [b for b in self._agents.get(user_id, ()) if not b.closed]
        for box in boxes:
            box.put(message)
        return len(boxes)

    def to_boards(self, message: Message) -> None:
        """Send to every wallboard."""
        for box in list(self._boards):
            box.put(message)

    def agents_online(self) -> set[uuid.UUID]:
        """Agents with a desktop connected."""
        return {user for user, boxes in self._agents.items() if any(not b.closed for b in boxes)}
