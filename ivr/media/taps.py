"""Audio taps: "give me this channel's audio as 16 kHz frames, and stop" — the one place where the caller's
voice leaves Asterisk for our process (live transcripts and the speech menu both use it).

One :class:`AudioTaps` serves one Asterisk through its own Stasis app (:func:`media_app_name`,
``<ivr app>-media``), so that the IVR never mistakes a tap's channels for callers. A tap
(:meth:`AudioTaps.tap`, used as ``async with``) is, on the Asterisk side (verified on Asterisk 22, see
``docs/architecture.md``):

1. a UDP socket on loopback (ephemeral port) that receives RTP;
2. ``POST /channels/{channel}/snoop?spy=in`` (what the caller says) and ``POST /channels/externalMedia``
   with ``format=slin16`` to that socket; both channels enter the media app (``StasisStart``);
3. a **mixing** bridge holding both — the combination that delivers the caller's audio; the mixer also
   sends silence frames every 20 ms, so a recogniser sees the pauses;
4. each datagram parsed, put in order and byte-swapped by :mod:`ivr.media.rtp` (pure), queued as
   little-endian PCM (:mod:`ivr.media.receiver`), read with :meth:`AudioTap.frames`.

Leaving the ``async with`` block tears everything down — bridge, externalMedia and snoop channels,
socket — whatever state the set-up reached. Set-up never raises for what Asterisk does: a channel that
is gone, or a request that fails, ends the tap at once with :attr:`TapEnd.GONE` / :attr:`TapEnd.FAILED`
(``error`` says why) and :meth:`AudioTap.frames` yields nothing. The tap also ends when the tapped channel
hangs up (:attr:`TapEnd.HANGUP`), when a media channel goes away, and on :meth:`AudioTap.close`.

After every (re)connect (the supervisor's ``Resynced``), taps whose snoop channel has vanished end as
hung up, and channels in the media app that belong to no tap (left by a crashed process) are hung up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from enum import StrEnum
from types import TracebackType

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError, AriNotFound
from ivr.ari.events import AriEvent, ChannelDestroyed, ChannelHangupRequest, Resynced, StasisEnd, StasisStart
from ivr.ari.supervisor import AriSupervisor
from ivr.media.receiver import RtpReceiver
from ivr.media.rtp import SLIN16_RATE

log = logging.getLogger(__name__)

SETUP_TIMEOUT_S = 5.0  # for each tap channel to enter the media app
FRAME_RATE = SLIN16_RATE
"""Sample rate of the frames every tap delivers (16-bit little-endian mono PCM)."""


def media_app_name(ivr_app: str) -> str:
    """The Stasis app of the tap channels (snoop + externalMedia) of ``ivr_app``'s calls."""
    return f"{ivr_app}-media"


class TapEnd(StrEnum):
    """Why a tap's frames stopped."""

    CLOSED = "closed"  # its consumer closed it
    HANGUP = "hangup"  # the tapped channel hung up (its snoop left)
    MEDIA_ENDED = "media channel ended"  # the externalMedia channel went away
    GONE = "gone"  # the tapped channel was gone before the tap was set up
    FAILED = "failed"  # the set-up failed; ``error`` says why
    SHUTDOWN = "shutdown"  # our process is stopping


class AudioTap:
    """One channel's audio (see the module docstring); made by :meth:`AudioTaps.tap`."""

    def __init__(self, taps: AudioTaps, channel_id: str, name: str, max_queued: int) -> None:
        self.channel_id = channel_id
        self.name = name
        self.tag = uuid.uuid4().hex[:12]
        self.snoop_id = f"{name}-snoop-{self.tag}"
        self.media_id = f"{name}-em-{self.tag}"
        self.bridge_id = ""
        self.opened = False  # the bridge is up: audio flows
        self.torn_down = False
        self.ended = asyncio.Event()
        self.end_reason = ""
        self.error: str | None = None
        self.receiver: RtpReceiver | None = None
        self._taps = taps
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(max_queued)
        self._transport: asyncio.DatagramTransport | None = None

    def close(self, reason: str = TapEnd.CLOSED) -> None:
        """End the frames (harmless when already ended); the tear-down happens when the block is left."""
        if not self.ended.is_set():
            self.end_reason = str(reason)
            self.ended.set()

    async def __aenter__(self) -> AudioTap:
        try:
            await self._set_up()
        except AriNotFound:
            log.info("tap %s: channel %s gone before the tap was set up", self.tag, self.channel_id)
            self.close(TapEnd.GONE)
        except (AriError, OSError, TimeoutError) as exc:
            log.warning("tap %s of %s: set-up failed: %s", self.tag, self.channel_id, exc)
            self.error = f"{type(exc).__name__}: {exc}"
            self.close(TapEnd.FAILED)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(TapEnd.CLOSED)
        await self._tear_down()

    async def frames(self, batch_bytes: int, *, drain_s: float = 0.0) -> AsyncIterator[bytes]:
        """PCM chunks (up to ``batch_bytes`` at once when the consumer is behind) until the tap ends.

        With ``drain_s`` the packets still in flight when the tap ended are waited for that long and
        delivered too (the end of a caller's last sentence); without, the frames stop at once.
        """
        queue = self._queue
        ended = asyncio.ensure_future(self.ended.wait())
        try:
            while True:
                if self.ended.is_set() and (drain_s <= 0 or queue.empty()):
                    if drain_s <= 0:
                        return
                    await asyncio.sleep(drain_s)  # the last packets may still be on their way
                    if self.receiver is not None:
                        self.receiver.flush()
                    if queue.empty():
                        return
                if not queue.empty():
                    pcm = queue.get_nowait()
                else:
                    getter = asyncio.ensure_future(queue.get())
                    await asyncio.wait({getter, ended}, return_when=asyncio.FIRST_COMPLETED)
                    if not getter.done():
                        getter.cancel()
                        continue
                    pcm = getter.result()
                while len(pcm) < batch_bytes and not queue.empty():
                    pcm += queue.get_nowait()
                yield pcm
        finally:
            ended.cancel()

    async def _set_up(self) -> None:
        if self.ended.is_set():
            return
        taps, ari = self._taps, self._taps.ari
        loop = asyncio.get_running_loop()
        self._transport, self.receiver = await loop.create_datagram_endpoint(
            lambda: RtpReceiver(taps.host, self._queue), local_addr=(taps.host, 0)
        )
        port = self._transport.get_extra_info("sockname")[1]
        waiters = {channel_id: loop.create_future() for channel_id in (self.snoop_id, self.media_id)}
        taps.expect(self, waiters)
        try:
            await ari.snoop(self.channel_id, spy="in", snoop_id=self.snoop_id)
            await ari.external_media(f"{taps.host}:{port}", format="slin16", channel_id=self.media_id)
            await asyncio.wait_for(asyncio.gather(*waiters.values()), SETUP_TIMEOUT_S)
            if self.ended.is_set():
                return
            self.bridge_id = f"{self.name}-br-{self.tag}"
            await ari.create_bridge("mixing", bridge_id=self.bridge_id, name=f"{self.name}-{self.channel_id}")
            await ari.add_channel(self.bridge_id, [self.snoop_id, self.media_id])
        finally:
            taps.arrived(waiters)
        self.opened = not self.ended.is_set()
        if self.opened:
            log.info("tap %s: audio of %s on udp/%d", self.tag, self.channel_id, port)

    async def _tear_down(self) -> None:
        ari = self._taps.ari
        if self.bridge_id:
            with contextlib.suppress(AriError):
                await ari.destroy_bridge(self.bridge_id)
        for channel_id in (self.media_id, self.snoop_id):
            if self._taps.forget(channel_id):
                await self._taps.hang_up(channel_id)
        if self._transport is not None:
            self._transport.close()
        self.torn_down = True


