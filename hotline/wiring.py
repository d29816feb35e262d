"""Assemble the running parts from one :class:`~hotline.settings.Settings` object."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from agent_bridge.hub import Hub
from agent_bridge.web import router as agent_routes
from hotline.outbound_runtime import outbound_policy, twilio_config
from hotline.settings import Settings
from ticketing.api.app import API_PREFIX, create_app
from ticketing.api.context import ApiContext
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.surveys.twilio import webhooks


def build_engine(settings: Settings) -> Engine:
    """The database engine for ``settings``."""
    return make_engine(settings.effective_database_url, echo=settings.sql_echo)


def build_app(settings: Settings, engine: Engine | None = None, *, hub: Hub | None = None) -> FastAPI:
    """The web application: the REST API and web pages of ``ticketing`` plus the agent desktop's routes
    and WebSockets (``agent_bridge.web``); ``app.state.bridge`` is set when a bridge runs."""
    engine = engine or build_engine(settings)
    ctx = ApiContext(sessions=make_sessionmaker(engine), token_ttl=timedelta(hours=settings.token_ttl_hours))
    app = create_app(ctx, attachments_dir=settings.attachments_dir)
    app.state.hub = hub or Hub()
    app.state.bridge = None
    app.include_router(agent_routes, prefix=API_PREFIX)
    twilio = twilio_config(settings)
    if twilio is not None:  # Twilio's webhooks (survey TwiML, call progress, SMS delivery), signed
        webhooks.install(app, twilio, policy=outbound_policy(settings))
    return app


async def serve_all(settings: Settings, *, host: str, port: int) -> None:
    """The API server, speech recognition, the IVR (``HOTLINE_ARI_URL``) and the agent bridge
    (``HOTLINE_AMI_HOST``) in one asyncio process (:class:`hotline.process.HotlineProcess`).

    Speech recognition runs when a model resolves (else a warning says how to install it). The IVR and
    the bridge reconnect to Asterisk by themselves; everything stops when the server stops.
    """
    from hotline.process import HotlineProcess

    await HotlineProcess(settings, host=host, port=port).run()
