"""Summaries and keywords: fillers and stopwords removed, length bounded."""

from __future__ import annotations

from asr.drafting.keywords import extract_keywords
from asr.drafting.segment import stopwords
from asr.drafting.summary import summarise
from ticketing.categories import Category

LONG_CALL = (
    "喂，你好，嗯，那个，我想问一下啊，就是说，我们小区旁边那个工地，每天晚上十一点以后还在施工，"
    "那个噪音吵得我们根本睡不着，嗯，家里还有小孩，老人身体也不好，打了好几次电话都没人管，"
    "我们也找过物业，物业说不归他们管，街道也说管不了，你们说这个事情到底归谁管，"
    "我电话是幺三八 零零幺三 八零零零，地址是杭州市西湖区文三路幸福小区。"
)


def test_summary_is_short_and_without_fillers_or_phone() -> None:
    summary = summarise(LONG_CALL, Category.COMPLAINT)
    assert len(summary.text) <= 80
    assert summary.text.startswith("投诉：")
    assert summary.text.endswith("。")
    for filler in ("嗯", "那个", "就是说", "我想问一下", "你好", "幺三八"):
        assert filler not in summary.text
    assert "施工" in summary.text
    assert 0.0 <= summary.confidence <= 1.0


def test_summary_respects_a_smaller_limit() -> None:
    assert len(summarise(LONG_CALL, Category.COMPLAINT, max_chars=30).text) <= 30


def test_summary_collapses_repetitions() -> None:
    assert summarise("帮帮我 帮帮我 我被困在电梯里了", Category.HELP).text.count("帮帮我") == 1
    assert "油烟油烟" not in summarise("油烟 油烟特别大", Category.COMPLAINT).text


def test_summary_of_nothing() -> None:
    empty = summarise("嗯……那个……", Category.OTHER)
    assert empty.text == ""
    assert empty.confidence <= 0.1


def test_vosk_style_spacing_is_not_a_clause_break() -> None:
    text = "你好 我 要 投诉 一下 那个 出租车 司机 绕路 还 拒载"
    assert summarise(text, Category.COMPLAINT).text == "投诉：出租车司机绕路还拒载。"


def test_keywords_skip_stopwords_and_boost_domain_words() -> None:
    words = [
        k.word
        for k in extract_keywords("嗯 那个 我们 小区 旁边 的 工地 晚上 施工 噪音 噪音 太大了 我们 睡不着")
    ]
    assert words[0] == "噪音"
    assert "施工" in words
    assert "工地" in words
    assert not set(words) & {"嗯", "那个", "我们", "的"}


def test_keywords_skip_numbers_and_times_and_respect_limit() -> None:
    keywords = extract_keywords(
        "拖欠工资 昨天晚上八点 幺三八零零幺三八零零零 社保 医保 公积金 物业 垃圾", limit=3
    )
    assert len(keywords) == 3
    assert all(k.word in {"拖欠工资", "社保", "医保", "公积金", "物业", "垃圾"} for k in keywords)
    assert keywords[0].weight == 1.0
    assert all(0 < k.weight <= 1 for k in keywords)


def test_stopwords_file_is_loaded() -> None:
    stop = stopwords()
    assert {"嗯", "那个", "就是说", "我们"} <= stop
    assert "噪音" not in stop
