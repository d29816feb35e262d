"""`calendar` CLI group via click's CliRunner."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from hotline.cli_calendar import calendar_group
from ticketing.calendar.workdays import WorkCalendar


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_add_workdays(runner: CliRunner) -> None:
    result = runner.invoke(calendar_group, ["add-workdays", "2026-09-30", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "2026-10-10\n"
    assert result.stderr == ""


def test_add_workdays_provisional_warns_on_stderr(runner: CliRunner) -> None:
    result = runner.invoke(calendar_group, ["add-workdays", "2031-03-03", "1"])
    assert result.exit_code == 0
    assert result.stdout == "2031-03-04\n"
    assert "provisional" in result.stderr
    assert "2031" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-workdays", "2026-13-01", "3"], "not a date"),
        (["add-workdays", "tomorrow", "3"], "not a date"),
        (["add-workdays", "2026-09-30", "0"], "from 1 to 366"),
        (["add-workdays", "2026-09-30", "x"], "not a valid integer"),
        (["is-workday", "2026/10/10"], "not a date"),
        (["deadline", "gossip", "2026-09-30T10:00"], "unknown category"),
        (["deadline", "consult", "yesterday"], "not an ISO datetime"),
    ],
)
def test_bad_arguments_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(calendar_group, args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("day", "answer"), [("2026-10-10", "workday"), ("2026-10-01", "holiday"), ("2026-10-11", "holiday")]
)
def test_is_workday(runner: CliRunner, day: str, answer: str) -> None:
    result = runner.invoke(calendar_group, ["is-workday", day])
    assert result.exit_code == 0
    assert result.stdout == f"{answer}\n"


def test_deadline_naive_means_shanghai(runner: CliRunner) -> None:
    result = runner.invoke(calendar_group, ["deadline", "complaint", "2026-09-30T10:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "2026-10-14T00:00:00+08:00 provisional=false\n"


def test_deadline_accepts_chinese_label_and_offset(runner: CliRunner) -> None:
    # 16:30 UTC on Sep 28 is 00:30 on Sep 29 in Shanghai.
    result = runner.invoke(calendar_group, ["deadline", "咨询", "2026-09-28T16:30:00+00:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "2026-10-10T00:00:00+08:00 provisional=false\n"


def test_deadline_provisional(runner: CliRunner) -> None:
    result = runner.invoke(calendar_group, ["deadline", "report", "2031-03-03T09:00"])
    assert result.exit_code == 0
    assert result.stdout.endswith("provisional=true\n")
    assert "warning" in result.stderr


def test_injected_calendar_is_used(runner: CliRunner) -> None:
    cal = WorkCalendar(overrides={date(2026, 10, 8): False})
    result = runner.invoke(calendar_group, ["add-workdays", "2026-09-30", "1"], obj={"calendar": cal})
    assert result.exit_code == 0
    assert result.stdout == "2026-10-09\n"
    result = runner.invoke(calendar_group, ["is-workday", "2026-10-08"], obj={"calendar": cal})
    assert result.stdout == "holiday\n"
