"""Speech in the menu: grammar recognition of what the caller says during a menu step (the adapter).

A thin asyncio adapter around the pure flow (:mod:`ivr.flows.speech`): for each ``StartListening`` of a
call's flow, :meth:`SpeechMenu.listen`

1. opens a Vosk stream with the listen's phrases as grammar (plus ``[unk]``, so that other speech is a
   miss instead of the nearest phrase) — an unusable grammar or a missing model fails the listen;
2. sets up the same media path as the live transcript (:mod:`asr.live`, DESIGN §4): a loopback UDP
   socket, ``snoop?spy=in`` on the caller, ``externalMedia`` ``slin16`` to that socket and a mixing bridge
   holding both; the RTP goes through :class:`asr.live.RtpReceiver` (reordering, big-endian → PCM);
3. feeds the audio to the stream and delivers the **first** final result with words to the call:
   ``SpeechRecognized`` for a phrase, ``SpeechNoMatch`` for anything else; empty finals (silence) are
   skipped, the flow's no-input timer handles silence;
4. tears everything down (bridge, both channels, socket, recognizer) after the result, on
   ``StopListening`` (:meth:`SpeechMenu.stop_listening`), when the caller hangs up, or after
   ``max_listen_s`` at the latest.

A listen that cannot start is reported to the flow as ``CommandFailed(listen_id)`` (the call goes on
with keys only); one whose caller is gone ends quietly (the IVR sees the hang-up itself).

The snoop and externalMedia channels enter a Stasis app of their own (:func:`menu_app_name`,
``<ivr app>-menu``) so that the IVR never mistakes them for callers; after a reconnect, channels in that
app that belong to no running listen (left by a crashed process) are hung up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from asr.engine import AsrEngine, Final, Stream
from asr.live import SETUP_TIMEOUT_S, RtpReceiver
from asr.rtp import SLIN16_RATE
from ivr.ari.client import AriClient
from ivr.ari.errors import AriError, AriNotFound
from ivr.ari.events import AriEvent, ChannelDestroyed, ChannelHangupRequest, Resynced, StasisEnd, StasisStart
from ivr.ari.supervisor import AriSupervisor
from ivr.flows import events as flow
from ivr.flows.speech import UNKNOWN_WORD, Verdict, hear

log = logging.getLogger(__name__)

MAX_LISTEN_S = 120.0  # a listen the flow forgot to stop ends by itself after this long
MAX_QUEUED_CHUNKS = 500  # 10 s of 20 ms packets waiting for the recognizer, then drop (counted)
BATCH_BYTES = 3200  # feed up to 100 ms per recognizer call: results come quickly

Deliver = Callable[[flow.Event], None]
"""Where a listen's result goes: the call session's ``feed``."""


def menu_app_name(ivr_app: str) -> str:
    """The Stasis app of the snoop/externalMedia channels of ``ivr_app``'s speech menus."""
    return f"{ivr_app}-menu"


@dataclass
class Listen:
    """One grammar recognition for one menu step of one call (exposed for logs and tests)."""

    listen_id: str
    channel_id: str
    grammar: tuple[str, ...]
    deliver: Deliver
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    snoop_id: str = ""
    media_id: str = ""
    bridge_id: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end_reason: str = ""
    receiver: RtpReceiver | None = None
    stream: Stream | None = None
    result: flow.Event | None = None
    finals: list[str] = field(default_factory=list)  # every final text seen (empty ones included)
    started_at: float = field(default_factory=time.monotonic)
    torn_down: bool = False

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()


