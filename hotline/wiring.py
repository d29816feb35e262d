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
    return create_app(ctx)
