"""``calendar`` CLI group: ask the working-day calendar (R-TL) from the shell.

The group uses ``ctx.obj["calendar"]`` when the parent command put a :class:`WorkCalendar` there
(e.g. one carrying the admin overrides from the database); otherwise it builds the library-only
``WorkCalendar()``.
"""

from __future__ import annotations

from datetime import date, datetime

import click

from ticketing.calendar.workdays import WorkCalendar
from ticketing.categories import Category
from ticketing.errors import CalendarError, InvalidInput
from ticketing.tickets.deadlines import due_for


@click.group(name="calendar")
def calendar_group() -> None:
    """Working days, holidays and deadlines (China, 调休 included)."""


def _calendar() -> WorkCalendar:
    obj = click.get_current_context().obj
    if isinstance(obj, dict) and isinstance(obj.get("calendar"), WorkCalendar):
        calendar: WorkCalendar = obj["calendar"]
        return calendar
    return WorkCalendar()


def _parse_date(value: str, param_hint: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=param_hint) from None


def _warn_provisional(calendar: WorkCalendar, years: range) -> None:
    pending = [str(y) for y in years if calendar.is_provisional(y)]
    if pending:
        click.echo(
            f"warning: no published holiday schedule for {', '.join(pending)}; result is provisional",
            err=True,
        )


@calendar_group.command("add-workdays")
@click.argument("start", metavar="DATE")
@click.argument("n", type=int)
def add_workdays(start: str, n: int) -> None:
    """Print the N-th working day strictly after DATE."""
    calendar = _calendar()
    day = _parse_date(start, "DATE")
    try:
        result = calendar.add_workdays(day, n)
    except CalendarError as exc:
        raise click.BadParameter(exc.message, param_hint="N") from None
    click.echo(result.isoformat())
    _warn_provisional(calendar, range(day.year, result.year + 1))


@calendar_group.command("is-workday")
@click.argument("day", metavar="DATE")
def is_workday(day: str) -> None:
    """Print ``workday`` or ``holiday`` for DATE."""
    calendar = _calendar()
    parsed = _parse_date(day, "DATE")
    click.echo("workday" if calendar.is_workday(parsed) else "holiday")
    _warn_provisional(calendar, range(parsed.year, parsed.year + 1))


@calendar_group.command("deadline")
@click.argument("category")
@click.argument("dispatched_at")
def deadline(category: str, dispatched_at: str) -> None:
    """Print the deadline of a CATEGORY ticket dispatched at DISPATCHED_AT.

    DISPATCHED_AT is an ISO datetime; without an offset it is local time (Asia/Shanghai).
    Prints the due time in local time and the provisional flag.
    """
    calendar = _calendar()
    try:
        parsed_category = Category.parse(category)
    except InvalidInput as exc:
        allowed = ", ".join(c.value for c in Category)
        raise click.BadParameter(f"{exc.message}; use one of {allowed}", param_hint="CATEGORY") from None
    try:
        when = datetime.fromisoformat(dispatched_at.strip())
    except ValueError:
        raise click.BadParameter(
            f"{dispatched_at!r} is not an ISO datetime (e.g. 2026-09-30T09:15)", param_hint="DISPATCHED_AT"
        ) from None
    if when.utcoffset() is None:
        when = when.replace(tzinfo=calendar.tz)
    try:
        result = due_for(parsed_category, when, calendar)
    except CalendarError as exc:
        raise click.BadParameter(exc.message, param_hint="DISPATCHED_AT") from None
    click.echo(
        f"{result.due_at.astimezone(calendar.tz).isoformat()} provisional={str(result.provisional).lower()}"
    )
    if result.provisional:
        click.echo("warning: the count touches a year with no published holiday schedule", err=True)
