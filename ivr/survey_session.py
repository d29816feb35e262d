"""One outbound survey call in the survey Stasis app: its :class:`~ivr.flows.survey.SurveyFlow`, its
ordered event queue, and the commands run against ARI (channel commands through
:class:`~ivr.channel.ChannelCommands`, reports through the :class:`~ivr.survey_log.SurveyLog`).

The end report settles the attempt and applies the answers; it is also made when the worker crashes,
so no answer given is ever left unapplied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError
from ivr.channel import CHANNEL_COMMANDS, ChannelCommands
from ivr.flows import commands as cmd
from ivr.flows import events as flow
from ivr.flows.survey import SurveyFlow
from ivr.survey_log import SurveyLog
from ticketing.surveys.service import SurveyResult

log = logging.getLogger(__name__)

FinishedHook = Callable[[uuid.UUID, SurveyResult], None]
"""Called with the attempt id and what the survey did (e.g. to print it in the demo); must not block."""


class SurveySession:
    """Runs one :class:`SurveyFlow` on one channel for one outbound attempt."""

    def __init__(
        self,
        channel_id: str,
        attempt_id: uuid.UUID,
        survey: SurveyFlow,
        ari: AriClient,
        survey_log: SurveyLog,
        recordings_dir: Path,
        on_done: Callable[[str], None],
        on_finished: FinishedHook | None = None,
    ) -> None:
        self.channel_id = channel_id
        self.attempt_id = attempt_id
        self._flow = survey
        self._log = survey_log
        self._on_done = on_done
        self._on_finished = on_finished
        self._channel = ChannelCommands(ari, channel_id, recordings_dir, self.feed)
        self._queue: asyncio.Queue[flow.Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._reported_end = False

    def start(self) -> None:
        """Start the worker."""
        self._queue.put_nowait(flow.Started())
        self._task = asyncio.create_task(self._work(), name=f"survey-{self.channel_id}")

    def feed(self, event: flow.Event) -> None:
        """Queue an event for this call."""
        self._queue.put_nowait(event)

    async def wait(self) -> None:
        """Until the worker has stopped."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def cancel(self) -> None:
        """Stop the worker (shutdown): the answers so far are applied by the app's resync later."""
        self._channel.cancel_timers()
        if self._task is not None:
            self._task.cancel()

    async def _work(self) -> None:
        try:
            while not self._flow.finished:
                event = await self._queue.get()
                if isinstance(event, flow.RecordingFinished):
                    event = flow.RecordingFinished(event.name, await self._channel.measure(event.name))
                started = isinstance(event, flow.Started)
                commands = self._flow.start(event) if started else self._flow.handle(event)  # type: ignore[arg-type]
                for command in commands:
                    await self._execute(command)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("survey %s: the flow crashed; hanging up, keeping the answers", self.channel_id)
            with contextlib.suppress(Exception):
                await self._channel.run(cmd.Hangup())
            if not self._reported_end:
                with contextlib.suppress(Exception):
                    await self._finish()
        finally:
            self._channel.cancel_timers()
            self._on_done(self.channel_id)

    async def _execute(self, command: cmd.Command) -> None:
        try:
            if isinstance(command, CHANNEL_COMMANDS):
                await self._channel.run(command)
            else:
                await self._report(command)
        except AriError as exc:
            log.info("survey %s: %s → %s", self.channel_id, type(command).__name__, exc)
            self.feed(await self._channel.failure(command, exc))

    async def _report(self, command: cmd.Command) -> None:
        match command:
            case cmd.ReportAnswer(ticket_id=ticket_id, solved=solved, satisfaction=satisfaction):
                await self._log.answer(self.attempt_id, ticket_id, solved, satisfaction)
            case cmd.ReportComment(name=name, duration_ms=duration_ms):
                if duration_ms is None:
                    duration_ms = await self._channel.measure_closed(name)
                if duration_ms == 0:
                    return  # nothing was said
                await self._log.comment(self.attempt_id, str(self._channel.recording_path(name)))
            case cmd.ReportSurveyEnd(how=how):
                log.info("survey %s: call ended (%s)", self.attempt_id, how)
                await self._finish()
            case _:
                raise TypeError(f"the survey cannot carry out {command!r}")

    async def _finish(self) -> None:
        self._reported_end = True
        result = await self._log.finished(self.attempt_id)
        if self._on_finished is not None:
            try:
                self._on_finished(self.attempt_id, result)
            except Exception:
                log.exception("survey %s: the finished hook failed", self.attempt_id)
