"""Assemble the running parts from one :class:`~hotline.settings.Settings` object."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from hotline.settings import Settings
from ticketing.api.app import create_app
from ticketing.api.context import ApiContext
from ticketing.db.engine import make_engine, make_sessionmaker


def build_engine(settings: Settings) -> Engine:
    """The database engine for ``settings``."""
    return make_engine(settings.effective_database_url, echo=settings.sql_echo)


def build_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The full web application (REST API today; desktops and websockets join it later)."""
    engine = engine or build_engine(settings)
    ctx = ApiContext(sessions=make_sessionmaker(engine), token_ttl=timedelta(hours=settings.token_ttl_hours))
    return create_app(ctx, attachments_dir=settings.attachments_dir)


async def serve_all(settings: Settings, *, host: str, port: int) -> None:
    """The API server, speech recognition and, if ``HOTLINE_ARI_URL`` is set, the IVR, in one asyncio
    process.

    Speech recognition runs when the transcript model resolves (else a warning says how to install it):
    the draft recognizer always, live transcripts of queued calls with ``HOTLINE_ASR_LIVE`` and the IVR.
    The IVR reconnects to Asterisk by itself; everything stops when the server stops (Ctrl-C / SIGTERM).
    """
    import asyncio
    import contextlib
    import logging

    import uvicorn

    from hotline.ivr_runtime import AriTarget, SpeechServices, ivr_config, serve_ivr, speech_setup

    engine = build_engine(settings)
    sessions = make_sessionmaker(engine)
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings, engine), host=host, port=port, log_level="info")
    )
    speech = speech_setup(settings)
    side_task: asyncio.Task[None] | None = None
    if settings.ari_url:
        target = AriTarget.from_settings(settings)
        logging.getLogger(__name__).info("IVR app %s on %s", target.app, target.url)
        side_task = asyncio.create_task(serve_ivr(target, sessions, ivr_config(settings, target), speech))
    elif speech is not None:

        async def speech_only() -> None:
            async with SpeechServices(speech, sessions, None):
                await asyncio.Event().wait()  # until cancelled

        side_task = asyncio.create_task(speech_only())
    try:
        await server.serve()
    finally:
        if side_task is not None:
            side_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await side_task
        if speech is not None:
            speech.close()
        engine.dispose()
