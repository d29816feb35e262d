"""CSV and XLSX export of a statistics report (pure)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from ticketing.statistics.export import FIELDS, to_csv, to_xlsx
from ticketing.statistics.rates import GroupBy
from ticketing.statistics.schemas import HotlineOut, PeriodOut, RatioOut, StatisticsReport, StatisticsRow


def _row(key: str | None, name: str, n: int) -> StatisticsRow:
    ratio = RatioOut(numerator=n, denominator=2 * n, rate=0.5 if n else None)
    return StatisticsRow(
        key=key,
        name=name,
        registered=n,
        dispatched=n + 1,
        response=ratio,
        on_time=ratio,
        overdue=1,
        returns=0,
        redo=0,
        callbacks=n,
        resolution=ratio,
        process_satisfaction=ratio,
        result_satisfaction=ratio,
    )


def _report() -> StatisticsReport:
    ratio = RatioOut(numerator=1, denominator=2, rate=0.5)
    return StatisticsReport(
        period=PeriodOut(from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), label="2026-11"),
        group_by=GroupBy.DEPARTMENT,
        as_of=datetime(2026, 12, 1, tzinfo=UTC),
        rows=[_row("city.housing", "市住房和城乡建设局", 2), _row("city.urban", "市城市管理局", 0)],
        total=_row(None, "合计", 2),
        hotline=HotlineOut(
            calls=1,
            offered=1,
            answered=1,
            answered_within_20s=1,
            abandoned=0,
            outcome_unknown=0,
            answer_rate=ratio,
            service_level=ratio,
            service_level_target=0.8,
            average_wait_seconds=3.0,
        ),
    )


def test_csv_has_field_header_rows_and_a_total() -> None:
    text = to_csv(_report())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(FIELDS)
    assert [r["key"] for r in rows] == ["city.housing", "city.urban", "total"]
    assert rows[0]["name"] == "市住房和城乡建设局"
    assert (rows[0]["responded_in_time"], rows[0]["response_due"], rows[0]["response_rate"]) == (
        "2",
        "4",
        "0.5",
    )
    assert rows[1]["response_rate"] == ""  # 0 ÷ 0 is an empty cell, not 0


def test_xlsx_round_trip() -> None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(_report())))
    assert book.sheetnames == ["统计", "话务", "说明"]
    sheet = book["统计"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("代码", "名称", "登记量")
    assert [v[0] for v in values[1:]] == ["city.housing", "city.urban", "total"]
    assert values[1][FIELDS.index("response_rate")] == 0.5
    assert sheet.cell(row=2, column=FIELDS.index("response_rate") + 1).number_format == "0.00%"
    assert book["说明"]["B1"].value == "2026-11"
