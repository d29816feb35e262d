"""The 回访 survey Stasis application: the dialer's answered calls enter it (dialplan ``hotline-survey-out``:
``Stasis(<survey app>,<attempt id>)``) and each gets a :class:`~ivr.survey_session.SurveySession`.

After a (re)connect the app reconciles like the IVR: a survey whose channel is gone gets ``HungUp`` (its
answers are applied); a channel still in the app that no session knows (our process restarted mid-survey)
cannot resume its questions — it is thanked off with a hang-up and its attempt is finished with the
answers it had given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError
from ivr.ari.events import AriEvent, Resynced, StasisStart
from ivr.ari.supervisor import AriSupervisor
from ivr.flows.survey import SurveyConfig, SurveyFlow
from ivr.session_table import SessionTable
from ivr.survey_log import SurveyLog
from ivr.survey_session import FinishedHook, SurveySession

log = logging.getLogger(__name__)


@dataclass
class SurveyAppConfig:
    """How the survey app behaves."""

    survey: SurveyConfig = field(default_factory=SurveyConfig)
    recordings_dir: Path = Path("/var/spool/asterisk/recording")


class SurveyApp:
    """The survey calls on one Asterisk (see the module docstring)."""

    def __init__(
        self,
        ari: AriClient,
        survey_log: SurveyLog,
        config: SurveyAppConfig | None = None,
        *,
        supervisor: AriSupervisor | None = None,
        on_finished: FinishedHook | None = None,
    ) -> None:
        self._ari = ari
        self._log = survey_log
        self._config = config or SurveyAppConfig()
        self._supervisor = supervisor or AriSupervisor(ari)
        self._on_finished = on_finished
        self._sessions: SessionTable[SurveySession] = SessionTable()
        self.connected = asyncio.Event()

    @property
    def active_surveys(self) -> int:
        """Survey calls in progress."""
        return len(self._sessions)

    async def run(self) -> None:
        """Handle events until :meth:`stop`."""
        try:
            async for event in self._supervisor.events():
                await self._dispatch(event)
        finally:
            self._sessions.cancel_all()

    async def stop(self) -> None:
        """Stop taking events."""
        await self._supervisor.stop()

    async def _dispatch(self, event: AriEvent) -> None:
        if isinstance(event, Resynced):
            await self._resync(event)
            self.connected.set()
            return
        if isinstance(event, StasisStart):
            channel, args = event.channel.id, event.args
            self._sessions.set_up(channel, lambda: self._start(channel, args))
            return
        self._sessions.route(event)

    async def _start(self, channel_id: str, args: tuple[str, ...]) -> None:
        attempt_id = _attempt_of(args[0] if args else channel_id)
        if attempt_id is None:
            log.warning("survey call %s without an attempt id (%s): hanging up", channel_id, args)
            await self._hang_up(channel_id)
            return
        try:
            matters = await self._log.matters(attempt_id)
        except Exception as exc:
            log.warning("survey call %s: attempt %s cannot be surveyed (%s)", channel_id, attempt_id, exc)
            await self._hang_up(channel_id)
            return
        name = "survey-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in channel_id)
        session = SurveySession(
            channel_id,
            attempt_id,
            SurveyFlow(matters, self._config.survey, call_name=name),
            self._ari,
            self._log,
            self._config.recordings_dir,
            on_done=self._sessions.done,
            on_finished=self._on_finished,
        )
        pending = self._sessions.add(channel_id, session)
        session.start()
        for kept in pending:
            session.feed(kept)

    async def _resync(self, event: Resynced) -> None:
        live = {channel.id for channel in event.channels}
        self._sessions.hang_up_missing(live)
        for channel_id in (c for c in live if not self._sessions.known(c)):
            attempt_id = _attempt_of(channel_id)
            log.warning("survey call %s found after a reconnect: it cannot resume; hanging up", channel_id)
            await self._hang_up(channel_id)
            if attempt_id is not None:
                with contextlib.suppress(Exception):
                    await self._log.finished(attempt_id)

    async def _hang_up(self, channel_id: str) -> None:
        with contextlib.suppress(AriError):
            await self._ari.hangup(channel_id)


def _attempt_of(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