class AudioTaps:
    """Audio taps on one Asterisk; ``ari`` is a client for the media app (:func:`media_app_name`)."""

    def __init__(
        self, ari: AriClient, *, host: str = "127.0.0.1", supervisor: AriSupervisor | None = None
    ) -> None:
        self.ari = ari
        self.host = host
        self._supervisor = supervisor or AriSupervisor(ari)
        self._by_channel: dict[str, AudioTap] = {}
        self._waiters: dict[str, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()

    def tap(self, channel_id: str, *, name: str, max_queued: int = 1500) -> AudioTap:
        """A tap of ``channel_id``'s audio (``async with`` it); ``name`` prefixes its channel ids and
        ``max_queued`` bounds the chunks waiting for the consumer (then they are dropped and counted)."""
        return AudioTap(self, channel_id, name, max_queued)

    @property
    def active(self) -> int:
        """Taps with channels in Asterisk right now."""
        return len({id(tap) for tap in self._by_channel.values()})

    async def run(self) -> None:
        """Handle the media app's events until :meth:`stop`."""
        try:
            async for event in self._supervisor.events():
                self._dispatch(event)
        finally:
            self._close_all(TapEnd.SHUTDOWN)

    async def stop(self) -> None:
        """End every tap, then the connection (the consumers tear their taps down themselves)."""
        self._close_all(TapEnd.SHUTDOWN)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        await self._supervisor.stop()

    # -- the taps' side ---------------------------------------------------------------------------------

    def expect(self, tap: AudioTap, waiters: dict[str, asyncio.Future[None]]) -> None:
        """``tap`` is creating channels ``waiters``' keys; each future resolves at its StasisStart."""
        for channel_id, waiter in waiters.items():
            self._waiters[channel_id] = waiter
            self._by_channel[channel_id] = tap

    def arrived(self, waiters: dict[str, asyncio.Future[None]]) -> None:
        """The set-up no longer waits for these channels."""
        for channel_id in waiters:
            self._waiters.pop(channel_id, None)

    def forget(self, channel_id: str) -> bool:
        """Stop following ``channel_id``; ``True`` when it was one of ours (and may need a hang-up)."""
        return self._by_channel.pop(channel_id, None) is not None

    async def hang_up(self, channel_id: str) -> None:
        """Hang up a tap channel (already gone is fine)."""
        try:
            await self.ari.hangup(channel_id)
        except AriNotFound:
            pass
        except AriError as exc:
            log.warning("media: could not hang up %s: %s", channel_id, exc)

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
            tap = self._by_channel.get(channel.id)
            if tap is not None:
                tap.close(TapEnd.HANGUP if channel.id == tap.snoop_id else TapEnd.MEDIA_ENDED)

    def _resync(self, event: Resynced) -> None:
        live = {channel.id for channel in event.channels}
        for channel_id, tap in list(self._by_channel.items()):
            if channel_id == tap.snoop_id and channel_id not in live and channel_id not in self._waiters:
                tap.close(TapEnd.HANGUP)
        for channel_id in live - set(self._by_channel) - set(self._waiters):
            log.warning("media: hanging up orphan channel %s (from an earlier run)", channel_id)
            task = asyncio.create_task(self.hang_up(channel_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _close_all(self, reason: TapEnd) -> None:
        for tap in list(self._by_channel.values()):
            tap.close(reason)
