"""Live transcription of calls (the shell around :mod:`asr.live.transcript`).

For one call (:meth:`LiveTranscriber.start_call`, normally when the IVR hands the caller to a queue):

1. a Vosk :class:`~asr.engine.Stream` is opened at 16 kHz;
2. the caller's audio comes from an :class:`~asr.live.ports.AudioSource` (in production the IVR's audio
   taps: snoop + externalMedia + mixing bridge) as little-endian PCM frames;
3. the frames are fed to the stream on the engine's thread pool; partials and finals go through the
   pure :class:`~asr.live.transcript.LiveTranscript` and out on a :class:`~asr.bus.TranscriptBus`;
4. when the audio ends (the caller hung up, our process stops) the stream is finished, the transcript
   is stored on the call (:meth:`~ticketing.calls.drafts.DraftService.store_live_transcript`) and the
   end is published; the feed tears its channels down itself.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from asr.bus import TranscriptBus
from asr.engine import AsrEngine, Stream
from asr.live.ports import FEED_RATE, AudioFeed, AudioSource
from asr.live.transcript import Command, LiveTranscript, Publish, StoreTranscript
from ticketing.calls.drafts import DraftService

log = logging.getLogger(__name__)

DRAIN_GRACE_S = 0.3  # packets still in flight after the hang-up
MAX_QUEUED_CHUNKS = 1500  # 30 s of 20 ms packets waiting for the recognizer, then drop (and count)
BATCH_BYTES = 6400  # feed up to 200 ms per recognizer call
FEED_NAME = "asr"  # prefix of the feed's channel and bridge ids


@dataclass
class LiveCall:
    """One call's live transcription (exposed for logs and tests)."""

    call_id: uuid.UUID
    channel_id: str
    transcript: LiveTranscript
    feed: AudioFeed | None = None
    stream: Stream | None = None
    stored: bool = False
    closing: str = ""  # asked to stop before the feed existed
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def end_reason(self) -> str:
        """Why the transcription ended (empty while it runs)."""
        return self.transcript.end_reason

    @property
    def text(self) -> str:
        """What was heard so far."""
        return self.transcript.text

    def close(self, reason: str) -> None:
        """Stop listening (the transcript is stored as it is)."""
        self.closing = self.closing or reason
        if self.feed is not None:
            self.feed.close(reason)


class LiveTranscriber:
    """Live transcripts of calls; ``audio`` supplies each call's audio."""

    def __init__(
        self,
        audio: AudioSource,
        engine: AsrEngine,
        model: str,
        sessions: sessionmaker[Session],
        bus: TranscriptBus,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._audio = audio
        self._engine = engine
        self.model = model
        self._sessions = sessions
        self.bus = bus
        self._clock = clock
        self.calls: dict[uuid.UUID, LiveCall] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.finished: list[LiveCall] = []

    def start_call(self, call_id: uuid.UUID, channel_id: str) -> None:
        """Start transcribing ``channel_id`` (the caller) for ``call_id``; returns at once."""
        if call_id in self.calls:
            return
        call = LiveCall(call_id, channel_id, LiveTranscript(call_id))
        self.calls[call_id] = call
        task = asyncio.create_task(self._run_call(call), name=f"live-{call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self, timeout: float = 10.0) -> None:
        """End every live transcription; each stores what it has and tears its audio down."""
        for call in list(self.calls.values()):
            call.close("shutdown")
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _run_call(self, call: LiveCall) -> None:
        reason = "error"
        try:
            call.stream = await asyncio.to_thread(self._engine.open_stream, self.model, FEED_RATE)
            feed = self._audio.tap(call.channel_id, name=FEED_NAME, max_queued=MAX_QUEUED_CHUNKS)
            call.feed = feed
            if call.closing:
                feed.close(call.closing)
            async with feed:
                if feed.opened:
                    call.transcript.streaming()
                    log.info("call %s: live transcription of %s", call.call_id, call.channel_id)
                    async for pcm in feed.frames(BATCH_BYTES, drain_s=DRAIN_GRACE_S):
                        result = await call.stream.accept_async(pcm)
                        await self._execute(
                            call, call.transcript.heard(result, self._audio_s(call), self._now())
                        )
                reason = feed.end_reason or "hangup"
        except Exception:
            log.exception("call %s: live transcription failed", call.call_id)
        finally:
            await self._finish(call, reason)
            self.calls.pop(call.call_id, None)
            self.finished.append(call)
            del self.finished[:-100]
            call.done.set()

    async def _finish(self, call: LiveCall, reason: str) -> None:
        """Flush the recognizer, then store and publish the end."""
        stream = call.stream
        if stream is not None and not stream.finished:
            try:
                last = await stream.finish_async()
                await self._execute(call, call.transcript.heard(last, self._audio_s(call), self._now()))
            except Exception:
                log.exception("call %s: finishing the recognizer failed", call.call_id)
        audio_s = self._audio_s(call)
        await self._execute(call, call.transcript.end(reason, audio_s, self._now()))
        log.info(
            "call %s: live transcript ended (%s): %.1f s audio, %d finals, %d partials",
            call.call_id,
            reason,
            audio_s,
            len(call.transcript.finals),
            call.transcript.partials,
        )

    async def _execute(self, call: LiveCall, commands: list[Command]) -> None:
        for command in commands:
            if isinstance(command, Publish):
                self.bus.publish(command.event)
            elif isinstance(command, StoreTranscript):
                try:
                    await asyncio.to_thread(self._store, command)
                    call.stored = True
                except Exception:
                    log.exception("call %s: storing the live transcript failed", call.call_id)

    def _store(self, command: StoreTranscript) -> None:
        with self._sessions.begin() as session:
            DraftService(session).store_live_transcript(command.call_id, command.text, list(command.segments))

    @staticmethod
    def _audio_s(call: LiveCall) -> float:
        return call.stream.samples_in / FEED_RATE if call.stream is not None else 0.0

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()
