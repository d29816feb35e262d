"""Time expressions resolved against a fixed ``now`` in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from asr.drafting.fields import TimeField
from asr.drafting.text import normalise
from asr.drafting.times import extract_times, primary_time

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 30, tzinfo=SH)  # a Wednesday


def first(text: str, now: datetime = NOW) -> TimeField:
    found = primary_time(extract_times(normalise(text), now))
    assert found is not None, text
    return found


@pytest.mark.parametrize(
    ("text", "start", "granularity"),
    [
        ("昨天晚上八点", datetime(2026, 3, 17, 20, 0), "hour"),
        ("昨天晚上八点多", datetime(2026, 3, 17, 20, 0), "hour"),
        ("上周三", datetime(2026, 3, 11), "day"),
        ("上周三上午", datetime(2026, 3, 11, 8), "part_of_day"),
        ("今天上午", datetime(2026, 3, 18, 8), "part_of_day"),
        ("今天下午两点半", datetime(2026, 3, 18, 14, 30), "hour"),
        ("前天", datetime(2026, 3, 16), "day"),
        ("昨晚", datetime(2026, 3, 17, 18), "part_of_day"),
        ("上个星期", datetime(2026, 3, 9), "week"),
        ("上个月", datetime(2026, 2, 1), "month"),
        ("今年一月份", datetime(2026, 1, 1), "month"),
        ("去年十二月五号", datetime(2025, 12, 5), "day"),
        ("中午一点", datetime(2026, 3, 18, 13), "hour"),
        ("夜里十一点", datetime(2026, 3, 18, 23), "hour"),
        ("周五", datetime(2026, 3, 20), "day"),
    ],
)
def test_absolute_resolution(text: str, start: datetime, granularity: str) -> None:
    found = first(f"嗯 是{text}的事情")
    assert found.kind == "absolute"
    assert found.text == text
    assert found.start == start.replace(tzinfo=SH)
    assert found.granularity == granularity


def test_now_in_another_zone_is_converted_to_shanghai() -> None:
    # 2026-03-17 20:00 UTC is already 2026-03-18 04:00 in Shanghai: 昨天 is the 17th.
    found = first("昨天", datetime(2026, 3, 17, 20, 0, tzinfo=UTC))
    assert found.start == datetime(2026, 3, 17, tzinfo=SH)


def test_naive_now_is_taken_as_shanghai() -> None:
    assert first("昨天", datetime(2026, 3, 18, 10, 30)).start == datetime(2026, 3, 17, tzinfo=SH)


@pytest.mark.parametrize("text", ["每天晚上十一点以后", "天天晚上", "每周末", "经常"])
def test_recurring_kept_as_text(text: str) -> None:
    found = first(f"那个工地{text}都在施工")
    assert found.kind == "recurring"
    assert found.text == text
    assert found.start is None


def test_duration_needs_the_aspect_particle() -> None:
    assert first("电梯坏了半个月了一直不修").kind == "duration"
    assert first("在这干了三个月").text == "三个月"
    assert extract_times(normalise("要等一个月才能拿到"), NOW) == []


def test_absolute_beats_an_earlier_duration() -> None:
    found = first("等了三个小时都没看上，就是上周五的事情")
    assert found.kind == "absolute"
    assert found.text == "上周五"


@pytest.mark.parametrize("text", ["晚上偷偷往河里排污水", "周末是不是也有车", "平时四点半就到了", "今天天气"])
def test_vague_or_misleading_words_are_not_absolute_times(text: str) -> None:
    assert all(t.kind != "absolute" or t.text == "今天" for t in extract_times(normalise(text), NOW))
    if text != "今天天气":
        assert extract_times(normalise(text), NOW) == []


def test_span_points_into_the_original_text() -> None:
    text = "我是 昨天 晚上 八点 多 打的车"
    found = first(text)
    assert found.span is not None
    assert text[found.span[0] : found.span[1]] == "昨天 晚上 八点 多"


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("三天前晚上楼下很吵", datetime(2026, 3, 15, 18, 0)),
        ("两天前就停水了", datetime(2026, 3, 16)),
        ("上个月二十号交的材料", datetime(2026, 2, 20)),
        ("下个月十号之前要办完", datetime(2026, 4, 10)),
        ("这个月五号开始施工", datetime(2026, 3, 5)),
    ],
)
def test_days_ago_and_a_day_of_the_last_or_next_month(text: str, start: datetime) -> None:
    found = first(text)
    assert found.kind == "absolute"
    assert found.start == start.replace(tzinfo=SH)


def test_a_day_that_does_not_exist_in_that_month_is_no_time() -> None:
    assert primary_time(extract_times(normalise("上个月三十号"), NOW)) is None  # February has no 30th
