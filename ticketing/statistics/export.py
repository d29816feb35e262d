"""Statistics export: CSV (always) and XLSX (with ``openpyxl``). Pure: a report in, bytes/text out.

CSV has one header line of stable field names (for machines); XLSX has Chinese column labels, rates
formatted as percentages, a 话务 sheet with the hotline figures and a 说明 sheet with the period.
Both list the unit/category rows followed by a ``total`` row.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ticketing.errors import TicketingError
from ticketing.statistics.schemas import RatioOut, StatisticsReport, StatisticsRow

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (field, Chinese label, is a rate)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("key", "代码", False),
    ("name", "名称", False),
    ("registered", "登记量", False),
    ("dispatched", "交办量", False),
    ("responded_in_time", "24小时内签收/退件", False),
    ("response_due", "应响应件数", False),
    ("response_rate", "响应率", True),
    ("completed_on_time", "按时办结", False),
    ("completion_due", "应办结件数", False),
    ("on_time_rate", "按时办结率", True),
    ("overdue", "超期", False),
    ("returns", "退件", False),
    ("redo", "重办", False),
    ("callbacks", "回访量", False),
    ("resolved", "已解决件数", False),
    ("called_back", "回访件数", False),
    ("resolution_rate", "解决率", True),
    ("process_satisfied", "过程满意", False),
    ("process_satisfaction_rate", "过程满意率", True),
    ("result_satisfied", "结果满意", False),
    ("result_satisfaction_rate", "结果满意率", True),
)
FIELDS = tuple(name for name, _, _ in COLUMNS)


class ExportUnavailable(TicketingError):
    """The XLSX writer (``openpyxl``) is not installed."""

    error_id = "export_unavailable"
    http_status = 501


def flat(row: StatisticsRow, key: str | None = None) -> dict[str, Any]:
    """One statistics row as a flat mapping of :data:`FIELDS`."""

    def parts(ratio: RatioOut, ok: str, due: str, rate: str) -> dict[str, Any]:
        return {ok: ratio.numerator, due: ratio.denominator, rate: ratio.rate}

    return {
        "key": key if key is not None else row.key,
        "name": row.name,
        "registered": row.registered,
        "dispatched": row.dispatched,
        **parts(row.response, "responded_in_time", "response_due", "response_rate"),
        **parts(row.on_time, "completed_on_time", "completion_due", "on_time_rate"),
        "overdue": row.overdue,
        "returns": row.returns,
        "redo": row.redo,
        "callbacks": row.callbacks,
        **parts(row.resolution, "resolved", "called_back", "resolution_rate"),
        "process_satisfied": row.process_satisfaction.numerator,
        "process_satisfaction_rate": row.process_satisfaction.rate,
        "result_satisfied": row.result_satisfaction.numerator,
        "result_satisfaction_rate": row.result_satisfaction.rate,
    }


def table(report: StatisticsReport) -> list[dict[str, Any]]:
    """The rows of the export: every row, then the total (key ``total``)."""
    return [*(flat(row) for row in report.rows), flat(report.total, key="total")]


def to_csv(report: StatisticsReport) -> str:
    """The report as CSV text (``None`` rates are empty cells)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in table(report):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def to_xlsx(report: StatisticsReport) -> bytes:
    """The report as an XLSX workbook."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ExportUnavailable("XLSX export needs the openpyxl package; use the CSV export") from exc
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "统计"
    sheet.append([label for _, label, _ in COLUMNS])
    for row in table(report):
        sheet.append([row[name] for name in FIELDS])
    for index, (_, _, is_rate) in enumerate(COLUMNS, start=1):
        if is_rate:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.00%"
    if report.hotline is not None:
        calls = book.create_sheet("话务")
        hotline = report.hotline
        for label, value in (
            ("来电总数", hotline.calls),
            ("进入人工队列", hotline.offered),
            ("接通", hotline.answered),
            ("20秒内接通", hotline.answered_within_20s),
            ("放弃", hotline.abandoned),
            ("结果未知", hotline.outcome_unknown),
            ("接通率", hotline.answer_rate.rate),
            ("20秒服务水平", hotline.service_level.rate),
            ("服务水平标准", hotline.service_level_target),
            ("平均等待(秒)", hotline.average_wait_seconds),
        ):
            calls.append([label, value])
    info = book.create_sheet("说明")
    info.append(["统计期间", report.period.label])
    info.append(["起", report.period.from_date.isoformat()])
    info.append(["止", report.period.to_date.isoformat()])
    info.append(["分组", report.group_by.value])
    info.append(["截至", report.as_of.isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
