"""Run the IVR (ARI app) for a settings object: in the foreground (``hotline ivr run``) or in a
background thread with its own event loop (``hotline demo``, tests).

Speech recognition runs next to the IVR in the same event loop when a transcript model resolves
(:func:`speech_setup`): the draft recognizer (:class:`asr.worker.DraftRecognizer`) fills drafts from
their recordings, and with ``HOTLINE_ASR_LIVE`` the live transcriber
(:class:`asr.live.transcriber.LiveTranscriber`) follows each call the IVR hands to a queue.

The speech menu (``HOTLINE_IVR_SPEECH_MENU``) runs in the same loop too: :func:`ivr_config` puts the
phrase list of ``HOTLINE_IVR_SPEECH_LANGUAGE`` into the menu, :func:`speech_setup` resolves
``HOTLINE_ASR_MENU_MODEL``, and :class:`SpeechServices` starts :class:`ivr.speech_menu.SpeechMenu` with
``asr``'s grammar recogniser for the IVR's calls. When the model is missing or cannot take the phrases,
the menu takes keys only, and the log says why.

Both hear the caller through the same audio taps (:class:`ivr.media.taps.AudioTaps`, one Stasis app
``<ari app>-media``): this module is where ``asr`` (which consumes audio frames) meets ``ivr`` (which
taps them), so neither imports the other.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from asr.bus import TranscriptBus
from asr.drafting import DraftingConfig
from asr.drafting.divisions import AREA_CODES
from asr.emergency_screen import TranscriptScreener
from asr.engine import AsrEngine, ModelCache
from asr.errors import ModelMissing
from asr.grammar import GrammarRecognizer
from asr.live.transcriber import LiveTranscriber
from asr.model_registry import resolve_model_path
from asr.worker import DraftRecognizer
from hotline.outbound_runtime import outbound_policy
from hotline.settings import Settings
from ivr.app import IvrApp, IvrConfig
from ivr.ari.client import AriClient
from ivr.call_log import TicketingCallLog
from ivr.call_session import EmergencyScreener, Listener, QueuedHook
from ivr.flows.callback_offer import CallbackOfferConfig
from ivr.flows.hours import ServiceHours
from ivr.flows.menu_config import MenuConfig
from ivr.flows.speech import PhraseList, SpeechConfig
from ivr.media.taps import AudioTaps, media_app_name
from ivr.prompts import speech_phrases
from ivr.queue_callback import TicketingQueueCallbacks
from ivr.speech_menu import SpeechMenu

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class AriTarget:
    """Where the IVR connects and where that Asterisk's recordings appear on this host."""

    url: str
    username: str
    password: str
    app: str
    recordings_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> AriTarget:
        """From ``HOTLINE_ARI_*`` settings; raises ``ValueError`` when the IVR is not configured."""
        if not settings.ari_url or settings.ari_password is None:
            raise ValueError("set HOTLINE_ARI_URL and HOTLINE_ARI_PASSWORD (or use --sandbox)")
        return cls(
            url=settings.ari_url,
            username=settings.ari_username,
            password=settings.ari_password.get_secret_value(),
            app=settings.ari_app,
            recordings_dir=settings.recordings_dir,
        )


def speech_menu_config(settings: Settings) -> SpeechConfig | None:
    """The speech part of the menu per the settings, or ``None`` (off, or no phrase list: logged)."""
    if not settings.ivr_speech_menu:
        return None
    try:
        phrases = PhraseList.of(settings.ivr_speech_language, speech_phrases(settings.ivr_speech_language))
    except KeyError as exc:
        log.warning("speech menu is OFF (HOTLINE_IVR_SPEECH_LANGUAGE): %s; the menu takes keys only", exc)
        return None
    return SpeechConfig(phrases, min_confidence=settings.ivr_speech_min_confidence)


def ivr_config(settings: Settings, target: AriTarget, menu: MenuConfig | None = None) -> IvrConfig:
    """The IVR's behaviour from settings (``menu`` given: used as is)."""
    offer = settings.ivr_callback_offer_seconds
    return IvrConfig(
        menu=menu
        or MenuConfig(
            speech=speech_menu_config(settings),
            callback=CallbackOfferConfig(threshold_s=offer) if offer > 0 else None,
            screen_emergencies=settings.ivr_emergency_screen,
        ),
        callback_policy=outbound_policy(settings),
        callback_handle_s=settings.ivr_callback_handle_seconds,
        hours=ServiceHours(
            opens=settings.ivr_opens, closes=settings.ivr_closes, workdays_only=settings.ivr_workdays_only
        ),
        recordings_dir=target.recordings_dir,
    )


