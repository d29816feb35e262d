"""``/api/v1/statistics`` (any period, CSV/XLSX export) and ``/api/v1/scores`` (monthly R-SCORE).

Periods are Shanghai days: ``month=2026-11`` or ``from=2026-11-01&to=2026-11-30`` (inclusive).
Supervisors and admins see all units; a department user sees its own unit only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from ticketing.api.deps import Context, CurrentActor
from ticketing.schema_types import Ref
from ticketing.statistics import periods
from ticketing.statistics.export import XLSX_MEDIA_TYPE, to_csv, to_xlsx
from ticketing.statistics.periods import Period
from ticketing.statistics.rates import GroupBy
from ticketing.statistics.schemas import (
    DepartmentScoreOut,
    ScoreItemCreate,
    ScoreItemOut,
    ScoreItemWithdraw,
    ScoreTableOut,
    StatisticsReport,
)
from ticketing.statistics.service import StatisticsService

router = APIRouter(tags=["statistics"])


def _period(
    month: Annotated[str | None, Query(max_length=32, description="YYYY-MM")] = None,
    first: Annotated[date | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day (inclusive)")] = None,
) -> Period:
    return periods.resolve(month, first, last)


PeriodQuery = Annotated[Period, Depends(_period)]
Department = Annotated[str | None, Query(max_length=64, description="limit to one unit (code or id)")]


def _report(
    ctx: Context, actor: CurrentActor, period: Period, group_by: GroupBy, department: str | None
) -> StatisticsReport:
    with ctx.unit_of_work() as session:
        return StatisticsService(session, now=ctx.now).report(period, group_by, actor, department)


@router.get("/statistics")
def statistics(
    ctx: Context,
    actor: CurrentActor,
    period: PeriodQuery,
    group_by: GroupBy = GroupBy.DEPARTMENT,
    department: Department = None,
) -> StatisticsReport:
    """Volume, 响应率, 按时办结率, 解决率, 满意率 (process/result), overdue, 退件, 重办, hotline."""
    return _report(ctx, actor, period, group_by, department)


def _filename(report: StatisticsReport, suffix: str) -> str:
    return f"statistics-{report.period.label.replace('..', '_')}-{report.group_by.value}.{suffix}"


@router.get("/statistics/export.csv", response_class=Response)
def statistics_csv(
    ctx: Context,
    actor: CurrentActor,
    period: PeriodQuery,
    group_by: GroupBy = GroupBy.DEPARTMENT,
    department: Department = None,
) -> Response:
    """The statistics rows and total as CSV (UTF-8)."""
    report = _report(ctx, actor, period, group_by, department)
    return Response(
        to_csv(report).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(report, "csv")}"'},
    )


@router.get("/statistics/export.xlsx", response_class=Response)
def statistics_xlsx(
    ctx: Context,
    actor: CurrentActor,
    period: PeriodQuery,
    group_by: GroupBy = GroupBy.DEPARTMENT,
    department: Department = None,
) -> Response:
    """The statistics as an XLSX workbook (统计, 话务, 说明 sheets)."""
    report = _report(ctx, actor, period, group_by, department)
    return Response(
        to_xlsx(report),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{_filename(report, "xlsx")}"'},
    )


@router.get("/scores")
def scores(
    ctx: Context, actor: CurrentActor, month: Annotated[str, Query(max_length=32, description="YYYY-MM")]
) -> ScoreTableOut:
    """Every unit's score of the month (R-SCORE); a department user gets its own only."""
    with ctx.unit_of_work() as session:
        return StatisticsService(session, now=ctx.now).scores(month, actor)


@router.post("/scores/items", status_code=status.HTTP_201_CREATED)
def add_score_item(body: ScoreItemCreate, ctx: Context, actor: CurrentActor) -> ScoreItemOut:
    """Enter a manual item: criticism, praise, false reporting, or a 0–10 rating (supervisor/admin)."""
    with ctx.unit_of_work() as session:
        return StatisticsService(session, now=ctx.now).add_item(body, actor)


@router.post("/scores/items/{item_id}/withdraw")
def withdraw_score_item(
    item_id: int, body: ScoreItemWithdraw, ctx: Context, actor: CurrentActor
) -> ScoreItemOut:
    """Withdraw a manual item; it stays on record and stops counting (supervisor/admin)."""
    with ctx.unit_of_work() as session:
        return StatisticsService(session, now=ctx.now).withdraw_item(item_id, body.reason, actor)


@router.get("/scores/{department}/{month}")
def department_score(department: Ref, month: str, ctx: Context, actor: CurrentActor) -> DepartmentScoreOut:
    """One unit's month score with every deduction and bonus and its evidence."""
    with ctx.unit_of_work() as session:
        return StatisticsService(session, now=ctx.now).score(department, month, actor)
