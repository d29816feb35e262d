"""Run the IVR (ARI app) for a settings object: in the foreground (``hotline ivr run``) or in a
background thread with its own event loop (``hotline demo``, tests)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hotline.settings import Settings
from ivr.app import IvrApp, IvrConfig
from ivr.ari.client import AriClient
from ivr.call_log import TicketingCallLog
from ivr.flows.hours import ServiceHours
from ivr.flows.menu import MenuConfig


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


def ivr_config(settings: Settings, target: AriTarget, menu: MenuConfig | None = None) -> IvrConfig:
    """The IVR's behaviour from settings."""
    return IvrConfig(
        menu=menu or MenuConfig(),
        hours=ServiceHours(
            opens=settings.ivr_opens, closes=settings.ivr_closes, workdays_only=settings.ivr_workdays_only
        ),
        recordings_dir=target.recordings_dir,
    )


async def serve_ivr(target: AriTarget, sessions: sessionmaker[Session], config: IvrConfig) -> None:
    """Run the IVR until cancelled."""
    async with AriClient(target.url, target.username, target.password, target.app) as ari:
        app = IvrApp(ari, TicketingCallLog(sessions), config)
        try:
            await app.run()
        finally:
            await app.stop()


class IvrThread:
    """The IVR in a daemon thread with its own event loop; :meth:`stop` ends it cleanly."""

    def __init__(self, target: AriTarget, sessions: sessionmaker[Session], config: IvrConfig) -> None:
        self._target, self._sessions, self._config = target, sessions, config
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
        async with AriClient(t.url, t.username, t.password, t.app) as ari:
            self._app = IvrApp(ari, TicketingCallLog(self._sessions), self._config)
            waiter = asyncio.create_task(self._signal_ready(self._app))
            try:
                await self._app.run()
            finally:
                waiter.cancel()

    async def _signal_ready(self, app: IvrApp) -> None:
        await app.connected.wait()
        self._ready.set()
