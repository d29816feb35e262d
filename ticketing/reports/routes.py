"""``/api/v1/reports/monthly/{month}.html|.pdf``: the month's 通报 (supervisors and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ticketing.api.deps import Context, CurrentActor
from ticketing.reports.data import MonthlyReport, gather

router = APIRouter(tags=["reports"])


def _gather(ctx: Context, actor: CurrentActor, month: str) -> MonthlyReport:
    with ctx.unit_of_work() as session:
        return gather(session, month, actor, now=ctx.now)


@router.get("/reports/monthly/{month}.html", response_class=Response)
def monthly_html(month: str, ctx: Context, actor: CurrentActor) -> Response:
    """The report as one self-contained HTML page (charts embedded)."""
    from ticketing.reports.html import render_html

    report = _gather(ctx, actor, month)
    return Response(render_html(report).encode(), media_type="text/html; charset=utf-8")


@router.get("/reports/monthly/{month}.pdf", response_class=Response)
def monthly_pdf(month: str, ctx: Context, actor: CurrentActor) -> Response:
    """The report as PDF (title page, tables, charts)."""
    from ticketing.reports.pdf import render_pdf

    report = _gather(ctx, actor, month)
    return Response(
        render_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="hotline-report-{report.month}.pdf"'},
    )
