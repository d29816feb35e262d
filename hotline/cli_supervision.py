"""``hotline supervision`` commands (R-SUP): the daily overdue marking job.

Run ``hotline supervision mark-overdue`` once a day (cron or a systemd timer, see README): every open
ticket whose deadline has passed gets one ``overdue`` event in its history, dated at the deadline.
Reruns are no-ops for deadlines already marked.
"""

from __future__ import annotations

from datetime import datetime

import click

from hotline.settings import Settings
from ticketing.errors import TicketingError


def _settings() -> Settings:
    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


def _parse_instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time", param_hint="--at") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. 2026-12-01T08:00+08:00", param_hint="--at")
    return instant


@click.group("supervision")
def supervision_group() -> None:
    """Supervision (督办) jobs."""


@supervision_group.command("mark-overdue")
@click.option("--at", "at_text", default=None, help="As of this ISO instant with offset (default: now).")
def mark_overdue(at_text: str | None) -> None:
    """Record an `overdue` event on every open ticket whose deadline passed (idempotent)."""
    from ticketing.db.engine import make_engine, make_sessionmaker
    from ticketing.supervision.service import SupervisionService

    at = _parse_instant(at_text)
    engine = make_engine(_settings().effective_database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            result = SupervisionService(session).mark_overdue(at)
    except TicketingError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from None
    finally:
        engine.dispose()
    for row in result.marked:
        unit = row.unit or "-"
        click.echo(f"{row.number}  overdue since {row.due_at.isoformat()}  unit {unit}  event {row.event_id}")
    as_of = result.as_of.isoformat()
    click.echo(f"{len(result.marked)} marked, {result.already_marked} already marked (as of {as_of})")