@dataclass
class SpeechSetup:
    """What runs for speech recognition next to the IVR (the engine belongs to whoever made it)."""

    engine: AsrEngine
    model: str
    live: bool = False
    drafts: bool = True  # run the draft recognizer
    poll_interval: float = 2.0
    bus: TranscriptBus = field(default_factory=TranscriptBus)
    menu_model: str | None = None  # grammar model of the speech menu (None: keys only)
    drafting: DraftingConfig = field(default_factory=DraftingConfig)

    def close(self) -> None:
        """Stop the engine's threads."""
        self.engine.close()


def speech_setup(settings: Settings) -> SpeechSetup | None:
    """Speech recognition per the settings, or ``None`` (logged, with the fix) when no model resolves."""
    model = settings.asr_transcript_model
    transcripts = True
    try:
        path = resolve_model_path(model, settings.asr_models_dir)
    except ModelMissing as exc:
        transcripts = False
        log.warning(
            "speech recognition is OFF: %s. Drafts keep their recordings (asr_status pending) and are "
            "recognised once the model is installed and the process restarted",
            exc.message,
        )
    else:
        log.info("speech recognition ON: model %s at %s (live transcripts %s)", model, path,
                 "on" if settings.asr_live else "off")  # fmt: skip
    menu_model = _menu_model(settings)
    if not transcripts and menu_model is None:
        return None
    engine = AsrEngine(ModelCache(settings.asr_models_dir), workers=settings.asr_workers)
    return SpeechSetup(
        engine,
        model,
        live=settings.asr_live and transcripts,
        drafts=transcripts,
        poll_interval=settings.asr_poll_seconds,
        menu_model=menu_model,
        drafting=drafting_config(settings),
    )


def drafting_config(settings: Settings) -> DraftingConfig:
    """Draft extraction for this centre: its city and area code."""
    area = settings.hotline_area_code or AREA_CODES.get(settings.hotline_city)
    return DraftingConfig(home_city=settings.hotline_city, home_area_code=area)


def _menu_model(settings: Settings) -> str | None:
    """The speech menu's model when the speech menu is on and the model resolves (else logged)."""
    if not settings.ivr_speech_menu:
        return None
    model = settings.asr_menu_model
    try:
        path = resolve_model_path(model, settings.asr_models_dir)
    except ModelMissing as exc:
        log.warning("speech menu is OFF: %s. The menu takes keys only", exc.message)
        return None
    log.info("speech menu: model %s at %s", model, path)
    return model


class SpeechServices:
    """The draft recognizer, the live transcriber and the speech menu of one event loop (``async with``)."""

    def __init__(self, setup: SpeechSetup, sessions: sessionmaker[Session], target: AriTarget | None) -> None:
        self.setup = setup
        self._sessions = sessions
        self._target = target
        self.recognizer: DraftRecognizer | None = None
        self.taps: AudioTaps | None = None
        self.live: LiveTranscriber | None = None
        self.menu: SpeechMenu | None = None
        self.screener = TranscriptScreener(setup.engine, setup.model) if setup.drafts else None
        self._tasks: list[asyncio.Task[None]] = []
        self._media_ari: AriClient | None = None

    def on_queued(self, call_id: uuid.UUID, channel_id: str) -> None:
        """The IVR's hook: a call went to a queue; follow it live if enabled."""
        if self.live is not None:
            self.live.start_call(call_id, channel_id)

    async def __aenter__(self) -> SpeechServices:
        setup = self.setup
        # load the model in the background now, so that the first call does not wait for it
        self._tasks.append(asyncio.create_task(asyncio.to_thread(self._preload), name="asr-preload"))
        if setup.drafts:
            self.recognizer = DraftRecognizer(
                self._sessions, setup.engine, setup.model, poll_interval=setup.poll_interval,
                drafting=setup.drafting,
            )  # fmt: skip
            self._tasks.append(asyncio.create_task(self.recognizer.run(), name="asr-drafts"))
        wants_live = setup.live
        wants_menu = setup.menu_model is not None
        if self._target is not None and (wants_live or wants_menu):
            t = self._target
            self._media_ari = AriClient(t.url, t.username, t.password, media_app_name(t.app))
            self.taps = AudioTaps(self._media_ari)
            self._tasks.append(asyncio.create_task(self.taps.run(), name="media-taps"))
            log.info("audio taps via Stasis app %s", self._media_ari.app)
            if wants_live:
                self.live = LiveTranscriber(self.taps, setup.engine, setup.model, self._sessions, setup.bus)
                log.info("live transcription of queued calls is on")
            if setup.menu_model is not None:
                self.menu = SpeechMenu(self.taps, GrammarRecognizer(setup.engine, setup.menu_model))
        return self

    async def connected(self) -> None:
        """Until the audio taps' Stasis app is registered (at once when no taps run)."""
        if self.taps is not None:
            await self.taps.connected.wait()

    async def listener_for(self, config: IvrConfig) -> Listener | None:
        """The speech menu's recognizer for ``config``'s phrases, or ``None`` (keys only; logged why)."""
        speech = config.menu.speech
        if speech is None or self.menu is None:
            return None
        recognizer = self.menu.recognizer
        problem = await asyncio.to_thread(recognizer.problem_with, speech.phrases.grammar)
        if problem is not None:
            log.warning("speech menu is OFF: model %s cannot listen for the %s phrases: %s",
                        recognizer.model, speech.phrases.language, problem)  # fmt: skip
            return None
        return self.menu

    def _preload(self) -> None:
        if not (self.setup.drafts or self.setup.live):
            return
        try:
            self.setup.engine.models.get(self.setup.model)
        except Exception as exc:  # the recognizer will store the reason on each draft
            log.warning("speech model %s could not be loaded: %s", self.setup.model, exc)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for consumer in (self.live, self.menu):
            if consumer is not None:
                with contextlib.suppress(Exception):
                    await consumer.stop()
        if self.taps is not None:
            with contextlib.suppress(Exception):
                await self.taps.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        if self._media_ari is not None:
            await self._media_ari.aclose()


