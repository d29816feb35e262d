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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError
from ivr.call_log import CallIds, CallLog
from ivr.channel import CHANNEL_COMMANDS, ChannelCommands
from ivr.flows import commands as cmd
from ivr.flows import events as flow
from ivr.flows.menu import MenuFlow
from ivr.queue_callback import QueueCallbacks, estimate_wait, read_load
from ivr.translate import QUEUE_CONTEXT, queue_name
from ticketing.calls.vocabulary import CallEndReason, Skill

log = logging.getLogger(__name__)


SCREEN_TIMEOUT_S = 6.0
"""A description not read within this long counts as no emergency: the caller is never held up."""


class EmergencyScreener(Protocol):
    """Reads a recorded description for an emergency (speech recognition + the draft's emergency rules)."""

    async def screen(self, recording_path: Path) -> str | None:
        """``110``/``119``/``120``/``122``, or ``None``."""
        ...


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
        callbacks: QueueCallbacks | None = None,
        screener: EmergencyScreener | None = None,
    ) -> None:
        self.channel_id = channel_id
        self.ids = ids
        self._flow = flow_machine
        self._ari = ari
        self._log = call_log
        self._on_done = on_done
        self._on_queued = on_queued
        self._listener = listener
        self._callbacks = callbacks
        self._screener = screener
        self._listens: set[str] = set()
        self._queue: asyncio.Queue[flow.Event] = asyncio.Queue()
        self._channel = ChannelCommands(ari, channel_id, recordings_dir, self.feed)
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
        self._channel.cancel_timers()
        self._stop_listens()
        if self._task is not None:
            self._task.cancel()

    async def _work(self) -> None:
        try:
            while not self._flow.finished:
                event = await self._queue.get()
                if isinstance(event, flow.RecordingFinished):
                    event = flow.RecordingFinished(event.name, await self._channel.measure(event.name))
                commands = (
                    self._flow.start(event) if isinstance(event, flow.Started) else self._flow.handle(event)
                )
                for command in commands:
                    await self._execute(command)
        except Exception:
            log.exception("call %s: flow worker crashed", self.channel_id)
            await self._rescue()
        finally:
            self._channel.cancel_timers()
            self._stop_listens()
            self._on_done(self.channel_id)

    async def _execute(self, command: cmd.Command) -> None:
        try:
            if isinstance(command, CHANNEL_COMMANDS):
                await self._channel.run(command)
            else:
                await self._run(command)
        except AriError as exc:
            # The channel (or the playback/recording) may be gone: a hang-up if the channel is.
            log.info("call %s: %s → %s", self.channel_id, type(command).__name__, exc)
            self.feed(await self._channel.failure(command, exc))

    async def _run(self, command: cmd.Command) -> None:
        ari, channel = self._ari, self.channel_id
        match command:
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
            case cmd.EstimateWait(request_id=request_id, skill=skill):
                self.feed(flow.WaitEstimated(request_id, await self._estimate(skill)))
            case cmd.RequestCallback(request_id=request_id, skill=skill):
                if self._callbacks is None:
                    self.feed(flow.CommandFailed(request_id, "no queue callbacks here"))
                    return
                try:
                    job_id = await self._callbacks.keep_place(self.ids.call_id, skill)
                except Exception as exc:  # the flow sends the caller on to the queue instead
                    log.warning("call %s: the queue callback was not stored: %s", channel, exc)
                    self.feed(flow.CommandFailed(request_id, str(exc)))
                    return
                log.info("call %s: place kept in %s (callback job %s)", channel, queue_name(skill), job_id)
                self.feed(flow.CallbackBooked(request_id))
            case cmd.ScreenEmergency(request_id=request_id, recording=recording):
                self.feed(flow.EmergencyScreened(request_id, await self._screen(recording)))
            case cmd.ReportChoice(skill=skill):
                await self._log.chose(self.ids.call_id, skill, steps=self._take_steps())
            case cmd.ReportStep(step=step):
                self._steps.append(step)  # written with the next report: fewer transactions per call
            case cmd.ReportRecording(name=name, duration_ms=duration_ms):
                if duration_ms is None:  # cut short (hang-up): measure once Asterisk has closed the file
                    duration_ms = await self._channel.measure_closed(name)
                    if duration_ms == 0:
                        log.info("call %s: recording %s holds no audio; not attached", self.channel_id, name)
                        return
                await self._log.recorded(
                    self.ids.call_id,
                    str(self._channel.recording_path(name)),
                    duration_ms,
                    steps=self._take_steps(),
                )
            case cmd.ReportEnd(reason=reason):
                await self._log.ended(
                    self.ids.call_id, reason, steps=self._take_steps(), queue=self._queue_name
                )
            case _:
                raise TypeError(f"unknown command {command!r}")

    async def _screen(self, recording: str) -> str | None:
        if self._screener is None:
            return None
        path = self._channel.recording_path(recording)
        try:
            service = await asyncio.wait_for(self._screener.screen(path), SCREEN_TIMEOUT_S)
        except Exception as exc:  # slow or broken recognition: the caller goes on as usual
            log.warning(
                "call %s: emergency screen of %s failed: %s", self.channel_id, recording, exc or "timeout"
            )
            return None
        if service is not None:
            log.warning("call %s: the description sounds like an emergency for %s", self.channel_id, service)
        return service

    async def _estimate(self, skill: Skill) -> float | None:
        """The caller's expected wait in the skill's queue; ``None``: no callback can be offered."""
        if self._callbacks is None:
            return None
        queue = queue_name(skill)
        try:
            handle_s = await self._callbacks.handle_seconds(self.ids.call_id, queue)
            if handle_s is None:
                return None
            return estimate_wait(await read_load(self._ari, self.channel_id, queue), handle_s)
        except AriError:
            raise  # the channel may be gone: the flow learns it as a failure or a hang-up
        except Exception as exc:
            log.warning("call %s: no wait estimate for %s: %s", self.channel_id, queue, exc)
            return None

    def _stop_listens(self) -> None:
        """No listen outlives its call's worker (the flow stops them; this covers crashes/shutdown)."""
        if self._listener is not None:
            for listen_id in self._listens:
                self._listener.stop_listening(listen_id)
        self._listens.clear()

    def _take_steps(self) -> list[str]:
        steps, self._steps = self._steps, []
        return steps

    async def _rescue(self) -> None:
        """Our code failed: send the caller to the general queue and record the failure."""
        with contextlib.suppress(Exception):
            await self._ari.continue_in_dialplan(
                self.channel_id, context=QUEUE_CONTEXT, extension="general", priority=1
            )
        with contextlib.suppress(Exception):
            await self._log.ended(self.ids.call_id, CallEndReason.FAILED, steps=self._take_steps())
