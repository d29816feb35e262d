"""The 通报 as a PDF drawn with matplotlib only (:class:`PdfPages`; no LaTeX, no HTML engine).

A4 portrait pages, laid out top to bottom by a small flow helper:

1. title, period, 总体情况 (summary paragraph and headline numbers), 各类诉求受理量 table;
2. 各承办单位办理情况 table;
3. 考评得分排名 and 热点诉求 tables;
4. charts: volumes by category and rates by unit;
5. charts: score ranking and hot topics.

A table too long for the rest of a page continues on the next one ("（续）"). A month without data
is one page: the title and the sentence saying so.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

from ticketing.reports import charts
from ticketing.reports.data import MonthlyReport
from ticketing.reports.text import Table, headlines, period_line, summary, tables

A4 = (8.27, 11.69)  # inches
MARGIN = 0.8
TOP = A4[1] - MARGIN
BOTTOM = MARGIN
WIDTH = A4[0] - 2 * MARGIN
ROW = 0.26  # table row height, inches
TABLE_FONT = 8
BODY_FONT = 10.5
HEADER_COLOR = "#e8eef7"
TOTAL_COLOR = "#f2f2f2"


def render_pdf(report: MonthlyReport) -> bytes:
    """The PDF bytes."""
    out = io.BytesIO()
    with charts.style(), PdfPages(out, metadata=_metadata(report)) as pdf:
        doc = _Flow(pdf)
        _first_page(doc, report)
        if report.has_data:
            category, department, score, topic = tables(report)
            doc.table(category, "二")
            doc.new_page()
            doc.table(department, "三")
            doc.new_page()
            doc.table(score, "四")
            doc.table(topic, "五")
            pairs = zip(charts.CHARTS[::2], charts.CHARTS[1::2], strict=True)
            for n, pair in enumerate(pairs):
                doc.chart_page(report, "六、图表" + ("（续）" if n else ""), *pair)
        doc.close()
    return out.getvalue()


def _metadata(report: MonthlyReport) -> dict[str, str | datetime]:
    return {
        "Title": report.title,
        "Subject": f"12345 monthly report {report.month}",
        "Creator": "hotline12345",
    }


def _first_page(doc: _Flow, report: MonthlyReport) -> None:
    doc.new_page()
    doc.text(report.title, size=19, weight="bold", center=True, gap=0.2)
    for line in period_line(report).split("　"):
        doc.text(line, size=10, color="#555555", center=True, gap=0.05)
    doc.skip(0.3)
    doc.text("一、总体情况", size=13, weight="bold", gap=0.12)
    doc.paragraph(summary(report), size=BODY_FONT)
    if report.has_data:
        doc.skip(0.1)
        rows = tuple((h.label, h.text) for h in headlines(report))
        keys = tuple(h.key for h in headlines(report))
        doc.grid(("指标", "本月"), rows, keys, col_widths=(0.45, 0.55), width=4.2)
    else:
        doc.skip(0.3)
        doc.text("本月无数据，不生成统计表和图表。", size=13, color="#9a6b00", center=True, gap=0.1)
    doc.skip(0.2)


def display_width(text: str) -> int:
    """Width in half-width units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text: str, units: int) -> list[str]:
    """Break ``text`` into lines of at most ``units`` half-width units (anywhere: Chinese has no spaces)."""
    lines: list[str] = []
    line, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > units and line:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


