"""The ``hotline`` command. Builds :class:`Settings` once and hands it to each sub-command."""

from __future__ import annotations

from pathlib import Path

import click

from bench.cli import bench_group
from hotline.cli_agents import agents_group
from hotline.cli_asr import asr_group
from hotline.cli_calendar import calendar_group
from hotline.cli_data import (
    calendar_load_overrides,
    db_group,
    departments_group,
    tickets_group,
    users_group,
)
from hotline.cli_ivr import ivr_group
from hotline.cli_outbound import outbound_group, surveys_group
from hotline.cli_prompts import prompts_group
from hotline.cli_report import report_group
from hotline.cli_settings import settings_group
from hotline.cli_supervision import supervision_group
from hotline.settings import Settings, SettingsError, load_settings
from sandbox import sandbox_group


@click.group()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="KEY=VALUE settings file.")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """hotline12345 — the 12345 government service hotline backend."""
    try:
        settings = load_settings(config_file)
    except SettingsError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from None
    ctx.obj = {"settings": settings}
    if ctx.invoked_subcommand == "calendar":
        calendar = _stored_calendar(settings)
        if calendar is not None:
            ctx.obj["calendar"] = calendar


@cli.command()
@click.option("--host", default=None, help="Bind address (default: settings.http_host).")
@click.option("--port", type=int, default=None, help="Port (default: settings.http_port).")
@click.pass_obj
def serve(obj: dict[str, object], host: str | None, port: int | None) -> None:
    """Run the API server (REST under /api/v1, OpenAPI at /docs) and, when HOTLINE_ARI_URL is set,
    the IVR in the same process."""
    import asyncio

    from hotline.wiring import serve_all
    from ticketing.db.migrate import upgrade

    settings = _settings(obj)
    if settings.profile.value == "dev":
        upgrade(settings.effective_database_url)
    asyncio.run(serve_all(settings, host=host or settings.http_host, port=port or settings.http_port))


@cli.command()
@click.option("--keep-serving", is_flag=True, help="Leave the API server running after the walk-through.")
@click.option("--port", type=int, default=0, help="Port for the demo API server (0 = any free port).")
@click.option("--call/--no-call", default=True, help="Also place a SIPp call through Asterisk and the IVR.")
@click.pass_obj
def demo(obj: dict[str, object], keep_serving: bool, port: int, call: bool) -> None:
    """Fresh SQLite database, API walk-through of one ticket, and a simulated citizen call into a draft."""
    from hotline.demo import run_demo

    run_demo(_settings(obj), keep_serving=keep_serving, port=port, with_call=call)


calendar_group.add_command(calendar_load_overrides)
cli.add_command(calendar_group)
cli.add_command(db_group)
cli.add_command(users_group)
cli.add_command(departments_group)
cli.add_command(tickets_group)
cli.add_command(sandbox_group)
cli.add_command(prompts_group)
cli.add_command(ivr_group)
cli.add_command(bench_group)
cli.add_command(asr_group)
cli.add_command(report_group)
cli.add_command(supervision_group)
cli.add_command(settings_group)
cli.add_command(agents_group)
cli.add_command(outbound_group)
cli.add_command(surveys_group)


def _settings(obj: dict[str, object]) -> Settings:
    settings = obj["settings"]
    assert isinstance(settings, Settings)
    return settings


def _stored_calendar(settings: Settings) -> object | None:
    """The calendar with database overrides, when a migrated database is there; else ``None``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from ticketing.calendar.service import load_calendar
    from ticketing.db.engine import make_engine
    from ticketing.db.engine import make_sessionmaker as sessions

    url = settings.effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return None  # no database yet, hence no overrides: the library calendar is the whole truth
    engine = make_engine(url)
    try:
        with sessions(engine)() as session:
            return load_calendar(session)
    except SQLAlchemyError as exc:
        click.echo(
            f"warning: calendar overrides not loaded ({type(exc).__name__}); "
            "answering from the published calendar only",
            err=True,
        )
        return None
    finally:
        engine.dispose()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="hotline")


if __name__ == "__main__":  # pragma: no cover
    main()