class SpeechMenu:
    """Menu speech recognition on one Asterisk; ``ari`` is a client for :func:`menu_app_name`'s app."""

    def __init__(
        self,
        ari: AriClient,
        engine: AsrEngine,
        model: str,
        *,
        host: str = "127.0.0.1",
        supervisor: AriSupervisor | None = None,
        max_listen_s: float = MAX_LISTEN_S,
    ) -> None:
        self._ari = ari
        self._engine = engine
        self.model = model
        self.host = host
        self._supervisor = supervisor or AriSupervisor(ari)
        self._max_listen_s = max_listen_s
        self.listens: dict[str, Listen] = {}
        self._by_channel: dict[str, Listen] = {}
        self._waiters: dict[str, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()
        self.finished: list[Listen] = []

    # -- lifecycle --------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Handle the menu app's events until :meth:`stop`."""
        try:
            async for event in self._supervisor.events():
                self._dispatch(event)
        finally:
            for listen in list(self.listens.values()):
                listen.end("shutdown")

    async def stop(self, timeout: float = 10.0) -> None:
        """End every listen (each tears down), then the connection."""
        for listen in list(self.listens.values()):
            listen.end("shutdown")
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        await self._supervisor.stop()

    def problem_with(self, phrases: Sequence[str]) -> str | None:
        """Why listening for ``phrases`` cannot work (model missing/unloadable, a word unknown to it, no
        grammar support), or ``None``. Loads the model: call it in a thread."""
        try:
            stream = self._engine.open_stream(self.model, SLIN16_RATE, [*phrases, UNKNOWN_WORD])
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        stream.finish()
        return None

    # -- the call sessions' port ------------------------------------------------------------------------

    def listen(self, channel_id: str, listen_id: str, phrases: Sequence[str], deliver: Deliver) -> None:
        """Listen on ``channel_id`` for ``phrases``; the result goes to ``deliver``. Returns at once."""
        if listen_id in self.listens:
            return
        listen = Listen(listen_id, channel_id, tuple(phrases), deliver)
        self.listens[listen_id] = listen
        task = asyncio.create_task(self._run_listen(listen), name=f"menu-listen-{listen_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop_listening(self, listen_id: str) -> None:
        """Stop a listen (harmless when it is over or unknown); the tear-down runs in the background."""
        listen = self.listens.get(listen_id)
        if listen is not None:
            listen.end("stopped")

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
            listen = self._by_channel.get(channel.id)
            if listen is not None:
                listen.end("hangup" if channel.id == listen.snoop_id else "media channel ended")

    def _resync(self, event: Resynced) -> None:
        live = {channel.id for channel in event.channels}
        for listen in list(self.listens.values()):
            if listen.snoop_id and listen.snoop_id not in live and listen.snoop_id in self._by_channel:
                listen.end("hangup")
        for channel_id in live - set(self._by_channel) - set(self._waiters):
            log.warning("speech menu: hanging up orphan channel %s (from an earlier run)", channel_id)
            task = asyncio.create_task(self._hangup(channel_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # -- one listen -------------------------------------------------------------------------------------

    async def _run_listen(self, listen: Listen) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes] = asyncio.Queue(MAX_QUEUED_CHUNKS)
        transport: asyncio.DatagramTransport | None = None
        try:
            grammar = [*listen.grammar, UNKNOWN_WORD]
            try:
                listen.stream = await asyncio.to_thread(
                    self._engine.open_stream, self.model, SLIN16_RATE, grammar
                )
            except Exception as exc:  # model missing/corrupt, a phrase unknown to the model
                self._fail(listen, f"cannot recognise with {self.model}: {exc}")
                return
            transport, receiver = await loop.create_datagram_endpoint(
                lambda: RtpReceiver(self.host, queue), local_addr=(self.host, 0)
            )
            listen.receiver = receiver
            port = transport.get_extra_info("sockname")[1]
            if await self._set_up(listen, port):
                log.info("call %s: listening for %s (%s) on udp/%d",
                         listen.channel_id, listen.listen_id, "/".join(listen.grammar), port)  # fmt: skip
                await self._consume(listen, queue)
        except AriNotFound:
            log.info("call %s: gone before listening (%s)", listen.channel_id, listen.listen_id)
            listen.end("gone")
        except Exception as exc:
            log.exception("call %s: listening failed (%s)", listen.channel_id, listen.listen_id)
            self._fail(listen, f"listening failed: {exc}")
        finally:
            await self._tear_down(listen)
            if transport is not None:
                transport.close()
            await self._close_stream(listen)
            self.listens.pop(listen.listen_id, None)
            self.finished.append(listen)
            del self.finished[:-100]
            log.info(
                "call %s: listen %s ended (%s) after %.1f s: finals %s → %s",
                listen.channel_id,
                listen.listen_id,
                listen.end_reason,
                time.monotonic() - listen.started_at,
                listen.finals,
                listen.result,
            )

    async def _set_up(self, listen: Listen, port: int) -> bool:
        """Snoop + externalMedia + bridge; ``False`` when the listen was stopped meanwhile."""
        ari, tag = self._ari, listen.tag
        listen.snoop_id, listen.media_id = f"menu-snoop-{tag}", f"menu-em-{tag}"
        loop = asyncio.get_running_loop()
        for channel_id in (listen.snoop_id, listen.media_id):
            self._waiters[channel_id] = loop.create_future()
            self._by_channel[channel_id] = listen
        try:
            await ari.snoop(listen.channel_id, spy="in", snoop_id=listen.snoop_id)
            await ari.external_media(f"{self.host}:{port}", format="slin16", channel_id=listen.media_id)
            waiters = [self._waiters[listen.snoop_id], self._waiters[listen.media_id]]
            await asyncio.wait_for(asyncio.gather(*waiters), SETUP_TIMEOUT_S)
            if listen.ended.is_set():
                return False
            listen.bridge_id = f"menu-br-{tag}"
            await ari.create_bridge("mixing", bridge_id=listen.bridge_id, name=f"menu-{listen.listen_id}")
            await ari.add_channel(listen.bridge_id, [listen.snoop_id, listen.media_id])
        finally:
            for channel_id in (listen.snoop_id, listen.media_id):
                self._waiters.pop(channel_id, None)
        return not listen.ended.is_set()

    async def _consume(self, listen: Listen, queue: asyncio.Queue[bytes]) -> None:
        stream = listen.stream
        assert stream is not None
        ended = asyncio.ensure_future(listen.ended.wait())
        try:
            while not listen.ended.is_set():
                remaining = self._max_listen_s - (time.monotonic() - listen.started_at)
                if remaining <= 0:
                    listen.end("time limit")
                    return
                if queue.empty():
                    getter = asyncio.ensure_future(queue.get())
                    await asyncio.wait(
                        {getter, ended}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                    )
                    if not getter.done():
                        getter.cancel()
                        continue
                    pcm = getter.result()
                else:
                    pcm = queue.get_nowait()
                while len(pcm) < BATCH_BYTES and not queue.empty():
                    pcm += queue.get_nowait()
                result = await stream.accept_async(pcm)
                if isinstance(result, Final) and self._decide(listen, result):
                    return
        finally:
            ended.cancel()

    def _decide(self, listen: Listen, final: Final) -> bool:
        """Deliver a final that has words (the listen is then over); skip empty ones."""
        listen.finals.append(final.text)
        verdict, phrase = hear(listen.grammar, final.text)
        if verdict is Verdict.NOTHING or listen.ended.is_set():
            return False
        confidence = min((w.conf for w in final.words), default=1.0)
        event: flow.Event
        if verdict is Verdict.MATCH and phrase is not None:
            event = flow.SpeechRecognized(listen.listen_id, phrase, confidence)
        else:
            event = flow.SpeechNoMatch(listen.listen_id, final.text)
        listen.result = event
        listen.end("result")
        listen.deliver(event)
        return True

    def _fail(self, listen: Listen, reason: str) -> None:
        log.warning("call %s: speech menu off for this call: %s", listen.channel_id, reason)
        if not listen.ended.is_set():
            listen.result = flow.CommandFailed(listen.listen_id, reason)
            listen.deliver(listen.result)
        listen.end("failed")

    async def _close_stream(self, listen: Listen) -> None:
        stream = listen.stream
        if stream is not None and not stream.finished:
            with contextlib.suppress(Exception):
                await stream.finish_async()  # frees the recognizer

    async def _tear_down(self, listen: Listen) -> None:
        """Bridge, externalMedia and snoop channels go, whatever state the set-up reached."""
        if listen.bridge_id:
            with contextlib.suppress(AriError):
                await self._ari.destroy_bridge(listen.bridge_id)
        for channel_id in (listen.media_id, listen.snoop_id):
            if channel_id:
                await self._hangup(channel_id)
                self._by_channel.pop(channel_id, None)
        listen.torn_down = True

    async def _hangup(self, channel_id: str) -> None:
        try:
            await self._ari.hangup(channel_id)
        except AriNotFound:
            pass
        except AriError as exc:
            log.warning("speech menu: could not hang up %s: %s", channel_id, exc)
