"""``hotline report monthly`` and ``/api/v1/reports/monthly/…`` on the FIXTURE MONTH 2026-11.

The month is built through the API (``tests/fixtures/scoring_month.py``), once on SQLite and once on
PostgreSQL; the CLI then writes the PDF and HTML from the same database. Every number the report
shows must be the one ``/statistics`` and ``/scores`` answer at the same instant (``AS_OF``).
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from apiharness import Api
from click.testing import CliRunner, Result
from matplotlib import image

from hotline.cli import cli
from hotline.cli_report import report_group
from ticketing.reports import charts
from ticketing.reports.text import NO_DATA


def _fixture_module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "scoring_month.py"
    spec = importlib.util.spec_from_file_location("scoring_month_report", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scoring_month = _fixture_module()
AS_OF = "2026-12-01T12:00"  # Shanghai, = scoring_month.AS_OF
PAGES = 5  # title + summary + categories / units / scores + topics / 2 chart pages


def _hotline() -> click.Group:
    """``hotline`` with the ``report`` group (wired by the lead in hotline/cli.py; added here if not yet)."""
    if "report" in cli.commands:
        return cli
    assert cli.callback is not None
    return click.Group(
        name="hotline",
        callback=cli.callback,
        params=cli.params,
        commands={**cli.commands, "report": report_group},
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("HOTLINE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def _run(db_url: str, *args: str) -> tuple[Result, list[str]]:
    """Run ``hotline report …``; also return every font/glyph warning raised while rendering."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(_hotline(), ["report", *args], env={"HOTLINE_DATABASE_URL": db_url})
    fonts = [str(w.message) for w in caught if re.search(r"glyph|font", str(w.message), re.IGNORECASE)]
    return result, fonts


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: apt-get install -y poppler-utils (scripts/bootstrap.sh does)"
    return path


def _pages(pdf: Path, out: Path) -> list[Path]:
    """Render every page with pdftoppm at 50 dpi."""
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "50", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def _fonts(pdf: Path) -> list[str]:
    text = subprocess.run([_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split()[0] for line in text.splitlines()[2:] if line.strip()]


def _headline(page: str, key: str) -> tuple[str, str]:
    match = re.search(rf'<tr data-key="{key}" data-value="([^"]*)"><th>[^<]*</th><td>([^<]*)</td>', page)
    assert match, key
    return match.group(1), html.unescape(match.group(2))


def _pct(ratio: dict[str, Any]) -> str:
    return f"{ratio['rate'] * 100:.2f}%（{ratio['numerator']}/{ratio['denominator']}）"


def test_monthly_report_of_the_fixture_month(api: Api, db_url: str, tmp_path: Path) -> None:
    scoring_month.build(api)
    out = tmp_path / "out"
    result, font_warnings = _run(db_url, "monthly", "2026-11", "--out", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    pdf, page_file = out / "hotline-report-2026-11.pdf", out / "hotline-report-2026-11.html"
    assert f"wrote {pdf}" in result.output
    assert font_warnings == []
    assert "Noto" in charts.cjk_font()
    assert "CJK" in charts.cjk_font()

    # -- the numbers are the API's (same instant: the harness clock ends at AS_OF) ----------------------
    stats = api.ok("leader", "GET", "/statistics", params={"month": "2026-11"})
    scores = api.ok("leader", "GET", "/scores", params={"month": "2026-11"})
    total, calls = stats["total"], stats["hotline"]
    page = page_file.read_text(encoding="utf-8")
    assert "<h1>12345 政务服务便民热线 2026年11月 工作通报</h1>" in page
    assert _headline(page, "registered") == (str(total["registered"]), f"{total['registered']}件")
    for key, ratio in (
        ("on_time", total["on_time"]),
        ("process_satisfaction", total["process_satisfaction"]),
        ("result_satisfaction", total["result_satisfaction"]),
        ("resolution", total["resolution"]),
        ("service_level", calls["service_level"]),
    ):
        assert _headline(page, key) == (str(ratio["rate"]), _pct(ratio)), key
    # the hand-computed fixture values (tests/integration/test_api_statistics.py)
    assert _headline(page, "registered")[0] == "19"
    assert _headline(page, "on_time")[1] == "73.68%（14/19）"
    assert _headline(page, "process_satisfaction")[1] == "88.24%（15/17）"
    assert _headline(page, "result_satisfaction")[1] == "82.35%（14/17）"
    assert _headline(page, "resolution")[1] == "100.00%（14/14）"
    assert _headline(page, "service_level")[1] == "50.00%（2/4）"
    summary = html.unescape(re.search(r'<p class="summary">([^<]*)</p>', page).group(1))  # type: ignore[union-attr]
    assert "登记工单19件" in summary
    assert "按时办结率73.68%（14/19）" in summary

    # units in score order, with the API's totals, deductions and bonuses
    ranked = sorted(scores["departments"], key=lambda d: (-d["total"], d["department"]))
    section = page[page.index("承办单位考评得分排名") : page.index("热点诉求")]
    positions = [section.index(f'<tr data-key="{d["department"]}">') for d in ranked]
    assert positions == sorted(positions)
    for d in ranked:
        row = re.search(rf'<tr data-key="{re.escape(d["department"])}">(.*?)</tr>', section)
        assert row is not None
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
        assert cells[1] == d["name"]
        assert float(cells[2]) == d["total"]
        assert int(cells[3]) == d["deduction_points"]
        assert int(cells[4]) == d["bonus_points"]
    assert [r["name"] for r in stats["rows"]] == re.findall(
        r'<tr data-key="[^"]+"><td class="name">([^<]*)</td>',
        page[page.index("各承办单位办理情况") : page.index("承办单位考评得分排名")],
    )
    assert page.count('src="data:image/png;base64,') == 4
    assert "噪音" in page  # the harness's ticket text: every ticket is about construction noise

    # -- the PDF: every page renders, none blank, all text in Noto CJK --------------------------------
    assert pdf.read_bytes().startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())) == PAGES
    pngs = _pages(pdf, tmp_path)
    assert len(pngs) == PAGES
    for png in pngs:
        pixels = image.imread(str(png))
        assert pixels.shape[0] > 500, png  # A4 at 50 dpi: 585 × 414
        assert float(pixels.std()) > 0.05, f"{png.name} looks blank"
    fonts = _fonts(pdf)
    assert fonts
    assert all("NotoSansCJK" in f for f in fonts), fonts


