"""Reporting periods: Shanghai days → UTC bounds; typed errors for bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ticketing.errors import InvalidInput
from ticketing.statistics import periods


def test_month_covers_whole_shanghai_days() -> None:
    november = periods.month("2026-11")
    assert (november.first, november.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert november.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert november.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert november.contains(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))
    assert not november.contains(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert november.label == november.month == "2026-11"
    assert periods.month("2026-12").last == date(2026, 12, 31)
    assert periods.month("2028-02").last == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026/11", "26-11", "2026-1", "", "1999-12", "abcd-ef"]
)
def test_bad_months_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        periods.month(text)
    assert info.value.details["field"] == "month"


def test_between_is_inclusive_and_refuses_reversed_or_huge_ranges() -> None:
    week = periods.between(date(2026, 11, 2), date(2026, 11, 8))
    assert week.label == "2026-11-02..2026-11-08"
    assert week.month is None
    assert periods.between(date(2026, 11, 1), date(2026, 11, 30)).month == "2026-11"
    with pytest.raises(InvalidInput, match="after"):
        periods.between(date(2026, 11, 9), date(2026, 11, 8))
    with pytest.raises(InvalidInput, match="at most"):
        periods.between(date(2000, 1, 1), date(2020, 1, 1))


def test_resolve_takes_a_month_or_both_dates() -> None:
    assert periods.resolve("2026-11", None, None).month == "2026-11"
    assert periods.resolve(None, date(2026, 11, 1), date(2026, 11, 1)).label == "2026-11-01..2026-11-01"
    with pytest.raises(InvalidInput):
        periods.resolve("2026-11", date(2026, 11, 1), None)
    with pytest.raises(InvalidInput):
        periods.resolve(None, date(2026, 11, 1), None)
    with pytest.raises(InvalidInput):
        periods.resolve(None, None, None)


def test_month_of_uses_shanghai_time() -> None:
    assert periods.month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"
    assert periods.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"
