"""Phone numbers spoken in transcripts: digit readings, 幺/两/洞, landlines, corrections (R-ID)."""

from __future__ import annotations

import pytest

from asr.drafting.phones import extract_phones
from asr.drafting.text import normalise


def numbers(text: str) -> list[str]:
    return [p.number for p in extract_phones(normalise(text))]


@pytest.mark.parametrize(
    "text",
    [
        "我电话是幺三八 零零幺三 八零零零",
        "一三八零零一三八零零零",
        "电话一三八，零零一三，八零零零。",
        "1 3 8 0 0 1 3 8 0 0 0",
        "138 0013 8000",
        "我的手机 一 三 八 零 零 一 三 八 零 零 零 谢谢",
        "幺三八洞洞幺三八洞洞洞",
    ],
)
def test_mobile_readings(text: str) -> None:
    assert numbers(text) == ["+8613800138000"]


def test_liang_is_two_and_dong_is_zero() -> None:
    assert numbers("幺五幺 两两幺幺 洞洞幺两") == ["+8615122110012"]


def test_landline_with_area_code() -> None:
    assert numbers("座机 零五七幺 八七六五四三二一") == ["+8657187654321"]
    assert numbers("电话 零幺零 六二三四 五六七八") == ["+861062345678"]
    assert numbers("0571-8765432") == ["+865718765432"]  # 7-digit subscriber number


def test_landline_without_area_code_is_not_a_callback_number() -> None:
    assert numbers("电话 八七六五 四三二一") == []


def test_two_numbers_in_one_call() -> None:
    text = "我手机是幺八八 幺二三四 四三二一 家里座机 零五七幺 八八八八 六六六六"
    assert numbers(text) == ["+8618812344321", "+8657188886666"]


def test_two_numbers_without_pause_between() -> None:
    assert numbers("幺三八零零幺三八零零零幺三九一二三四五六七八") == ["+8613800138000", "+8613912345678"]


def test_correction_replaces_previous_number() -> None:
    text = "我电话是一三八零零一三八零零一 不对 是一三八零零一三八零零零"
    phones = extract_phones(normalise(text))
    assert [p.number for p in phones] == ["+8613800138000"]
    assert phones[0].confidence < 0.9  # corrected numbers are flagged with a lower confidence


def test_correction_of_the_last_digits_only() -> None:
    assert numbers("一三八 零零一三 八零零一 不对 是八零零零") == ["+8613800138000"]


def test_a_later_unrelated_number_is_not_a_correction() -> None:
    text = "我电话一三八零零一三八零零零，我女儿在外地上学，她的电话是一三九一二三四五六七八"
    assert numbers(text) == ["+8613800138000", "+8613912345678"]


def test_repeated_number_is_listed_once() -> None:
    assert numbers("一三八零零一三八零零零 我再说一遍 一三八零零一三八零零零") == ["+8613800138000"]


@pytest.mark.parametrize(
    "text",
    [
        "26路公交车",
        "打了120",
        "给你们12345点个赞",
        "车牌是浙A幺二三四五",
        "两千五百块",
        "三栋二单元五零一",
        "十几个人",
    ],
)
def test_other_numbers_are_not_phones(text: str) -> None:
    assert numbers(text) == []


def test_span_points_into_the_original_text() -> None:
    text = "喂 你好 电话是 幺三八 零零幺三 八零零零 谢谢"
    (phone,) = extract_phones(normalise(text))
    assert phone.span is not None
    assert text[phone.span[0] : phone.span[1]] == "幺三八 零零幺三 八零零零" == phone.raw
