"""What live transcription needs from the telephony side: a source of one channel's audio.

Structural types only (:class:`typing.Protocol`): ``asr`` never imports the telephony packages. The IVR's
audio taps (``ivr.media.taps.AudioTaps``) are such a source; the composition root hands one over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Protocol, Self

FEED_RATE = 16_000
"""Sample rate of the frames an :class:`AudioFeed` yields: 16-bit little-endian mono PCM."""


class AudioFeed(Protocol):
    """One channel's audio, used as ``async with``: set up on entry, torn down on exit.

    Entering never raises for what the telephony side does: a feed that could not be set up (or whose
    channel is already gone) is not ``opened``, says why in ``end_reason``, and yields no frames.
    """

    @property
    def opened(self) -> bool:
        """Audio flows (the set-up finished)."""
        ...

    @property
    def end_reason(self) -> str:
        """Why the frames stopped (``hangup``, ``gone``, ``failed``, ``closed``, ``shutdown``…)."""
        ...

    def close(self, reason: str = ...) -> None:
        """End the frames; harmless when already ended."""
        ...

    def frames(self, batch_bytes: int, *, drain_s: float = ...) -> AsyncIterator[bytes]:
        """PCM chunks until the feed ends (see the telephony side for the details)."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class AudioSource(Protocol):
    """Where feeds come from."""

    def tap(self, channel_id: str, *, name: str, max_queued: int = ...) -> AudioFeed:
        """A feed of ``channel_id``'s audio; ``name`` tags its resources, ``max_queued`` bounds the
        chunks waiting for the consumer."""
        ...
