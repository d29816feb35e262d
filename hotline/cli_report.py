"""``hotline report monthly YYYY-MM``: write the month's 通报 as PDF and/or HTML (R-STAT)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from hotline.cli_data import _session, _settings

FORMATS = ("pdf", "html")


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if not chosen or unknown:
        raise click.BadParameter(f"choose from {','.join(FORMATS)} (comma-separated), not {value!r}")
    return list(dict.fromkeys(chosen))


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date-time (YYYY-MM-DDTHH:MM)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(_settings().timezone))
    return at.astimezone(UTC)


@click.group("report")
def report_group() -> None:
    """Monthly reports (通报)."""


@report_group.command("monthly")
@click.argument("month")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory for the files (created if missing).",
)
@click.option("--format", "fmt", default="pdf,html", show_default=True, help="pdf, html or pdf,html.")
@click.option(
    "--as-of",
    "as_of_text",
    default=None,
    help="Figures as they stood at this instant (YYYY-MM-DDTHH:MM, local time unless an offset is given).",
)
def report_monthly(month: str, out_dir: Path, fmt: str, as_of_text: str | None) -> None:
    """Write hotline-report-YYYY-MM.pdf/.html for MONTH (YYYY-MM) with the statistics and scores."""
    from ticketing.clock import utcnow
    from ticketing.errors import InvalidInput
    from ticketing.reports.charts import CjkFontMissing
    from ticketing.reports.data import gather
    from ticketing.statistics import periods

    try:
        formats = _formats(fmt)
    except click.BadParameter as exc:
        exc.param_hint = "'--format'"
        raise
    try:
        periods.month(month)
    except InvalidInput as exc:
        raise click.BadParameter(exc.message, param_hint="'MONTH'") from None
    try:
        as_of = _as_of(as_of_text)
    except click.BadParameter as exc:
        exc.param_hint = "'--as-of'"
        raise
    with _session() as session:
        report = gather(session, month, now=(lambda: as_of) if as_of is not None else utcnow)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for kind in formats:
            path = out_dir / f"hotline-report-{report.month}.{kind}"
            if kind == "pdf":
                from ticketing.reports.pdf import render_pdf

                path.write_bytes(render_pdf(report))
            else:
                from ticketing.reports.html import render_html

                path.write_text(render_html(report), encoding="utf-8")
            click.echo(f"wrote {path}")
    except CjkFontMissing as exc:
        raise click.ClickException(str(exc)) from None
