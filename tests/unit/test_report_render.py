"""The report renderers on hand-made data: HTML content, PDF pages, the CJK font, no data."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from matplotlib import font_manager

from ticketing.categories import Category
from ticketing.reports import charts
from ticketing.reports.data import MonthlyReport, rank
from ticketing.reports.html import render_html
from ticketing.reports.pdf import render_pdf
from ticketing.reports.topics import HotTopic
from ticketing.statistics.rates import GroupBy
from ticketing.statistics.schemas import (
    DepartmentScoreOut,
    HotlineOut,
    PeriodOut,
    RatioOut,
    ScoreTableOut,
    StatisticsReport,
    StatisticsRow,
)

AS_OF = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
PERIOD = PeriodOut(from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), label="2026-11")
UNITS = {"u.a": "甲区住房和城乡建设局", "u.b": "乙区城市管理局", "u.c": "丙区生态环境局"}


def ratio(numerator: int, denominator: int) -> RatioOut:
    return RatioOut(
        numerator=numerator,
        denominator=denominator,
        rate=round(numerator / denominator, 4) if denominator else None,
    )


def row(key: str | None, name: str, n: int = 0) -> StatisticsRow:
    """A row whose counts all derive from ``n`` (0: an empty row)."""
    return StatisticsRow(
        key=key,
        name=name,
        registered=n,
        dispatched=n + 1 if n else 0,
        response=ratio(n, n + 1 if n else 0),
        on_time=ratio(max(n - 1, 0), n),
        overdue=1 if n else 0,
        returns=0,
        redo=1 if n > 2 else 0,
        callbacks=n,
        resolution=ratio(n, n),
        process_satisfaction=ratio(max(n - 1, 0), n),
        result_satisfaction=ratio(n, n),
    )


def _score(code: str, total: float, minus: int, plus: int) -> DepartmentScoreOut:
    part: dict[str, Any] = {"points": 10.0, "maximum": 10, "rated": False, "item_id": None}
    return DepartmentScoreOut.model_validate(
        {
            "department": code,
            "name": UNITS[code],
            "month": "2026-11",
            "leadership": part,
            "system": part,
            "effectiveness": {**part, "points": 80.0, "maximum": 80},
            "callbacks": 0,
            "process_satisfied": 0,
            "result_satisfied": 0,
            "deductions": [],
            "bonuses": [],
            "deduction_points": minus,
            "bonus_points": plus,
            "total": total,
            "final": True,
        }
    )


def sample(*, empty: bool = False) -> MonthlyReport:
    """Three units with activity (or none at all)."""
    k = 0 if empty else 1
    dept_rows = [row(code, name, k * (i + 2)) for i, (code, name) in enumerate(UNITS.items())]
    cat_rows = [row(c.value, c.label_zh, k * (i % 3)) for i, c in enumerate(Category)]
    total = row(None, "合计", k * 9)
    hotline = HotlineOut(
        calls=10 * k,
        offered=8 * k,
        answered=6 * k,
        answered_within_20s=5 * k,
        abandoned=k,
        outcome_unknown=k,
        answer_rate=ratio(6 * k, 8 * k),
        service_level=ratio(5 * k, 8 * k),
        service_level_target=0.8,
        average_wait_seconds=12.5 if k else None,
    )

    def report(group_by: GroupBy, rows: list[StatisticsRow]) -> StatisticsReport:
        return StatisticsReport(
            period=PERIOD, group_by=group_by, as_of=AS_OF, rows=rows, total=total, hotline=hotline
        )

    scores = (
        [_score(c, 100.0, 0, 0) for c in UNITS]
        if empty
        else [_score("u.a", 96.5, -5, 1), _score("u.b", 104.0, -1, 5), _score("u.c", 96.5, -4, 0)]
    )
    table = ScoreTableOut(month="2026-11", as_of=AS_OF, departments=scores)
    topics = () if empty else (HotTopic("噪音", 5), HotTopic("物业费", 3), HotTopic("停车", 2))
    return MonthlyReport(
        month="2026-11",
        year=2026,
        month_number=11,
        as_of=AS_OF,
        by_department=report(GroupBy.DEPARTMENT, dept_rows),
        by_category=report(GroupBy.CATEGORY, cat_rows),
        scores=table,
        ranking=rank(table.departments),
        topics=topics,
        topic_tickets=0 if empty else 9,
    )


def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF written by matplotlib."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


@pytest.fixture
def no_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    glyphs = [str(w.message) for w in caught if "glyph" in str(w.message).lower() or "font" in str(w.message)]
    assert glyphs == []


def test_the_font_is_a_noto_cjk_face() -> None:
    name = charts.cjk_font()
    assert "CJK" in name
    assert name.startswith("Noto")
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert "NotoSansCJK" in path or "NotoSerifCJK" in path


def test_a_missing_cjk_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    charts.cjk_font.cache_clear()
    try:
        with pytest.raises(charts.CjkFontMissing, match="fonts-noto-cjk"):
            charts.cjk_font()
    finally:
        charts.cjk_font.cache_clear()


def test_html_has_the_headlines_tables_and_charts(no_warnings: list[warnings.WarningMessage]) -> None:
    report = sample()
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>12345 政务服务便民热线 2026年11月 工作通报</title>" in page
    assert "统计期间：2026年11月1日至2026年11月30日（北京时间）" in page
    assert 'data-key="registered" data-value="9"' in page
    assert 'data-key="on_time" data-value="0.8889"' in page
    assert "88.89%（8/9）" in page
    assert 'data-key="service_level" data-value="0.625"' in page
    assert "62.50%（5/8）" in page
    # ranking: 104 first, then the two 96.5 sharing place 2 (by code)
    order = [page.index(f'<tr data-key="{code}"><td>') for code in ("u.b", "u.a", "u.c")]
    assert order == sorted(order)
    assert '<td>2</td><td class="name">丙区生态环境局</td><td>96.5</td><td>-4</td><td>0</td>' in page
    assert page.count('src="data:image/png;base64,') == 4
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page


def test_html_escapes_text() -> None:
    report = sample()
    evil = report.topics[0].__class__("<b>&", 9)
    page = render_html(replace(report, topics=(evil,)), with_charts=False)
    assert "<b>&" not in page
    assert "&lt;b&gt;&amp;" in page


def test_pdf_has_five_pages(no_warnings: list[warnings.WarningMessage]) -> None:
    data = render_pdf(sample())
    assert data.startswith(b"%PDF")
    assert pdf_pages(data) == 5
    assert b"NotoSansCJKsc" in data


def test_a_long_unit_table_continues_on_the_next_page() -> None:
    report = sample()
    many = [row(f"u.{i:02d}", f"第{i}街道办事处", i % 4) for i in range(60)]
    by_department = report.by_department.model_copy(update={"rows": many})
    assert pdf_pages(render_pdf(replace(report, by_department=by_department))) >= 6


def test_an_empty_month_says_so(no_warnings: list[warnings.WarningMessage]) -> None:
    report = sample(empty=True)
    assert not report.has_data
    page = render_html(report)
    assert "本月无工单、话务及考评数据" in page
    assert "<img" not in page
    assert "<table" not in page
    data = render_pdf(report)
    assert pdf_pages(data) == 1
