"""The report's charts as matplotlib figures (Agg canvas, no pyplot, no backend switch) with a CJK font.

Each ``draw_*`` function draws one chart on a given :class:`~matplotlib.axes.Axes`, so the HTML
renderer can put each on its own figure and the PDF renderer two on an A4 page. Everything is drawn
inside :func:`style`, which selects the CJK font; with none installed :class:`CjkFontMissing` names
the Debian package to install.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ticketing.reports.data import MonthlyReport
from ticketing.statistics.schemas import RatioOut

# Simplified Chinese faces first; any other CJK face still has every 汉字 the report uses.
PREFERRED_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
_CJK_NAME = re.compile(r"CJK|Source Han|WenQuanYi|Noto Sans SC", re.IGNORECASE)
_CJK_FILE = re.compile(r"cjk|sourcehan|wqy", re.IGNORECASE)
COLORS = ("#1f5fa8", "#e07b22", "#3a9a4a", "#c23b3b", "#7b5aa6", "#8c6d31", "#4aa3b5")
NO_DATA = "本月无数据"
_RC_LOCK = threading.Lock()  # rc_context changes matplotlib's globals: one report renders at a time


class CjkFontMissing(RuntimeError):
    """No font with Chinese glyphs is installed."""


def _cjk_names() -> list[str]:
    return sorted({f.name for f in font_manager.fontManager.ttflist if _CJK_NAME.search(f.name)})


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of the CJK font the charts use (a Noto CJK face where installed)."""
    names = _cjk_names()
    if not names:  # a font cache older than the fonts: add the system's CJK files once
        for path in font_manager.findSystemFonts():
            if _CJK_FILE.search(path):
                font_manager.fontManager.addfont(path)
        names = _cjk_names()
    for wanted in PREFERRED_FONTS:
        if wanted in names:
            return wanted
    if names:
        return names[0]
    raise CjkFontMissing(
        "no CJK font found for the report's Chinese text: install the Debian package fonts-noto-cjk "
        "(apt-get install -y fonts-noto-cjk)"
    )


@contextmanager
def style() -> Iterator[None]:
    """Draw with the CJK font and the report's sizes (matplotlib's globals are restored after).

    Not re-entrant: one thread renders at a time (the API may render in several threads).
    """
    with (
        _RC_LOCK,
        matplotlib.rc_context(
            {
                "font.family": [cjk_font()],
                "font.size": 9,
                "axes.unicode_minus": False,
                "axes.spines.top": False,
                "axes.spines.right": False,
                "axes.titlesize": 11,
                "axes.titleweight": "bold",
                "pdf.fonttype": 3,  # 42 would embed the CFF-based Noto CJK as TrueType: invalid PDF
                "svg.fonttype": "path",
            }
        ),
    ):
        yield


def _no_data(ax: Axes, title: str) -> None:
    ax.set_title(title)
    ax.set_axis_off()
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=12, color="#666666", transform=ax.transAxes)


def draw_category_volumes(ax: Axes, report: MonthlyReport) -> None:
    """Bar: tickets registered per category."""
    title = "各类诉求登记量（件）"
    rows = report.by_category.rows
    if not any(r.registered for r in rows):
        _no_data(ax, title)
        return
    labels = [r.name or r.key or "" for r in rows]
    values = [r.registered for r in rows]
    bars = ax.bar(labels, values, color=COLORS[0])
    ax.bar_label(bars, padding=2)
    ax.set_title(title)
    ax.set_ylabel("件")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.15)


RATE_SERIES: tuple[tuple[str, str], ...] = (
    ("response", "响应率"),
    ("on_time", "按时办结率"),
    ("resolution", "解决率"),
    ("process_satisfaction", "过程满意率"),
    ("result_satisfaction", "结果满意率"),
)


def draw_department_rates(ax: Axes, report: MonthlyReport) -> None:
    """Grouped bar: the five rates of each unit that had something counted (in %)."""
    title = "各承办单位主要指标（%）"
    rows = [r for r in report.by_department.rows if any(_ratio(r, key).denominator for key, _ in RATE_SERIES)]
    if not rows:
        _no_data(ax, title)
        return
    width = 0.8 / len(RATE_SERIES)
    for i, (key, label) in enumerate(RATE_SERIES):
        xs = [n + (i - (len(RATE_SERIES) - 1) / 2) * width for n in range(len(rows))]
        values = [_percent(_ratio(r, key)) for r in rows]
        ax.bar(xs, values, width=width, label=label, color=COLORS[i % len(COLORS)])
    ax.set_xticks(range(len(rows)), [r.name or r.key or "" for r in rows])
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    ax.set_title(title, pad=22)
    ax.legend(ncols=len(RATE_SERIES), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)


def _ratio(row: object, key: str) -> RatioOut:
    value = getattr(row, key)
    assert isinstance(value, RatioOut)
    return value


def _percent(ratio: RatioOut) -> float:
    return float("nan") if ratio.rate is None else ratio.rate * 100


def draw_score_ranking(ax: Axes, report: MonthlyReport) -> None:
    """Horizontal bar: every unit's score, highest on top."""
    title = "承办单位考评得分"
    if not report.ranking:
        _no_data(ax, title)
        return
    names = [r.score.name for r in report.ranking]
    totals = [r.score.total for r in report.ranking]
    bars = ax.barh(range(len(names)), totals, color=COLORS[0])
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{t:g}" for t in totals], padding=3)
    ax.set_xlim(min(0.0, *totals), max(1.0, *totals) * 1.12)
    ax.set_xlabel("分")
    ax.set_title(title)


def draw_hot_topics(ax: Axes, report: MonthlyReport) -> None:
    """Horizontal bar: tickets mentioning each hot topic, the hottest on top."""
    title = "热点诉求关键词（涉及工单数）"
    if not report.topics:
        _no_data(ax, title)
        return
    words = [t.word for t in report.topics]
    counts = [t.tickets for t in report.topics]
    bars = ax.barh(range(len(words)), counts, color=COLORS[1])
    ax.set_yticks(range(len(words)), words)
    ax.invert_yaxis()
    ax.bar_label(bars, padding=3)
    ax.set_xlim(0, max(counts) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("件")
    ax.set_title(title)


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of the report: its key, caption and drawing function."""

    key: str
    caption: str
    draw: Callable[[Axes, MonthlyReport], None]


CHARTS: tuple[Chart, ...] = (
    Chart("categories", "各类诉求登记量", draw_category_volumes),
    Chart("departments", "各承办单位主要指标", draw_department_rates),
    Chart("scores", "考评得分排名", draw_score_ranking),
    Chart("topics", "热点诉求", draw_hot_topics),
)


def figure(chart: Chart, report: MonthlyReport, size: tuple[float, float] = (8.0, 4.2)) -> Figure:
    """One chart on its own figure (call inside :func:`style`)."""
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)  # rasterise with Agg whatever matplotlib's default backend is
    chart.draw(fig.add_subplot(), report)
    if chart.key == "departments":
        fig.axes[0].tick_params(axis="x", labelrotation=20)
    return fig


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