def ivr_app(
    ari: AriClient,
    sessions: sessionmaker[Session],
    config: IvrConfig,
    *,
    on_queued: QueuedHook | None = None,
    listener: Listener | None = None,
    screener: EmergencyScreener | None = None,
) -> IvrApp:
    """The IVR app on the ticketing services (and the queue-callback desk when the menu offers it)."""
    callbacks = None
    if config.menu.callback is not None:
        callbacks = TicketingQueueCallbacks(
            sessions, config.callback_policy, default_handle_s=config.callback_handle_s
        )
    return IvrApp(
        ari, TicketingCallLog(sessions), config, on_queued=on_queued, listener=listener, callbacks=callbacks,
        screener=screener,
    )  # fmt: skip


async def serve_ivr(
    target: AriTarget,
    sessions: sessionmaker[Session],
    config: IvrConfig,
    speech: SpeechSetup | None = None,
    *,
    owns_speech: bool = False,
) -> None:
    """Run the IVR (and speech recognition, when ``speech`` is set up) until cancelled.

    With ``owns_speech`` the speech engine is closed at the end.
    """
    setup = speech
    try:
        async with contextlib.AsyncExitStack() as stack:
            services = None
            if setup is not None:
                services = await stack.enter_async_context(SpeechServices(setup, sessions, target))
            ari = await stack.enter_async_context(
                AriClient(target.url, target.username, target.password, target.app)
            )
            hook = services.on_queued if services is not None and services.live is not None else None
            listener = await services.listener_for(config) if services is not None else None
            screener = services.screener if services is not None else None
            app = ivr_app(ari, sessions, config, on_queued=hook, listener=listener, screener=screener)
            try:
                await app.run()
            finally:
                await app.stop()
    finally:
        if owns_speech and setup is not None:
            setup.close()


class IvrThread:
    """The IVR in a daemon thread with its own event loop; :meth:`stop` ends it cleanly."""

    def __init__(
        self,
        target: AriTarget,
        sessions: sessionmaker[Session],
        config: IvrConfig,
        speech: SpeechSetup | None = None,
    ) -> None:
        self._target, self._sessions, self._config = target, sessions, config
        self._speech = speech
        self.speech: SpeechServices | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._app: IvrApp | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="hotline-ivr", daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        """Start and wait until the app is registered with Asterisk (first ``Resynced``)."""
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the IVR did not connect to {self._target.url} within {timeout:.0f} s")
        if self._error is not None:
            raise RuntimeError(f"the IVR failed to start: {self._error}") from self._error

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the app and the loop."""
        app = self._app
        if app is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(app.stop(), self._loop).result(timeout)
        self._thread.join(timeout)

    @property
    def active_calls(self) -> int:
        """Calls in the menu right now."""
        return self._app.active_calls if self._app is not None else 0

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _run(self) -> None:
        t = self._target
        async with contextlib.AsyncExitStack() as stack:
            if self._speech is not None:
                self.speech = await stack.enter_async_context(SpeechServices(self._speech, self._sessions, t))
            ari = await stack.enter_async_context(AriClient(t.url, t.username, t.password, t.app))
            hook = self.speech.on_queued if self.speech is not None and self.speech.live else None
            listener = await self.speech.listener_for(self._config) if self.speech is not None else None
            screener = self.speech.screener if self.speech is not None else None
            self._app = ivr_app(
                ari, self._sessions, self._config, on_queued=hook, listener=listener, screener=screener
            )
            waiter = asyncio.create_task(self._signal_ready(self._app))
            try:
                await self._app.run()
            finally:
                waiter.cancel()

    async def _signal_ready(self, app: IvrApp) -> None:
        await app.connected.wait()
        if self.speech is not None:
            await self.speech.connected()
        self._ready.set()

    def call_soon(self, work: Callable[[], T]) -> T:
        """Run ``work`` in the IVR's event loop and return its result (e.g. subscribe to the bus)."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(work())
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done.result(10)
