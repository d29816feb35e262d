"""The internal stream of live transcription events: asyncio publish/subscribe keyed by call id.

Publishers (:mod:`asr.live.transcriber`) never block: every subscriber has a bounded queue. When a slow
subscriber's queue is full, a new :class:`LivePartial` is dropped (the next one supersedes it anyway); a
:class:`LiveFinal` or :class:`LiveEnded` is never dropped — the oldest queued partial makes room for it,
and if only finals are queued the queue grows past its bound (finals are one per utterance, so that stays
small). Drops are counted per subscription.

One bus belongs to one event loop; publish and subscribe from that loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

DEFAULT_MAX_QUEUE = 64


@dataclass(frozen=True)
class LivePartial:
    """The running guess for the utterance in progress.

    ``audio_s``: seconds of call audio fed when it was produced; ``at``: the loop's clock at that moment.
    """

    call_id: uuid.UUID
    text: str
    audio_s: float
    at: float


@dataclass(frozen=True)
class LiveFinal:
    """A finished utterance with its span in the call audio (seconds from the start of the stream)."""

    call_id: uuid.UUID
    text: str
    start_s: float
    end_s: float
    audio_s: float
    at: float
    words: tuple[dict[str, Any], ...] = ()

    def to_segment(self) -> dict[str, Any]:
        """JSON-ready form stored on the call (``calls.live_segments``)."""
        return {
            "text": self.text,
            "start": round(self.start_s, 2),
            "end": round(self.end_s, 2),
            "words": list(self.words),
        }


@dataclass(frozen=True)
class LiveEnded:
    """The call's stream ended; ``text`` is the whole transcript; no more events for this call."""

    call_id: uuid.UUID
    text: str
    audio_s: float
    at: float
    reason: str = "hangup"


LiveEvent = LivePartial | LiveFinal | LiveEnded


@dataclass
class Subscription:
    """One subscriber's queue: ``async for event in subscription`` until it is closed.

    Subscribed to one call it also ends after that call's :class:`LiveEnded`.
    """

    bus: TranscriptBus
    call_id: uuid.UUID | None
    max_queue: int
    dropped_partials: int = 0
    _items: deque[LiveEvent] = field(default_factory=deque)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False

    def offer(self, event: LiveEvent) -> None:
        """Queue ``event`` without blocking (the drop policy is in the module docstring)."""
        if self._closed:
            return
        if len(self._items) >= self.max_queue:
            if isinstance(event, LivePartial):
                self.dropped_partials += 1
                return
            for index, queued in enumerate(self._items):
                if isinstance(queued, LivePartial):
                    del self._items[index]
                    self.dropped_partials += 1
                    break
        self._items.append(event)
        self._ready.set()
        if self.call_id is not None and isinstance(event, LiveEnded):
            self.close()  # nothing follows the end of the call; what is queued can still be read

    def pending(self) -> int:
        """Events queued and not yet taken."""
        return len(self._items)

    async def get(self) -> LiveEvent:
        """The next event; raises :class:`StopAsyncIteration` once closed and drained."""
        while not self._items:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def close(self) -> None:
        """Stop receiving; queued events can still be read."""
        if not self._closed:
            self._closed = True
            self.bus._remove(self)
            self._ready.set()

    def __aiter__(self) -> AsyncIterator[LiveEvent]:
        return self

    async def __anext__(self) -> LiveEvent:
        return await self.get()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class TranscriptBus:
    """Publish live transcription events; subscribe to one call or (``call_id=None``) to all calls."""

    def __init__(self, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be >= 1")
        self.max_queue = max_queue
        self._by_call: dict[uuid.UUID | None, list[Subscription]] = {}

    def subscribe(self, call_id: uuid.UUID | None = None, *, max_queue: int | None = None) -> Subscription:
        """A new subscription (close it, or use ``async with``)."""
        sub = Subscription(self, call_id, max_queue or self.max_queue)
        self._by_call.setdefault(call_id, []).append(sub)
        return sub

    def publish(self, event: LiveEvent) -> None:
        """Hand ``event`` to the subscribers of its call and to those of all calls; never blocks."""
        for key in (event.call_id, None):
            for sub in list(self._by_call.get(key, ())):
                sub.offer(event)

    def subscribers(self, call_id: uuid.UUID | None = None) -> int:
        """How many subscriptions listen to ``call_id`` (``None``: to all calls)."""
        return len(self._by_call.get(call_id, ()))

    def _remove(self, sub: Subscription) -> None:
        subs = self._by_call.get(sub.call_id)
        if subs is not None and sub in subs:
            subs.remove(sub)
            if not subs:
                del self._by_call[sub.call_id]
