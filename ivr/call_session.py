"""One call in the IVR: its flow, its ordered event queue, and the commands run against ARI.

Events of one call are handled strictly in order by one worker task; calls run concurrently.
Commands are executed in the order the flow gave them; an ARI failure is fed back to the flow as
``CommandFailed`` (or ``HungUp`` when the channel is gone), so the flow decides what happens next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError, AriNotFound
from ivr.call_log import CallIds, CallLog
from ivr.flows import commands as cmd
from ivr.flows import events as flow
from ivr.flows.menu import MenuFlow
from ivr.prompts import media_uri
from ivr.translate import QUEUE_CONTEXT, queue_name
from ticketing.calls.vocabulary import CallEndReason

log = logging.getLogger(__name__)

_FORMAT_EXTENSIONS = {"wav16": "wav16", "wav": "wav", "slin16": "sln16"}
_WAV_HEADER_BYTES = 44  # the canonical header Asterisk's format_wav writes
_CLOSE_WAIT_S = 3.0

QueuedHook = Callable[[uuid.UUID, str], None]
"""Called with ``(call_id, channel_id)`` right after a call left the menu for a queue (e.g. to start the
live transcript of the conversation with the agent). It must not block; its failures are only logged."""


class Listener(Protocol):
    """Speech recognition for menu steps (``ivr.speech_menu.SpeechMenu``); both calls return at once.

    ``listen`` delivers the listen's one result (``SpeechRecognized`` / ``SpeechNoMatch``, or
    ``CommandFailed(listen_id)`` when it cannot listen) through ``deliver``, later, from the same loop.
    """

    def listen(
        self, channel_id: str, listen_id: str, phrases: Sequence[str], deliver: Callable[[flow.Event], None]
    ) -> None: ...

    def stop_listening(self, listen_id: str) -> None: ...


class CallSession:
    """Runs one :class:`MenuFlow` on one channel."""

    def __init__(
        self,
        channel_id: str,
        ids: CallIds,
        flow_machine: MenuFlow,
        ari: AriClient,
        call_log: CallLog,
        recordings_dir: Path,
        on_done: Callable[[str], None],
        on_queued: QueuedHook | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.channel_id = channel_id
        self.ids = ids
        self._flow = flow_machine
        self._ari = ari
        self._log = call_log
        self._recordings_dir = recordings_dir
        self._on_done = on_done
        self._on_queued = on_queued
        self._listener = listener
        self._listens: set[str] = set()
        self._queue: asyncio.Queue[flow.Event] = asyncio.Queue()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._formats: dict[str, str] = {}
        self._steps: list[str] = []
        self._queue_name: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def finished(self) -> bool:
        """The flow has ended (exactly one end was reported)."""
        return self._flow.finished

    def start(self, started: flow.Started) -> None:
        """Start the worker with the flow's first event."""
        self._queue.put_nowait(started)
        self._task = asyncio.create_task(self._work(), name=f"call-{self.channel_id}")

    def feed(self, event: flow.Event) -> None:
        """Queue an event for this call (never blocks)."""
        self._queue.put_nowait(event)

    async def wait(self) -> None:
        """Until the worker has stopped."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def cancel(self) -> None:
        """Stop the worker (process shutdown); the call itself is left to the dialplan/resync."""
        for handle in self._timers.values():
            handle.cancel()
        self._stop_listens()
        if self._task is not None:
            self._task.cancel()

    async def _work(self) -> None:
        try:
            while not self._flow.finished:
                event = await self._queue.get()
                if isinstance(event, flow.RecordingFinished):
                    event = flow.RecordingFinished(event.name, await self._measure(event.name))
                commands = (
                    self._flow.start(event) if isinstance(event, flow.Started) else self._flow.handle(event)
                )
                for command in commands:
                    await self._execute(command)
        except Exception:
            log.exception("call %s: flow worker crashed", self.channel_id)
            await self._rescue()
        finally:
            for handle in self._timers.values():
                handle.cancel()
            self._timers.clear()
            self._stop_listens()
            self._on_done(self.channel_id)

    async def _execute(self, command: cmd.Command) -> None:
        try:
            await self._run(command)
        except AriNotFound as exc:
            # The channel (or the playback/recording) is gone: hang-up if the channel is.
            log.info("call %s: %s → %s", self.channel_id, type(command).__name__, exc)
            self.feed(flow.HungUp() if not await self._channel_alive() else _failed(command, str(exc)))
        except AriError as exc:
            log.warning("call %s: %s failed: %s", self.channel_id, type(command).__name__, exc)
            self.feed(_failed(command, str(exc)))

    async def _run(self, command: cmd.Command) -> None:
        ari, channel = self._ari, self.channel_id
        match command:
            case cmd.Answer():
                await ari.answer(channel)
            case cmd.Play(playback_id=playback_id, prompts=prompts):
                await ari.play(channel, [media_uri(p) for p in prompts], playback_id=playback_id)
            case cmd.StopPlayback(playback_id=playback_id):
                with contextlib.suppress(AriNotFound):  # it may have just finished
                    await ari.stop_playback(playback_id)
            case cmd.StartTimer(timer_id=timer_id, seconds=seconds):
                loop = asyncio.get_running_loop()
                self._timers[timer_id] = loop.call_later(seconds, self.feed, flow.TimerFired(timer_id))
            case cmd.CancelTimer(timer_id=timer_id):
                handle = self._timers.pop(timer_id, None)
                if handle is not None:
                    handle.cancel()
            case cmd.Record():
                self._formats[command.name] = command.format
                await ari.record(
                    channel,
                    command.name,
                    format=command.format,
                    max_duration=command.max_seconds,
                    max_silence=command.max_silence_seconds,
                    beep=command.beep,
                    terminate_on=command.terminate_on,
                    if_exists="overwrite",
                )
            case cmd.StopRecording(name=name):
                with contextlib.suppress(AriNotFound):
                    await ari.stop_recording(name)
            case cmd.StartListening(listen_id=listen_id, phrases=phrases):
                if self._listener is None:
                    self.feed(flow.CommandFailed(listen_id, "no speech recognizer"))
                    return
                self._listens.add(listen_id)
                self._listener.listen(channel, listen_id, phrases, self.feed)
            case cmd.StopListening(listen_id=listen_id):
                self._listens.discard(listen_id)
                if self._listener is not None:
                    self._listener.stop_listening(listen_id)
            case cmd.SetVariables(variables=variables):
                for key, value in variables.items():
                    await ari.set_variable(channel, key, value)
            case cmd.ContinueToQueue(skill=skill):
                await ari.continue_in_dialplan(
                    channel, context=QUEUE_CONTEXT, extension=skill.value, priority=1
                )
                self._queue_name = queue_name(skill)  # written with the end report, in one transaction
                if self._on_queued is not None:
                    try:
                        self._on_queued(self.ids.call_id, channel)
                    except Exception:
                        log.exception("call %s: the queued hook failed", channel)
            case cmd.Hangup():
                with contextlib.suppress(AriNotFound):
                    await ari.hangup(channel)
            case cmd.ReportChoice(skill=skill):
                await self._log.chose(self.ids.call_id, skill, steps=self._take_steps())
            case cmd.ReportStep(step=step):
                self._steps.append(step)  # written with the next report: fewer transactions per call
            case cmd.ReportRecording(name=name, duration_ms=duration_ms):
                if duration_ms is None:  # cut short (hang-up): measure once Asterisk has closed the file
                    duration_ms = await self._measure_closed(name)
                    if duration_ms == 0:
                        log.info("call %s: recording %s holds no audio; not attached", self.channel_id, name)
                        return
                await self._log.recorded(
                    self.ids.call_id, str(self._recording_path(name)), duration_ms, steps=self._take_steps()
                )
            case cmd.ReportEnd(reason=reason):
                await self._log.ended(
                    self.ids.call_id, reason, steps=self._take_steps(), queue=self._queue_name
                )
            case _:
                raise TypeError(f"unknown command {command!r}")

    def _stop_listens(self) -> None:
        """No listen outlives its call's worker (the flow stops them; this covers crashes/shutdown)."""
        if self._listener is not None:
            for listen_id in self._listens:
                self._listener.stop_listening(listen_id)
        self._listens.clear()

    def _take_steps(self) -> list[str]:
        steps, self._steps = self._steps, []
        return steps

    def _recording_path(self, name: str) -> Path:
        extension = _FORMAT_EXTENSIONS.get(self._formats.get(name, "wav16"), "wav16")
        return self._recordings_dir / f"{name}.{extension}"

    async def _measure(self, name: str) -> int | None:
        """Duration of a finished recording from its file header, or ``None`` if unreadable."""
        path = self._recording_path(name)

        def read() -> int | None:
            try:
                with wave.open(str(path), "rb") as audio:
                    return int(audio.getnframes() * 1000 / audio.getframerate())
            except (OSError, wave.Error, EOFError, ZeroDivisionError):
                return None

        return await asyncio.to_thread(read)

    async def _measure_closed(self, name: str) -> int | None:
        """Duration of a recording that was stopped early, once Asterisk has closed the file (its WAV
        header then accounts for every byte): ``0`` when there is no file or no audio in it, ``None``
        when the length cannot be told (not a WAV, or still not closed after a few seconds).

        While Asterisk still writes, the header says 0 frames: reading it then would take a real partial
        recording for an empty one.
        """
        path = self._recording_path(name)
        if path.suffix not in (".wav", ".wav16"):
            return None

        def closed() -> int | None:
            try:
                size = path.stat().st_size
                with wave.open(str(path), "rb") as audio:
                    frames, width, channels = audio.getnframes(), audio.getsampwidth(), audio.getnchannels()
                    rate = audio.getframerate()
            except (OSError, wave.Error, EOFError):
                return None
            if rate <= 0 or size != _WAV_HEADER_BYTES + frames * width * channels:
                return None
            return int(frames * 1000 / rate)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + _CLOSE_WAIT_S
        while True:
            duration = await asyncio.to_thread(closed)
            if duration is not None:
                return duration
            if loop.time() >= deadline:
                return None if await asyncio.to_thread(path.exists) else 0
            await asyncio.sleep(0.1)

    async def _channel_alive(self) -> bool:
        try:
            await self._ari.get_channel(self.channel_id)
        except AriNotFound:
            return False
        except AriError:
            return True
        return True

    async def _rescue(self) -> None:
        """Our code failed: send the caller to the general queue and record the failure."""
        with contextlib.suppress(Exception):
            await self._ari.continue_in_dialplan(
                self.channel_id, context=QUEUE_CONTEXT, extension="general", priority=1
            )
        with contextlib.suppress(Exception):
            await self._log.ended(self.ids.call_id, CallEndReason.FAILED, steps=self._take_steps())


def _failed(command: cmd.Command, reason: str) -> flow.CommandFailed:
    command_id = (
        getattr(command, "playback_id", None)
        or getattr(command, "name", None)
        or getattr(command, "timer_id", None)
        or getattr(command, "listen_id", None)
    )
    return flow.CommandFailed(command_id, reason)
