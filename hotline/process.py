"""One hotline process from one settings object: the web app, and — when configured — speech recognition,
the IVR (``HOTLINE_ARI_URL``) and the agent bridge (``HOTLINE_AMI_HOST``), all in one asyncio loop (the
bridge pushes to WebSockets of the same app, the desktop follows live transcripts of the same bus).

``hotline serve`` runs :meth:`HotlineProcess.run` in the foreground; the demo and the tests run it in a
thread of its own (:class:`ProcessThread`) and wait until every part is connected.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from sqlalchemy import Engine

from agent_bridge.ami.connection import AmiConnection, AmiTarget
from agent_bridge.bridge import AgentBridge
from agent_bridge.dialer.dialer import OutboundDialer
from agent_bridge.hub import Hub
from hotline.ivr_runtime import AriTarget, SpeechServices, ivr_app, ivr_config, speech_setup
from hotline.outbound_runtime import (
    dialer_config,
    outbound_policy,
    survey_app_config,
    twilio_config,
    twilio_survey_calls,
)
from hotline.settings import Settings
from hotline.wiring import build_app, build_engine
from ivr.app import IvrApp
from ivr.ari.client import AriClient
from ivr.survey_app import SurveyApp
from ivr.survey_log import TicketingSurveyLog
from ticketing.db.engine import make_sessionmaker
from ticketing.surveys.twilio.config import TwilioConfig, make_client
from ticketing.surveys.twilio.sms import SmsReceipts, send_due

log = logging.getLogger(__name__)
T = TypeVar("T")
SMS_ROUND_S = 10.0  # how often new registrations are looked for and their receipts sent


def ami_target(settings: Settings) -> AmiTarget | None:
    """Where the agent bridge connects (``None``: no bridge)."""
    if not settings.ami_host:
        return None
    secret = settings.ami_secret.get_secret_value() if settings.ami_secret else ""
    return AmiTarget(settings.ami_host, settings.ami_port, settings.ami_username, secret, settings.ami_host)


class HotlineProcess:
    """Everything one ``hotline serve`` runs."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        engine: Engine | None = None,
        log_level: str = "info",
    ) -> None:
        self.settings = settings
        self._owns_engine = engine is None
        self.engine = engine or build_engine(settings)
        self.sessions = make_sessionmaker(self.engine)
        self.hub = Hub()
        self.app = build_app(settings, self.engine, hub=self.hub)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=host, port=port, log_level=log_level))
        self.speech: SpeechServices | None = None
        self.ivr: IvrApp | None = None
        self.bridge: AgentBridge | None = None
        self.surveys: SurveyApp | None = None
        self.dialer: OutboundDialer | None = None
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Serve until the server stops (Ctrl-C, SIGTERM, :meth:`stop`)."""
        settings = self.settings
        setup = speech_setup(settings)
        target = AriTarget.from_settings(settings) if settings.ari_url else None
        tasks: list[asyncio.Task[Any]] = []
        try:
            async with contextlib.AsyncExitStack() as stack:
                if setup is not None:
                    self.speech = await stack.enter_async_context(
                        SpeechServices(setup, self.sessions, target)
                    )
                if target is not None:
                    ari = await stack.enter_async_context(
                        AriClient(target.url, target.username, target.password, target.app)
                    )
                    config = ivr_config(settings, target)
                    speech = self.speech
                    hook = speech.on_queued if speech is not None and speech.live is not None else None
                    listener = await speech.listener_for(config) if speech is not None else None
                    screener = speech.screener if speech is not None else None
                    self.ivr = ivr_app(
                        ari, self.sessions, config, on_queued=hook, listener=listener, screener=screener
                    )
                    tasks.append(asyncio.create_task(self.ivr.run(), name="ivr"))
                    log.info("IVR app %s on %s", target.app, target.url)
                ami = ami_target(settings)
                if ami is not None:
                    self.bridge = AgentBridge(
                        AmiConnection(ami),
                        self.sessions,
                        self.hub,
                        transcripts=setup.bus.subscribe if setup is not None else None,
                        start_live=self._start_live,
                        service_level_s=settings.service_level_seconds,
                    )
                    self.app.state.bridge = self.bridge
                    tasks.append(asyncio.create_task(self.bridge.run(), name="agent-bridge"))
                    log.info("agent bridge on AMI %s:%d", ami.host, ami.port)
                if settings.outbound:
                    await self._start_outbound(stack, tasks, target)
                if settings.sms_receipts:
                    tasks.append(asyncio.create_task(self._send_receipts(), name="sms-receipts"))
                tasks.append(asyncio.create_task(self._signal_ready(), name="ready"))
                await self.server.serve()
        finally:
            if self.ivr is not None:
                with contextlib.suppress(Exception):
                    await self.ivr.stop()
            if self.surveys is not None:
                with contextlib.suppress(Exception):
                    await self.surveys.stop()
            if self.dialer is not None:
                with contextlib.suppress(Exception):
                    await self.dialer.stop()
            if self.bridge is not None:
                with contextlib.suppress(Exception):
                    await self.bridge.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            if setup is not None:
                setup.close()
            if self._owns_engine:
                self.engine.dispose()

    async def _start_outbound(
        self, stack: contextlib.AsyncExitStack, tasks: list[asyncio.Task[Any]], target: AriTarget | None
    ) -> None:
        """The survey Stasis app (on ARI) and the dialer (on the bridge's AMI connection)."""
        policy = outbound_policy(self.settings)
        if target is not None:
            ari = await stack.enter_async_context(
                AriClient(target.url, target.username, target.password, self.settings.survey_app)
            )
            log_ = TicketingSurveyLog(self.sessions, policy)
            self.surveys = SurveyApp(
                ari, log_, survey_app_config(self.settings), on_finished=self._survey_finished
            )
            tasks.append(asyncio.create_task(self.surveys.run(), name="survey-app"))
            log.info("survey app %s on %s", self.settings.survey_app, target.url)
        if self.bridge is None:
            log.warning("outbound calls need the AMI (HOTLINE_AMI_HOST): the dialer does not run")
            return
        self.dialer = OutboundDialer(
            self.bridge.ami, self.sessions, policy, dialer_config(self.settings), own_connection=False,
            survey_calls=twilio_survey_calls(self.settings), on_change=self.hub.to_boards,
        )  # fmt: skip
        self.app.state.dialer = self.dialer
        tasks.append(asyncio.create_task(self.dialer.run(), name="dialer"))
        log.info("outbound dialer: %s per second, %d at once, windows %s", self.settings.outbound_pace,
                 self.settings.outbound_max_concurrent, self.settings.outbound_windows)  # fmt: skip

    def _survey_finished(self, attempt_id: uuid.UUID, _result: object) -> None:
        if self.dialer is not None:
            self.dialer.survey_finished(attempt_id)

    async def _send_receipts(self) -> None:
        """Text each newly registered ticket's number to its caller (Twilio), every few seconds."""
        config = twilio_config(self.settings)
        if config is None:
            log.warning("SMS receipts need a Twilio account (HOTLINE_TWILIO_*): none are sent")
            return
        client = make_client(config)
        log.info("SMS receipts through Twilio from %s", config.from_number)
        while True:
            try:
                await asyncio.to_thread(self._receipts_round, client, config)
            except Exception:
                log.exception("SMS receipts: a round failed; again shortly")
            await asyncio.sleep(SMS_ROUND_S)

    def _receipts_round(self, client: Any, config: TwilioConfig) -> None:
        with self.sessions.begin() as session:
            SmsReceipts(session).schedule()
        send_due(self.sessions, client, config)

    def stop(self) -> None:
        """Ask the server to stop (``run`` then tears everything down)."""
        self.server.should_exit = True

    def _start_live(self, call_id: uuid.UUID, channel_id: str) -> None:
        if self.speech is not None and self.speech.live is not None:
            self.speech.live.start_call(call_id, channel_id)

    async def _signal_ready(self) -> None:
        while not self.server.started:
            await asyncio.sleep(0.05)
        if self.ivr is not None:
            await self.ivr.connected.wait()
        if self.speech is not None:
            await self.speech.connected()
        if self.bridge is not None:
            await self.bridge.synced.wait()
        if self.surveys is not None:
            await self.surveys.connected.wait()
        if self.dialer is not None:
            await self.dialer.settled.wait()
        self.ready.set()


class ProcessThread:
    """A :class:`HotlineProcess` in a daemon thread with its own event loop (demo, tests)."""

    def __init__(self, settings: Settings, *, port: int, engine: Engine | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._settings, self._port, self._engine = settings, port, engine
        self.process: HotlineProcess | None = None
        self._thread = threading.Thread(target=self._main, name="hotline-process", daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    def start(self, timeout: float = 60.0) -> HotlineProcess:
        """Start and wait until the server answers and every configured part is connected."""
        self._thread.start()
        if not self._started.wait(timeout):
            self.stop()
            raise RuntimeError(f"the hotline process did not get ready within {timeout:.0f} s")
        if self._error is not None:
            raise RuntimeError(f"the hotline process failed to start: {self._error}") from self._error
        assert self.process is not None
        return self.process

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server and everything with it."""
        if self.process is not None:
            self._loop.call_soon_threadsafe(self.process.stop)
        self._thread.join(timeout)

    def call(self, work: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``work`` in the process's loop and return its result."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(work())
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        except BaseException as exc:
            self._error = exc
            self._started.set()
        finally:
            self._loop.close()

    async def _run(self) -> None:
        self.process = HotlineProcess(
            self._settings, host="127.0.0.1", port=self._port, engine=self._engine, log_level="warning"
        )

        async def announce() -> None:
            await self.process.ready.wait() if self.process else None
            self._started.set()

        waiter = asyncio.create_task(announce())
        try:
            await self.process.run()
        finally:
            waiter.cancel()
