"""The channel side of a call flow's commands, shared by the inbound menu and the outbound survey:
playbacks, timers, recordings and hang-ups against ARI, and the measuring of recordings Asterisk wrote.

Events go back to the flow through ``feed`` (a timer that fired); an ARI failure is the caller's to turn
into ``CommandFailed`` or ``HungUp`` (:meth:`ChannelCommands.failure`).
"""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import Callable
from pathlib import Path

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError, AriNotFound
from ivr.flows import commands as cmd
from ivr.flows import events as flow
from ivr.prompts import media_uri

_FORMAT_EXTENSIONS = {"wav16": "wav16", "wav": "wav", "slin16": "sln16"}
_WAV_HEADER_BYTES = 44  # the canonical header Asterisk's format_wav writes
_CLOSE_WAIT_S = 3.0

ChannelCommand = (
    cmd.Answer | cmd.Play | cmd.StopPlayback | cmd.StartTimer | cmd.CancelTimer | cmd.Record
    | cmd.StopRecording | cmd.SetVariables | cmd.Hangup
)  # fmt: skip
"""The commands :class:`ChannelCommands` carries out."""


class ChannelCommands:
    """Runs channel commands on one channel; ``feed`` takes the events this produces (timers)."""

    def __init__(
        self, ari: AriClient, channel_id: str, recordings_dir: Path, feed: Callable[[flow.Event], None]
    ) -> None:
        self._ari = ari
        self.channel_id = channel_id
        self._recordings_dir = recordings_dir
        self._feed = feed
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._formats: dict[str, str] = {}

    async def run(self, command: ChannelCommand) -> None:
        """Carry out one command (ARI errors propagate)."""
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
                self._timers[timer_id] = loop.call_later(seconds, self._feed, flow.TimerFired(timer_id))
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
            case cmd.SetVariables(variables=variables):
                for key, value in variables.items():
                    await ari.set_variable(channel, key, value)
            case cmd.Hangup():
                with contextlib.suppress(AriNotFound):
                    await ari.hangup(channel)

    def cancel_timers(self) -> None:
        """No timer outlives the call's worker."""
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    async def failure(self, command: cmd.Command, exc: AriError) -> flow.Event:
        """What an ARI failure of ``command`` means for the flow: the channel is gone (``HungUp``), or
        this command failed (``CommandFailed`` with its id)."""
        if isinstance(exc, AriNotFound) and not await self.alive():
            return flow.HungUp()
        command_id = (
            getattr(command, "playback_id", None)
            or getattr(command, "name", None)
            or getattr(command, "timer_id", None)
            or getattr(command, "listen_id", None)
            or getattr(command, "request_id", None)
        )
        return flow.CommandFailed(command_id, str(exc))

    async def alive(self) -> bool:
        """The channel still exists (an ARI error other than 404 counts as alive)."""
        try:
            await self._ari.get_channel(self.channel_id)
        except AriNotFound:
            return False
        except AriError:
            return True
        return True

    def recording_path(self, name: str) -> Path:
        """Where Asterisk wrote the recording ``name``."""
        extension = _FORMAT_EXTENSIONS.get(self._formats.get(name, "wav16"), "wav16")
        return self._recordings_dir / f"{name}.{extension}"

    async def measure(self, name: str) -> int | None:
        """Duration of a finished recording from its file header, or ``None`` if unreadable."""
        path = self.recording_path(name)

        def read() -> int | None:
            try:
                with wave.open(str(path), "rb") as audio:
                    return int(audio.getnframes() * 1000 / audio.getframerate())
            except (OSError, wave.Error, EOFError, ZeroDivisionError):
                return None

        return await asyncio.to_thread(read)

    async def measure_closed(self, name: str) -> int | None:
        """Duration of a recording that was stopped early, once Asterisk has closed the file (its WAV
        header then accounts for every byte): ``0`` when there is no file or no audio in it, ``None``
        when the length cannot be told (not a WAV, or still not closed after a few seconds).

        While Asterisk still writes, the header says 0 frames: reading it then would take a real partial
        recording for an empty one.
        """
        path = self.recording_path(name)
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


CHANNEL_COMMANDS = (
    cmd.Answer, cmd.Play, cmd.StopPlayback, cmd.StartTimer, cmd.CancelTimer, cmd.Record, cmd.StopRecording,
    cmd.SetVariables, cmd.Hangup,
)  # fmt: skip
"""The command classes of :data:`ChannelCommand` (for ``isinstance``)."""
