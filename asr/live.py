"""Live transcription of a call (DESIGN §2 step 6): ARI snoop + externalMedia → RTP → Vosk → the bus.

For one call (:meth:`LiveTranscriber.start_call`, normally when the IVR hands the caller to a queue):

1. a UDP socket on loopback (ephemeral port) receives RTP;
2. ``POST /channels/{caller}/snoop?spy=in`` (what the caller says), ``POST /channels/externalMedia``
   (``format=slin16`` to that socket) and a **mixing** bridge holding both (DESIGN §4: this is the
   combination verified to deliver the caller's audio; the mixer also sends silence frames every 20 ms,
   so Vosk sees the pauses and ends utterances);
3. each datagram is parsed and put in order by :mod:`asr.rtp` (pure), byte-swapped to little-endian and
   fed to a Vosk :class:`~asr.engine.Stream` on the engine's thread pool;
4. partials and finals are published on a :class:`~asr.bus.TranscriptBus`;
5. when the caller hangs up (the snoop channel leaves our app) the stream is finished, the whole
   transcript is stored on the call (:meth:`DraftService.store_live_transcript`) and the bridge, the
   snoop and the externalMedia channels are torn down.

The snoop and externalMedia channels enter a Stasis app of their own (``<ivr app>-asr``), so the IVR
never mistakes them for callers. That app's connection is supervised like the IVR's: after a reconnect
channels in it that belong to no running transcription (left by a crashed process) are hung up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asr.bus import LiveEnded, LiveFinal, LivePartial, TranscriptBus
from asr.engine import AsrEngine, Final, Partial, Stream
from asr.rtp import SLIN16_RATE, Reorderer, RtpError, parse_rtp, to_pcm
from ivr.ari.client import AriClient
from ivr.ari.errors import AriError, AriNotFound
from ivr.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelHangupRequest,
    Resynced,
    StasisEnd,
    StasisStart,
)
from ivr.ari.supervisor import AriSupervisor
from ticketing.calls.drafts import DraftService

log = logging.getLogger(__name__)

SETUP_TIMEOUT_S = 5.0  # for each channel to enter our app
DRAIN_GRACE_S = 0.3  # packets still in flight after the hang-up
MAX_QUEUED_CHUNKS = 1500  # 30 s of 20 ms packets waiting for the recognizer, then drop (and count)
BATCH_BYTES = 6400  # feed up to 200 ms per recognizer call


def live_app_name(ivr_app: str) -> str:
    """The Stasis app of the snoop/externalMedia channels of ``ivr_app``'s calls."""
    return f"{ivr_app}-asr"


@dataclass
class RtpCounters:
    """Per-call transport numbers (exposed for logs and tests)."""

    datagrams: int = 0
    bad: int = 0
    foreign: int = 0  # from an address other than the expected host
    overflow: int = 0  # chunks dropped because the recognizer fell behind


class RtpReceiver(asyncio.DatagramProtocol):
    """Datagrams → in-order little-endian PCM chunks on a bounded queue (thin: the logic is in asr.rtp)."""

    def __init__(self, host: str, queue: asyncio.Queue[bytes]) -> None:
        self.host = host
        self.queue = queue
        self.reorderer = Reorderer()
        self.counters = RtpCounters()
        self.first_packet_at: float | None = None  # the loop's clock when audio started to arrive

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.counters.datagrams += 1
        if addr[0] != self.host:
            self.counters.foreign += 1
            return
        try:
            packet = parse_rtp(data)
        except RtpError:
            self.counters.bad += 1
            return
        if self.first_packet_at is None:
            self.first_packet_at = asyncio.get_running_loop().time()
        self._put(to_pcm(self.reorderer.push(packet)))

    def flush(self) -> None:
        """Deliver what the reorderer still holds (end of the call)."""
        self._put(to_pcm(self.reorderer.flush()))

    def _put(self, pcm: bytes) -> None:
        if not pcm:
            return
        try:
            self.queue.put_nowait(pcm)
        except asyncio.QueueFull:
            self.counters.overflow += 1


@dataclass
class LiveCall:
    """The state of one call's live transcription."""

    call_id: uuid.UUID
    channel_id: str
    tag: str
    snoop_id: str = ""
    media_id: str = ""
    bridge_id: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end_reason: str = ""
    receiver: RtpReceiver | None = None
    stream: Stream | None = None
    partials: int = 0
    finals: list[LiveFinal] = field(default_factory=list)
    streaming: bool = False  # the bridge was set up: there is a transcript to store
    text: str = ""
    stored: bool = False

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()


