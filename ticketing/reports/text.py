"""The report's words and tables as plain strings, shared by the HTML and PDF renderers (pure).

Rates are shown as percentages with two decimals of the API's ``rate`` (itself rounded to four
places), followed by the counted parts, e.g. ``73.68%（14/19）``; a rate with nothing counted is ``—``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketing.reports.data import MonthlyReport
from ticketing.statistics.periods import SHANGHAI
from ticketing.statistics.schemas import RatioOut, StatisticsRow

NO_DATA = "本月无工单、话务及考评数据。"
DASH = "—"


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline number: a stable ``key``, its label, the shown text and the API's raw value."""

    key: str
    label: str
    text: str
    value: float | int | None


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of strings; ``keys`` name each row (a unit code, a category …) for markup."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]
    note: str = ""


def pct(ratio: RatioOut | None) -> str:
    """``73.68%`` or ``—``."""
    if ratio is None or ratio.rate is None:
        return DASH
    return f"{ratio.rate * 100:.2f}%"


def pct_parts(ratio: RatioOut | None) -> str:
    """``73.68%（14/19）`` or ``—``."""
    if ratio is None or ratio.rate is None:
        return DASH
    return f"{pct(ratio)}（{ratio.numerator}/{ratio.denominator}）"


def points(value: float | int) -> str:
    """A score without a useless ``.0``: ``97``, ``96.67``."""
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}".rstrip("0")


def signed(value: int) -> str:
    """``+11``, ``-9``, ``0``."""
    return f"{value:+d}" if value else "0"


def local(at: datetime) -> str:
    """An instant as Shanghai wall time, ``2026-12-01 12:00``."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def period_line(report: MonthlyReport) -> str:
    """``统计期间：2026年11月1日至2026年11月30日（北京时间）　数据截至：2026-12-01 12:00``."""
    p = report.by_department.period
    return (
        f"统计期间：{p.from_date.year}年{p.from_date.month}月{p.from_date.day}日至"
        f"{p.to_date.year}年{p.to_date.month}月{p.to_date.day}日（北京时间）"
        f"　数据截至：{local(report.as_of)}"
    )


def headlines(report: MonthlyReport) -> list[Headline]:
    """Volume, 按时办结率, 满意率 (process/result), 解决率 and the 20 s answer rate."""
    t = report.total
    calls = report.by_department.hotline
    level = calls.service_level if calls is not None else None
    return [
        Headline("registered", "登记工单量", f"{t.registered}件", t.registered),
        Headline("on_time", "按时办结率", pct_parts(t.on_time), t.on_time.rate),
        Headline(
            "process_satisfaction",
            "服务过程满意率",
            pct_parts(t.process_satisfaction),
            t.process_satisfaction.rate,
        ),
        Headline(
            "result_satisfaction",
            "办理结果满意率",
            pct_parts(t.result_satisfaction),
            t.result_satisfaction.rate,
        ),
        Headline("resolution", "解决率", pct_parts(t.resolution), t.resolution.rate),
        Headline("service_level", "20秒内人工接通率", pct_parts(level), level.rate if level else None),
    ]


def summary(report: MonthlyReport) -> str:
    """The opening paragraph with the headline numbers (or the no-data sentence)."""
    if not report.has_data:
        return f"{report.year}年{report.month_number}月，{NO_DATA}"
    t = report.total
    text = (
        f"{report.year}年{report.month_number}月，热线共登记工单{t.registered}件，"
        f"向承办单位交办{t.dispatched}件次；按时办结率{pct_parts(t.on_time)}，"
        f"超期{t.overdue}件次，退件{t.returns}件次，重办{t.redo}件次。"
        f"回访{t.callbacks}次，服务过程满意率{pct_parts(t.process_satisfaction)}，"
        f"办理结果满意率{pct_parts(t.result_satisfaction)}，解决率{pct_parts(t.resolution)}。"
    )
    calls = report.by_department.hotline
    if calls is not None:
        target = f"{calls.service_level_target * 100:.0f}%"
        text += (
            f"话务方面，共受理来电{calls.calls}个，转人工{calls.offered}个，"
            f"20秒内人工接通率{pct_parts(calls.service_level)}（行业标准{target}）。"
        )
    return text


def category_table(report: MonthlyReport) -> Table:
    """Volumes by category, with the total."""
    rows = [*report.by_category.rows, report.by_category.total]
    return Table(
        title="各类诉求受理量",
        columns=("类别", "登记量", "交办件次", "回访量", "按时办结率", "解决率"),
        rows=tuple(
            (
                r.name or r.key or "",
                str(r.registered),
                str(r.dispatched),
                str(r.callbacks),
                pct(r.on_time),
                pct(r.resolution),
            )
            for r in rows
        ),
        keys=tuple(r.key or "total" for r in rows),
    )


def _department_row(r: StatisticsRow) -> tuple[str, ...]:
    return (
        r.name or r.key or "",
        str(r.dispatched),
        pct(r.response),
        pct(r.on_time),
        pct(r.resolution),
        pct(r.process_satisfaction),
        pct(r.result_satisfaction),
        str(r.overdue),
        str(r.returns),
        str(r.redo),
    )


def department_table(report: MonthlyReport) -> Table:
    """Rates by unit, with the total."""
    rows = [*report.by_department.rows, report.by_department.total]
    return Table(
        title="各承办单位办理情况",
        columns=(
            "承办单位",
            "交办件次",
            "响应率",
            "按时办结率",
            "解决率",
            "过程满意率",
            "结果满意率",
            "超期",
            "退件",
            "重办",
        ),
        rows=tuple(_department_row(r) for r in rows),
        keys=tuple(r.key or "total" for r in rows),
        note="响应率：24小时内签收或退件；满意率含非常满意、满意、基本满意；“—”表示本月无可统计事项。",
    )


def score_table(report: MonthlyReport) -> Table:
    """The score ranking, highest first."""
    pending = any(not r.score.final for r in report.ranking)
    return Table(
        title="承办单位考评得分排名",
        columns=("名次", "承办单位", "得分", "扣分", "加分"),
        rows=tuple(
            (
                str(r.rank),
                r.score.name,
                points(r.score.total),
                signed(r.score.deduction_points),
                signed(r.score.bonus_points),
            )
            for r in report.ranking
        ),
        keys=tuple(r.score.department for r in report.ranking),
        note="基础分100分（领导重视10分、制度建设10分、办理成效及满意度80分）；"
        + ("本月尚未结束，得分为截至统计时点的暂计数。" if pending else "本月已结束，得分为月度得分。"),
    )


def topic_table(report: MonthlyReport) -> Table:
    """The hot topics."""
    return Table(
        title="热点诉求",
        columns=("排名", "关键词", "涉及工单数"),
        rows=tuple((str(i), t.word, str(t.tickets)) for i, t in enumerate(report.topics, start=1)),
        keys=tuple(t.word for t in report.topics),
        note=f"从本月登记的{report.topic_tickets}件工单标题与内容中提取（不含保密件，至少2件工单提及）。",
    )


def tables(report: MonthlyReport) -> list[Table]:
    """The four tables in report order."""
    return [category_table(report), department_table(report), score_table(report), topic_table(report)]