def test_the_api_serves_the_report_to_the_centre_only(api: Api) -> None:
    scoring_month.build(api)
    page = api.call("leader", "GET", "/reports/monthly/2026-11.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert _headline(page.text, "on_time")[1] == "73.68%（14/19）"
    pdf = api.call("admin", "GET", "/reports/monthly/2026-11.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.content)) == PAGES
    for user in ("housing", "agent"):
        assert api.call(user, "GET", "/reports/monthly/2026-11.html").status_code == 403
    assert api.call(None, "GET", "/reports/monthly/2026-11.pdf").status_code == 401
    assert api.call("leader", "GET", "/reports/monthly/2026-13.html").status_code == 422


def test_an_empty_month_is_a_valid_report_saying_so(api: Api, db_url: str, tmp_path: Path) -> None:
    result, font_warnings = _run(db_url, "monthly", "2026-09", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert font_warnings == []
    page = (tmp_path / "hotline-report-2026-09.html").read_text(encoding="utf-8")
    assert "12345 政务服务便民热线 2026年9月 工作通报" in page
    assert NO_DATA in page
    assert "<img" not in page
    pngs = _pages(tmp_path / "hotline-report-2026-09.pdf", tmp_path)
    assert len(pngs) == 1
    assert float(image.imread(str(pngs[0])).std()) > 0.02


def test_one_format_only(api: Api, db_url: str, tmp_path: Path) -> None:
    result, _ = _run(db_url, "monthly", "2026-11", "--out", str(tmp_path / "x"), "--format", "html")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["hotline-report-2026-11.html"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-13"], "month must be 01..12"),
        (["November"], "month must look like 2026-11"),
        (["2026-11", "--format", "docx"], "choose from pdf,html"),
        (["2026-11", "--as-of", "yesterday"], "is not a date-time"),
    ],
)
def test_bad_arguments_exit_2(sqlite_url: str, tmp_path: Path, args: list[str], message: str) -> None:
    result, _ = _run(sqlite_url, "monthly", *args, "--out", str(tmp_path / "never"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "never").exists()
