"""Normalisation with offsets, and Chinese numerals on short spans."""

from __future__ import annotations

import pytest

from asr.drafting.text import chinese_to_int, normalise, numerals_to_digits


@pytest.mark.parametrize(
    ("text", "value"),
    [("十八", 18), ("二十三", 23), ("十", 10), ("两", 2), ("五零一", 501), ("一百零五", 105), ("12", 12),
     ("两万三千", 23000), ("幺洞", 10)],
)  # fmt: skip
def test_chinese_to_int(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "张三", "十八岁", "一" * 20])
def test_chinese_to_int_refuses_non_numerals(text: str) -> None:
    assert chinese_to_int(text) is None


def test_numerals_are_converted_only_in_the_span_given() -> None:
    assert numerals_to_digits("三栋二单元") == "3栋2单元"


def test_normalise_keeps_an_offset_map() -> None:
    raw = "喂 你好　１３８"
    norm = normalise(raw)
    assert norm.text == "喂你好138"
    assert norm.span(3, 6) == (5, 8)
    assert raw[slice(*norm.span(0, 1))] == "喂"
    assert norm.gap_before(1)
    assert not norm.gap_before(2)