class _Flow:
    """Places blocks from the top of an A4 page down; starts a new page when one does not fit."""

    def __init__(self, pdf: PdfPages) -> None:
        self._pdf = pdf
        self._fig: Figure | None = None
        self._y = TOP
        self.pages = 0

    # -- pages ---------------------------------------------------------------------------------------
    def new_page(self) -> Figure:
        """Finish the current page (if any) and start a blank one."""
        self._flush()
        self._fig = Figure(figsize=A4)
        self._y = TOP
        return self._fig

    def close(self) -> None:
        """Write the last page."""
        self._flush()

    def _flush(self) -> None:
        if self._fig is None:
            return
        self.pages += 1
        self._fig.text(0.5, 0.4 / A4[1], f"— {self.pages} —", ha="center", fontsize=8, color="#777777")
        self._pdf.savefig(self._fig)  # type: ignore[no-untyped-call]  # matplotlib leaves it untyped
        self._fig = None

    def _page(self) -> Figure:
        return self._fig if self._fig is not None else self.new_page()

    def _need(self, height: float) -> Figure:
        if self._fig is None or self._y - height < BOTTOM:
            return self.new_page()
        return self._fig

    def skip(self, height: float) -> None:
        """Leave ``height`` inches blank."""
        self._y -= height

    # -- blocks --------------------------------------------------------------------------------------
    def text(
        self,
        text: str,
        *,
        size: float,
        weight: str = "normal",
        color: str = "#222222",
        center: bool = False,
        gap: float = 0.08,
    ) -> None:
        """One line of text."""
        height = size / 72 * 1.5
        fig = self._need(height)
        x = 0.5 if center else MARGIN / A4[0]
        fig.text(
            x,
            (self._y - height * 0.8) / A4[1],
            text,
            fontsize=size,
            fontweight=weight,
            color=color,
            ha="center" if center else "left",
        )
        self._y -= height + gap

    def paragraph(self, text: str, *, size: float) -> None:
        """Wrapped body text (first line indented two characters)."""
        units = int(WIDTH * 72 / size * 2 * 0.93)
        for line in wrap("\u3000\u3000" + text, units):
            self.text(line, size=size, gap=0.04)

    def table(self, table: Table, number: str) -> None:
        """A numbered section heading, the table (split over pages if needed) and its note."""
        rows = list(zip(table.keys, table.rows, strict=True))
        title = f"{number}、{table.title}"
        first = True
        while first or rows:
            self._need(0.45 + 2 * ROW)
            self.text(title if first else f"{title}（续）", size=13, weight="bold", gap=0.1)
            fit = max(1, int((self._y - BOTTOM - 0.3) / ROW) - 1)
            chunk, rows = rows[:fit], rows[fit:]
            if not chunk:
                self.text("（无）", size=BODY_FONT)
                break
            keys = tuple(k for k, _ in chunk)
            body = tuple(r for _, r in chunk)
            self.grid(table.columns, body, keys)
            first = False
        if table.note:
            for line in wrap(table.note, int(WIDTH * 72 / 8 * 2 * 0.93)):
                self.text(line, size=8, color="#666666", gap=0.02)
        self.skip(0.25)

    def grid(
        self,
        columns: tuple[str, ...],
        rows: tuple[tuple[str, ...], ...],
        keys: tuple[str, ...],
        *,
        col_widths: tuple[float, ...] | None = None,
        width: float = WIDTH,
    ) -> None:
        """A matplotlib table with a header row; the 合计 row (key ``total``) in bold."""
        height = ROW * (len(rows) + 1)
        fig = self._need(height)
        left = (A4[0] - width) / 2
        ax = fig.add_axes((left / A4[0], (self._y - height) / A4[1], width / A4[0], height / A4[1]))
        ax.set_axis_off()
        widths = list(col_widths) if col_widths else _column_widths(columns, rows)
        grid = ax.table(
            cellText=[list(r) for r in rows],
            colLabels=list(columns),
            colWidths=widths,
            cellLoc="center",
            bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0),
        )
        grid.auto_set_font_size(False)
        grid.set_fontsize(TABLE_FONT)
        for (row, _col), cell in grid.get_celld().items():
            cell.set_edgecolor("#999999")
            cell.set_linewidth(0.5)
            if row == 0:
                cell.set_facecolor(HEADER_COLOR)
                cell.get_text().set_fontweight("bold")
            elif keys[row - 1] == "total":
                cell.set_facecolor(TOTAL_COLOR)
                cell.get_text().set_fontweight("bold")
        self._y -= height + 0.1

    def chart_page(self, report: MonthlyReport, title: str, *pair: charts.Chart) -> None:
        """A page with two charts, one above the other."""
        self._flush()
        fig = Figure(figsize=A4, layout=ConstrainedLayoutEngine(rect=(0.08, 0.06, 0.86, 0.87), hspace=0.12))
        fig.suptitle(
            title, x=MARGIN / A4[0], y=TOP / A4[1], ha="left", va="top", fontsize=13, fontweight="bold"
        )
        for ax, chart in zip(fig.subplots(len(pair), 1), pair, strict=True):
            chart.draw(ax, report)
            if chart.key == "departments":
                ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        self._fig = fig


def _column_widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[float]:
    widest = [max(display_width(c), *(display_width(r[i]) for r in rows)) + 2 for i, c in enumerate(columns)]
    total = sum(widest)
    return [w / total for w in widest]
