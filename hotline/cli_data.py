"""``hotline db|users|departments|tickets`` commands: the database side of the CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click
from sqlalchemy.orm import Session

from hotline.settings import Settings
from ticketing.errors import TicketingError


def _settings() -> Settings:
    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


@contextmanager
def _session() -> Iterator[Session]:
    from ticketing.db.engine import make_engine, make_sessionmaker

    engine = make_engine(_settings().effective_database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield session
    except TicketingError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from None
    finally:
        engine.dispose()


@click.group("db")
def db_group() -> None:
    """Database schema and demo data."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations (creates the SQLite file in dev)."""
    from ticketing.db.migrate import upgrade

    url = _settings().effective_database_url
    upgrade(url, revision)
    click.echo(f"database at revision {revision}: {_redact(url)}")


@db_group.command("seed-demo")
def db_seed_demo() -> None:
    """Load the demo departments and knowledge-base articles (idempotent)."""
    from ticketing.seed.demo import seed_demo_departments, seed_demo_knowledge

    with _session() as session:
        added = seed_demo_departments(session)
        articles = seed_demo_knowledge(session)
    click.echo(f"{added} demo departments added")
    click.echo(f"{articles} demo knowledge articles added")


@click.group("users")
def users_group() -> None:
    """Accounts of agents, departments, supervisors and admins."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["agent", "department", "supervisor", "admin"]))
@click.option("--department", default=None, help="Unit code (department users only).")
@click.option("--display-name", default=None)
@click.password_option(envvar="HOTLINE_NEW_USER_PASSWORD")
def users_create(
    username: str, role: str, department: str | None, display_name: str | None, password: str
) -> None:
    """Create an account; the password is prompted for (or HOTLINE_NEW_USER_PASSWORD)."""
    from pydantic import ValidationError

    from ticketing.accounts.actor import Actor
    from ticketing.accounts.schemas import UserCreate
    from ticketing.accounts.service import UserService

    try:
        data = UserCreate(
            username=username,
            role=role,
            department=department,
            display_name=display_name or username,
            password=password,
        )
    except ValidationError as exc:
        raise click.ClickException(_first_problem(exc)) from None
    with _session() as session:
        user = UserService(session).create(data, Actor.system())
        click.echo(f"created {user.role} {user.username} ({user.id})")


@users_group.command("list")
def users_list() -> None:
    """List accounts."""
    from ticketing.accounts.service import UserService

    with _session() as session:
        for user in UserService(session).list():
            click.echo(f"{user.username:20} {user.role:11} {'active' if user.active else 'disabled'}")


@click.group("departments")
def departments_group() -> None:
    """Responsible units."""


@departments_group.command("list")
def departments_list() -> None:
    """List active units."""
    from ticketing.departments.service import DepartmentService

    with _session() as session:
        for d in DepartmentService(session).list():
            click.echo(f"{d.code:24} {d.level:9} {d.name}")


@click.group("tickets")
def tickets_group() -> None:
    """Work orders."""


@tickets_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@click.option("--status", multiple=True, help="Only these statuses (repeatable).")
@click.option("--category", multiple=True, help="Only these categories (repeatable).")
@click.option("--from", "created_from", default=None, help="Created on/after this date (YYYY-MM-DD).")
@click.option("--to", "created_to", default=None, help="Created before this date (YYYY-MM-DD).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when writing a file).")
def tickets_export(
    fmt: str,
    output: str,
    status: tuple[str, ...],
    category: tuple[str, ...],
    created_from: str | None,
    created_to: str | None,
    progress: bool | None,
) -> None:
    """Export tickets with caller identity (the export is audited)."""
    from pydantic import ValidationError
    from tqdm import tqdm

    from ticketing.clock import utcnow
    from ticketing.tickets.export import count_for_export, iter_export_rows, write_export
    from ticketing.tickets.models import AuditRecord
    from ticketing.tickets.schemas import TicketQuery

    try:
        query = TicketQuery(
            status=list(status),
            category=list(category),
            created_from=_day_start(created_from),
            created_to=_day_start(created_to),
        )
    except ValidationError as exc:
        raise click.ClickException(_first_problem(exc)) from None
    show = progress if progress is not None else output != "-"
    with _session() as session:
        total = count_for_export(session, query)
        bar = tqdm(total=total, unit="ticket", disable=not show, file=sys.stderr)
        with click.open_file(output, "w", encoding="utf-8") as out:
            written = write_export(iter_export_rows(session, query), out, fmt, on_row=lambda: _tick(bar))
        bar.close()
        session.add(
            AuditRecord(
                at=utcnow(),
                user_id=None,
                ticket_id=None,
                what="export",
                detail=f"cli:{fmt}:{written} tickets",
            )
        )
    if output != "-":
        click.echo(f"exported {written} tickets to {output}", err=True)


def _tick(bar: object) -> None:
    bar.update()  # type: ignore[attr-defined]


def _day_start(value: str | None) -> object:
    if value is None:
        return None
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(_settings().timezone))


def _first_problem(exc: object) -> str:
    errors: list[dict[str, object]] = getattr(exc, "errors", list)()
    if errors:
        first = errors[0]
        loc = first.get("loc", ())
        where = ".".join(str(p) for p in loc) if isinstance(loc, tuple) else str(loc)
        return f"{where}: {first.get('msg')}"
    return str(exc)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("load-overrides")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--confirm-year", type=int, default=None, help="Mark this year's official notice as loaded.")
def calendar_load_overrides(path: str, confirm_year: int | None) -> None:
    """Load holiday/workday overrides from a CSV file of ``YYYY-MM-DD,holiday|workday[,note]`` lines.

    Afterwards every open ticket whose deadline was provisional is recomputed.
    """
    import csv

    from ticketing.calendar.service import (
        load_calendar,
        recompute_provisional_deadlines,
        save_overrides,
    )

    days: list[tuple[date, bool, str | None]] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:  # spreadsheet CSVs carry a BOM
        for lineno, row in enumerate(csv.reader(handle), start=1):
            if not row or row[0].strip().startswith("#"):
                continue
            try:
                day = date.fromisoformat(row[0].strip())
                kind = row[1].strip().lower()
            except (ValueError, IndexError):
                raise click.ClickException(f"{path}:{lineno}: expected YYYY-MM-DD,holiday|workday") from None
            if kind not in ("holiday", "workday"):
                raise click.ClickException(f"{path}:{lineno}: kind must be holiday or workday, not {kind!r}")
            days.append((day, kind == "workday", row[2].strip() if len(row) > 2 else None))
    with _session() as session:
        written = save_overrides(session, days, confirm_year=confirm_year)
        recomputed = recompute_provisional_deadlines(session, load_calendar(session))
    click.echo(f"{written} override days stored; {recomputed} provisional deadlines recomputed")
