"""The 通报 as one self-contained HTML page: inline CSS, tables, charts as base64 PNG (no scripts).

Headline numbers and table rows carry ``data-key`` (and headlines ``data-value``, the API's raw
value) so tools and tests can read them back without parsing the Chinese text.
"""

from __future__ import annotations

import base64
from html import escape

from ticketing.reports import charts
from ticketing.reports.data import MonthlyReport
from ticketing.reports.text import Table, headlines, period_line, summary, tables

_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.6; }
h1 { text-align: center; font-size: 1.6rem; margin-bottom: .3rem; }
p.period { text-align: center; color: #555; margin-top: 0; }
h2 { border-left: .3rem solid #1f5fa8; padding-left: .5rem; font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: center; }
th { background: #e8eef7; }
tr.total td { font-weight: bold; background: #f5f5f5; }
td.name { text-align: left; }
p.note { color: #666; font-size: .85rem; }
figure { margin: 1rem 0; text-align: center; }
figure img { max-width: 100%; }
p.nodata { font-size: 1.1rem; padding: 1rem; background: #fff8e1; border: 1px solid #f0d58a; }
"""
_SECTIONS = ("一", "二", "三", "四", "五", "六")


def render_html(report: MonthlyReport, *, with_charts: bool = True) -> str:
    """The whole page as text (UTF-8 when written)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="period">{escape(period_line(report))}</p>',
        f"<h2>{_SECTIONS[0]}、总体情况</h2>",
        f'<p class="summary">{escape(summary(report))}</p>',
    ]
    if not report.has_data:
        parts.append('<p class="nodata">本月无数据，不生成统计表和图表。</p>')
    else:
        parts.append(_headline_table(report))
        images = _images(report) if with_charts else {}
        pairs = zip(tables(report), charts.CHARTS, strict=True)  # each table with its chart
        for n, (table, chart) in enumerate(pairs, start=1):
            parts.append(f"<h2>{_SECTIONS[n]}、{escape(table.title)}</h2>")
            parts.append(_table(table))
            if table.note:
                parts.append(f'<p class="note">{escape(table.note)}</p>')
            if chart.key in images:
                parts.append(
                    f'<figure data-chart="{chart.key}"><img alt="{escape(chart.caption)}" '
                    f'src="data:image/png;base64,{images[chart.key]}"></figure>'
                )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _headline_table(report: MonthlyReport) -> str:
    rows = "".join(
        f'<tr data-key="{h.key}" data-value="{"" if h.value is None else h.value}">'
        f"<th>{escape(h.label)}</th><td>{escape(h.text)}</td></tr>"
        for h in headlines(report)
    )
    return f'<table class="headline">{rows}</table>'


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = []
    for key, row in zip(table.keys, table.rows, strict=True):
        css = ' class="total"' if key == "total" else ""
        cells = "".join(
            f'<td class="name">{escape(v)}</td>' if i == _name_column(table) else f"<td>{escape(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f'<tr data-key="{escape(key)}"{css}>{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _name_column(table: Table) -> int:
    return 1 if table.columns and table.columns[0] in ("名次", "排名") else 0


def _images(report: MonthlyReport) -> dict[str, str]:
    with charts.style():
        return {
            chart.key: base64.b64encode(charts.png(charts.figure(chart, report))).decode("ascii")
            for chart in charts.CHARTS
        }
