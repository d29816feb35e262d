"""The IVR Stasis application: routes ARI events to one :class:`CallSession` per channel.

Connection loss is handled by :class:`~ivr.ari.supervisor.AriSupervisor`; after every (re)connect its
``Resynced`` event lists the channels in our app, and :meth:`IvrApp._resync` reconciles:

- a channel we do not know (our process restarted mid-call) cannot resume its menu: it goes to the queue
  of the skill it already chose (the call row remembers it), else to the general queue — the caller is
  never stranded;
- a session whose channel is gone (hung up while we were away) gets ``HungUp``;
- a call still open in the database whose channel is gone ends as ``system_lost``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from ivr.ari.client import AriClient
from ivr.ari.errors import AriError
from ivr.ari.events import AriEvent, Resynced, StasisStart
from ivr.ari.supervisor import AriSupervisor
from ivr.call_log import CallLog
from ivr.call_session import CallSession, EmergencyScreener, Listener, QueuedHook
from ivr.flows import events as flow
from ivr.flows.hours import ServiceHours
from ivr.flows.menu import MenuFlow
from ivr.flows.menu_config import SKILL_VARIABLE, MenuConfig
from ivr.queue_callback import QueueCallbacks
from ivr.session_table import SessionTable
from ivr.translate import QUEUE_CONTEXT, queue_name
from ticketing.calls.vocabulary import CallEndReason, Skill
from ticketing.outbound.policy import OutboundPolicy

log = logging.getLogger(__name__)


@dataclass
class IvrConfig:
    """How the IVR behaves."""

    menu: MenuConfig = field(default_factory=MenuConfig)
    hours: ServiceHours = field(default_factory=ServiceHours)
    recordings_dir: Path = Path("/var/spool/asterisk/recording")
    callback_policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    """Opt-outs and retries of the queue callbacks the menu books (``menu.callback``)."""
    callback_handle_s: float = 180.0
    """The talk time the wait estimate assumes until a queue has recent conversations."""


class IvrApp:
    """The 12345 inbound IVR on one Asterisk.

    ``on_queued(call_id, channel_id)`` runs when a call has left the menu for a queue (live transcripts).
    ``listener`` recognises speech in the menu when the menu config asks for it (``MenuConfig.speech``);
    without one the menu runs on keys only (logged once).
    """

    def __init__(
        self,
        ari: AriClient,
        call_log: CallLog,
        config: IvrConfig | None = None,
        *,
        supervisor: AriSupervisor | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: QueuedHook | None = None,
        listener: Listener | None = None,
        callbacks: QueueCallbacks | None = None,
        screener: EmergencyScreener | None = None,
    ) -> None:
        self._ari = ari
        self._log = call_log
        self._config = config or IvrConfig()
        self._listener = listener
        self._menu = self._config.menu
        if self._menu.speech is not None and listener is None:
            log.warning("speech menu is configured but no speech recognizer runs: the menu takes keys only")
            self._menu = replace(self._menu, speech=None)
        elif self._menu.speech is not None:
            log.info("speech menu ON (%s phrases: %s)", self._menu.speech.phrases.language,
                     " / ".join(self._menu.speech.phrases.grammar))  # fmt: skip
        if self._menu.callback is not None and callbacks is None:
            log.warning("the queue-callback offer is configured but nothing keeps places: not offered")
            self._menu = replace(self._menu, callback=None)
        self._callbacks = callbacks
        if self._menu.screen_emergencies and screener is None:
            log.info("emergency screening is off: no speech recognizer runs (no transcript model)")
            self._menu = replace(self._menu, screen_emergencies=False)
        self._screener = screener
        self._supervisor = supervisor or AriSupervisor(ari)
        self._now = now
        self._on_queued = on_queued
        self._sessions: SessionTable[CallSession] = SessionTable()
        self.connected = asyncio.Event()

    @property
    def active_calls(self) -> int:
        """Calls currently in the menu."""
        return len(self._sessions)

    async def run(self) -> None:
        """Handle events until :meth:`stop`."""
        try:
            async for event in self._supervisor.events():
                await self._dispatch(event)
        finally:
            self._sessions.cancel_all()

    async def stop(self) -> None:
        """Stop taking events; calls in the menu are recovered on the next start (resync)."""
        await self._supervisor.stop()

    async def _dispatch(self, event: AriEvent) -> None:
        if isinstance(event, Resynced):
            await self._resync(event)
            self.connected.set()
            return
        if isinstance(event, StasisStart):
            start = event
            self._sessions.set_up(event.channel.id, lambda: self._start_call(start))
            return
        self._sessions.route(event)

    async def _start_call(self, event: StasisStart) -> None:
        channel = event.channel
        try:
            ids = await self._log.started(channel.id, channel.caller_number or None, channel.dialplan.exten)
        except Exception:
            # Without a call record we cannot keep a draft: let the dialplan's queue take the caller.
            log.exception("call %s: could not record the call; sending it to the general queue", channel.id)
            await self._to_general_queue(channel.id)
            return
        # "__": inherited by every channel the call creates (the agent's leg, a transfer), so that queue
        # events and the agent's side carry them too (manager.conf channelvars)
        variables = {"__HOTLINE_CALL_ID": str(ids.call_id)}
        if ids.draft_id is not None:
            variables["__HOTLINE_DRAFT_ID"] = str(ids.draft_id)
        for name, value in variables.items():
            with contextlib.suppress(AriError):
                await self._ari.set_variable(channel.id, name, value)
        session = CallSession(
            channel.id,
            ids,
            MenuFlow(self._menu, call_name=_safe_name(channel.id)),
            self._ari,
            self._log,
            self._config.recordings_dir,
            on_done=self._sessions.done,
            on_queued=self._on_queued,
            listener=self._listener if self._menu.speech is not None else None,
            callbacks=self._callbacks,
            screener=self._screener,
        )
        pending = self._sessions.add(channel.id, session)
        session.start(flow.Started(within_hours=self._config.hours.is_open(self._now())))
        for kept in pending:
            session.feed(kept)

    async def _resync(self, event: Resynced) -> None:
        live = {channel.id: channel for channel in event.channels}
        self._sessions.hang_up_missing(live)
        for channel_id, channel in live.items():
            if self._sessions.known(channel_id):
                continue
            try:
                ids = await self._log.started(
                    channel_id, channel.caller_number or None, channel.dialplan.exten
                )
                skill = ids.skill or Skill.GENERAL
                log.warning("call %s: found in the app after a reconnect; to the %s queue", channel_id, skill)
                await self._to_queue(channel_id, skill)
                await self._log.ended(
                    ids.call_id, CallEndReason.QUEUED, steps=["resynced"], queue=queue_name(skill)
                )
            except Exception:
                log.exception("call %s: resync failed", channel_id)
                await self._to_general_queue(channel_id)
        try:
            open_calls = await self._log.open_calls()
        except Exception:
            log.exception("resync: cannot list open calls")
            return
        for channel_id, call_id in open_calls.items():
            if channel_id not in live and not self._sessions.known(channel_id):
                with contextlib.suppress(Exception):
                    await self._log.ended(call_id, CallEndReason.SYSTEM_LOST)

    async def _to_general_queue(self, channel_id: str) -> None:
        await self._to_queue(channel_id, Skill.GENERAL)

    async def _to_queue(self, channel_id: str, skill: Skill) -> None:
        with contextlib.suppress(AriError):
            await self._ari.set_variable(channel_id, SKILL_VARIABLE, skill.value)
        with contextlib.suppress(AriError):
            await self._ari.continue_in_dialplan(
                channel_id, context=QUEUE_CONTEXT, extension=skill.value, priority=1
            )


def _safe_name(channel_id: str) -> str:
    """Channel ids (``1732867200.42``) become file-name-safe recording name prefixes."""
    return "call-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in channel_id)
