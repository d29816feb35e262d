"""The report's pure helpers: number formats, wrapping, ranking, hot topics."""

from __future__ import annotations

import pytest

from ticketing.reports.data import rank
from ticketing.reports.pdf import display_width, wrap
from ticketing.reports.text import pct, pct_parts, points, signed
from ticketing.reports.topics import HotTopic, TicketText, hot_topics, usable, words_of
from ticketing.statistics.schemas import DepartmentScoreOut, RatioOut


def test_rates_show_the_api_value_as_a_percentage_with_its_parts() -> None:
    assert pct(RatioOut(numerator=14, denominator=19, rate=0.7368)) == "73.68%"
    assert pct_parts(RatioOut(numerator=14, denominator=19, rate=0.7368)) == "73.68%（14/19）"
    assert pct_parts(RatioOut(numerator=1, denominator=1, rate=1.0)) == "100.00%（1/1）"
    assert pct(RatioOut(numerator=0, denominator=0, rate=None)) == "—"
    assert pct_parts(None) == "—"


@pytest.mark.parametrize(
    ("value", "text"), [(100.0, "100"), (92.67, "92.67"), (79, "79"), (75.5, "75.5"), (-3.0, "-3")]
)
def test_points(value: float, text: str) -> None:
    assert points(value) == text


def test_signed() -> None:
    assert (signed(11), signed(-9), signed(0)) == ("+11", "-9", "0")


def test_wrap_counts_chinese_as_two_units() -> None:
    assert display_width("热线12345") == 9
    lines = wrap("一二三四五六七八九十abc", 8)
    assert lines == ["一二三四", "五六七八", "九十abc"]
    assert all(display_width(line) <= 8 for line in lines)
    assert wrap("", 10) == []


def _score(code: str, total: float) -> DepartmentScoreOut:
    part = {"points": 10.0, "maximum": 10, "rated": False, "item_id": None}
    return DepartmentScoreOut.model_validate(
        {
            "department": code,
            "name": code,
            "month": "2026-11",
            "leadership": part,
            "system": part,
            "effectiveness": {**part, "maximum": 80},
            "callbacks": 0,
            "process_satisfied": 0,
            "result_satisfied": 0,
            "deductions": [],
            "bonuses": [],
            "deduction_points": 0,
            "bonus_points": 0,
            "total": total,
            "final": True,
        }
    )


def test_rank_is_descending_and_ties_share_a_place() -> None:
    ranked = rank([_score("b", 90), _score("a", 100), _score("d", 90), _score("c", 80.5)])
    assert [(r.rank, r.score.department) for r in ranked] == [(1, "a"), (2, "b"), (2, "d"), (4, "c")]
    assert rank([]) == ()


def test_usable_words() -> None:
    assert usable("噪音")
    assert usable("物业费")
    for word in ("的", "我们", "反映", "晚上", "三个", "12345", "KTV", "问题", "昨天"):
        assert not usable(word), word


def test_hot_topics_count_tickets_not_repeats() -> None:
    tickets = [
        TicketText("夜间施工噪音", "工地夜间施工，噪音很大，噪音扰民"),
        TicketText("噪音扰民", "广场舞噪音"),
        TicketText("物业费", "物业费上涨"),
        TicketText("物业费", "物业费收费不透明，噪音"),
    ]
    topics = hot_topics(tickets, limit=3)
    assert topics[0] == HotTopic("噪音", 3)
    assert HotTopic("物业费", 2) in topics
    assert all(t.tickets >= 2 for t in topics)
    assert hot_topics(tickets, limit=0) == []
    assert hot_topics([]) == []


def test_a_word_of_one_ticket_is_never_a_topic() -> None:
    tickets = [TicketText("噪音", "施工噪音"), TicketText("噪音", "夜市噪音"), TicketText("漏水", "楼上漏水")]
    words = [t.word for t in hot_topics(tickets)]
    assert words == ["噪音"]


def test_the_callers_identity_is_cut_out_first() -> None:
    ticket = TicketText(
        "王小明反映噪音",
        "来电人王小明，电话13800138000，住幸福小区3栋，反映噪音",
        caller_name="王小明",
        caller_phone="13800138000",
        caller_address="幸福小区3栋",
    )
    words = words_of(ticket)
    assert "噪音" in words
    assert not any("小明" in w or "幸福" in w or "3栋" in w for w in words)
