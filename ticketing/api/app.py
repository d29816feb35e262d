"""Build the FastAPI application for a given :class:`~ticketing.api.context.ApiContext`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI

from ticketing.accounts import routes as accounts
from ticketing.agents import routes as agents
from ticketing.api.context import ApiContext
from ticketing.api.errors import install_error_handlers
from ticketing.attachments import routes as attachments
from ticketing.calendar import routes as calendar
from ticketing.calls import routes as calls
from ticketing.countersign import routes as countersign
from ticketing.departments import routes as departments
from ticketing.inbox import routes as inbox
from ticketing.knowledge import routes as knowledge
from ticketing.outbound import routes as outbound
from ticketing.repeats import routes as repeats
from ticketing.reports import routes as reports
from ticketing.statistics import routes as statistics
from ticketing.supervision import routes as supervision
from ticketing.tickets import routes as tickets
from ticketing.web.routes import install_web

API_PREFIX = "/api/v1"


def create_app(
    ctx: ApiContext, *, title: str = "hotline12345", attachments_dir: Path | None = None
) -> FastAPI:
    """The REST API under ``/api/v1`` with OpenAPI docs at ``/docs``.

    ``attachments_dir``: where uploaded ticket attachments are kept (default
    :data:`ticketing.attachments.service.DEFAULT_STORAGE_DIR`).
    """
    app = FastAPI(
        title=title,
        version="0.1.0",
        description="12345 政务服务便民热线 — work orders, departments and working-day deadlines.",
    )
    app.state.ctx = ctx
    app.state.attachments_dir = attachments_dir
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    # The department side first (as it always was: its paths under /tickets/{ref}/ were registered
    # before the ticket actions), then the features in a stable order.
    features = (inbox, countersign, attachments, accounts, tickets, departments, calendar, knowledge)
    for module in (*features, statistics, reports, supervision, repeats, agents, calls, outbound):
        api.include_router(module.router)
    app.include_router(api)
    install_web(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