class LiveTranscriber:
    """Live transcripts for queued calls on one Asterisk; :meth:`run` handles the ASR app's events.

    ``ari`` is a client for the ASR app (:func:`live_app_name`), not the IVR's.
    """

    def __init__(
        self,
        ari: AriClient,
        engine: AsrEngine,
        model: str,
        sessions: sessionmaker[Session],
        bus: TranscriptBus,
        *,
        host: str = "127.0.0.1",
        supervisor: AriSupervisor | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._ari = ari
        self._engine = engine
        self.model = model
        self._sessions = sessions
        self.bus = bus
        self.host = host
        self._supervisor = supervisor or AriSupervisor(ari)
        self._clock = clock
        self.calls: dict[uuid.UUID, LiveCall] = {}
        self._by_channel: dict[str, LiveCall] = {}
        self._waiters: dict[str, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()
        self.finished: list[LiveCall] = []

    # -- lifecycle --------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Handle the ASR app's events until :meth:`stop`."""
        try:
            async for event in self._supervisor.events():
                self._dispatch(event)
        finally:
            for call in list(self.calls.values()):
                call.end("shutdown")

    async def stop(self, timeout: float = 10.0) -> None:
        """End every live transcription (each stores what it has and tears down), then the connection."""
        for call in list(self.calls.values()):
            call.end("shutdown")
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        await self._supervisor.stop()

    def start_call(self, call_id: uuid.UUID, channel_id: str) -> None:
        """Start transcribing ``channel_id`` (the caller) for ``call_id``; returns at once."""
        if call_id in self.calls:
            return
        call = LiveCall(call_id, channel_id, uuid.uuid4().hex[:12])
        self.calls[call_id] = call
        task = asyncio.create_task(self._run_call(call), name=f"live-{call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- events -----------------------------------------------------------------------------------------

    def _dispatch(self, event: AriEvent) -> None:
        if isinstance(event, Resynced):
            self._resync(event)
            self.connected.set()
            return
        channel = getattr(event, "channel", None)
        if channel is None:
            return
        if isinstance(event, StasisStart):
            waiter = self._waiters.get(channel.id)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return
        if isinstance(event, StasisEnd | ChannelDestroyed | ChannelHangupRequest):
            call = self._by_channel.get(channel.id)
            if call is not None:
                call.end("hangup" if channel.id == call.snoop_id else "media channel ended")

    def _resync(self, event: Resynced) -> None:
        live = {channel.id for channel in event.channels}
        for call in list(self.calls.values()):
            if call.snoop_id and call.snoop_id not in live:
                call.end("hangup")
        for channel_id in live - set(self._by_channel) - set(self._waiters):
            log.warning("live ASR: hanging up orphan channel %s (from an earlier run)", channel_id)
            task = asyncio.create_task(self._hangup(channel_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # -- one call ---------------------------------------------------------------------------------------

    async def _run_call(self, call: LiveCall) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes] = asyncio.Queue(MAX_QUEUED_CHUNKS)
        transport: asyncio.DatagramTransport | None = None
        try:
            transport, receiver = await loop.create_datagram_endpoint(
                lambda: RtpReceiver(self.host, queue), local_addr=(self.host, 0)
            )
            call.receiver = receiver
            port = transport.get_extra_info("sockname")[1]
            call.stream = await asyncio.to_thread(self._engine.open_stream, self.model, SLIN16_RATE)
            await self._set_up(call, port)
            call.streaming = True
            log.info("call %s: live transcription of %s on udp/%d", call.call_id, call.channel_id, port)
            await self._consume(call, queue)
        except AriNotFound:
            log.info("call %s: channel %s gone before live transcription", call.call_id, call.channel_id)
            call.end("gone")
        except Exception:
            log.exception("call %s: live transcription failed", call.call_id)
            call.end("error")
        finally:
            await self._tear_down(call)
            if transport is not None:
                transport.close()
            await self._finish(call)
            self.calls.pop(call.call_id, None)
            self.finished.append(call)
            del self.finished[:-100]

    async def _set_up(self, call: LiveCall, port: int) -> None:
        ari, tag = self._ari, call.tag
        call.snoop_id, call.media_id, call.bridge_id = f"asr-snoop-{tag}", f"asr-em-{tag}", f"asr-br-{tag}"
        loop = asyncio.get_running_loop()
        for channel_id in (call.snoop_id, call.media_id):
            self._waiters[channel_id] = loop.create_future()
            self._by_channel[channel_id] = call
        try:
            await ari.snoop(call.channel_id, spy="in", snoop_id=call.snoop_id)
            await ari.external_media(f"{self.host}:{port}", format="slin16", channel_id=call.media_id)
            waiters = [self._waiters[call.snoop_id], self._waiters[call.media_id]]
            await asyncio.wait_for(asyncio.gather(*waiters), SETUP_TIMEOUT_S)
            await ari.create_bridge("mixing", bridge_id=call.bridge_id, name=f"asr-{call.call_id}")
            await ari.add_channel(call.bridge_id, [call.snoop_id, call.media_id])
        finally:
            for channel_id in (call.snoop_id, call.media_id):
                self._waiters.pop(channel_id, None)

    async def _consume(self, call: LiveCall, queue: asyncio.Queue[bytes]) -> None:
        stream = call.stream
        assert stream is not None
        ended = asyncio.ensure_future(call.ended.wait())
        try:
            while True:
                if not queue.empty():
                    pcm = queue.get_nowait()
                elif call.ended.is_set():
                    await asyncio.sleep(DRAIN_GRACE_S)  # the last packets may still be on their way
                    if call.receiver is not None:
                        call.receiver.flush()
                    if queue.empty():
                        return
                    continue
                else:
                    getter = asyncio.ensure_future(queue.get())
                    await asyncio.wait({getter, ended}, return_when=asyncio.FIRST_COMPLETED)
                    if not getter.done():
                        getter.cancel()
                        continue
                    pcm = getter.result()
                while len(pcm) < BATCH_BYTES and not queue.empty():
                    pcm += queue.get_nowait()
                self._publish(call, await stream.accept_async(pcm))
        finally:
            ended.cancel()

    def _publish(self, call: LiveCall, result: Partial | Final | None) -> None:
        if result is None or call.stream is None:
            return
        audio_s = call.stream.samples_in / SLIN16_RATE
        at = self._now()
        if isinstance(result, Partial):
            call.partials += 1
            self.bus.publish(LivePartial(call.call_id, result.text, audio_s, at))
            return
        if not result.text:
            return
        words = tuple(
            {"word": w.text, "start": round(w.start, 2), "end": round(w.end, 2), "conf": round(w.conf, 3)}
            for w in result.words
        )
        start = result.words[0].start if result.words else audio_s
        end = result.words[-1].end if result.words else audio_s
        final = LiveFinal(call.call_id, result.text, start, end, audio_s, at, words)
        call.finals.append(final)
        self.bus.publish(final)

    async def _finish(self, call: LiveCall) -> None:
        """Flush the recognizer, publish the last final and the end, store the transcript on the call."""
        stream = call.stream
        audio_s = 0.0
        if stream is not None and not stream.finished:
            try:
                self._publish(call, await stream.finish_async())
            except Exception:
                log.exception("call %s: finishing the recognizer failed", call.call_id)
            audio_s = stream.samples_in / SLIN16_RATE
        call.text = " ".join(f.text for f in call.finals)
        segments = [f.to_segment() for f in call.finals]
        if call.streaming:
            try:
                await asyncio.to_thread(self._store, call.call_id, call.text, segments)
                call.stored = True
            except Exception:
                log.exception("call %s: storing the live transcript failed", call.call_id)
        reason = call.end_reason or "hangup"
        self.bus.publish(LiveEnded(call.call_id, call.text, audio_s, self._now(), reason))
        counters = call.receiver.counters if call.receiver else RtpCounters()
        stats = call.receiver.reorderer.stats if call.receiver else None
        log.info(
            "call %s: live transcript ended (%s): %.1f s audio, %d finals, %d partials, rtp %s %s",
            call.call_id,
            call.end_reason,
            audio_s,
            len(call.finals),
            call.partials,
            counters,
            stats,
        )

    def _store(self, call_id: uuid.UUID, text: str, segments: list[dict[str, Any]]) -> None:
        with self._sessions.begin() as session:
            DraftService(session).store_live_transcript(call_id, text, segments)

    async def _tear_down(self, call: LiveCall) -> None:
        """Bridge, externalMedia and snoop channels go, whatever state the set-up reached."""
        if call.bridge_id:
            with contextlib.suppress(AriError):
                await self._ari.destroy_bridge(call.bridge_id)
        for channel_id in (call.media_id, call.snoop_id):
            if channel_id:
                await self._hangup(channel_id)
                self._by_channel.pop(channel_id, None)

    async def _hangup(self, channel_id: str) -> None:
        try:
            await self._ari.hangup(channel_id)
        except AriNotFound:
            pass
        except AriError as exc:
            log.warning("live ASR: could not hang up %s: %s", channel_id, exc)

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()
