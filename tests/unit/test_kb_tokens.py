"""Tokenisation of knowledge-base text (R-KB search): normalisation, stopwords, domain words."""

from __future__ import annotations

import pytest

from ticketing.knowledge.tokens import STOPWORDS, normalise, query_terms, token_string, tokenize


def test_full_width_and_case_are_normalised() -> None:
    assert normalise("ＫＢ－ＳＢ　１２３４５ Abc") == "kb-sb 12345 abc"
    assert tokenize("拨打１２３４５热线") == tokenize("拨打12345热线")
    assert "12345" in tokenize("拨打１２３４５热线")
    assert tokenize("APP办理") == tokenize("ａｐｐ办理")


def test_stopwords_and_punctuation_are_dropped() -> None:
    tokens = tokenize("请问，我的社保卡丢了怎么办？谢谢！")
    assert "社保卡" in tokens
    assert not set(tokens) & {"请问", "我", "的", "了", "怎么办", "谢谢", "，", "？", "！"}
    assert tokenize("的了吗？！") == []
    assert {"怎么", "什么", "如何", "哪里"} <= STOPWORDS


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("社保卡丢了怎么补办", "社保卡"),
        ("公积金提取需要什么材料", "公积金"),
        ("居住证到期了怎么签注", "居住证"),
        ("新生儿落户去哪里办", "新生儿"),
        ("想办理异地就医备案", "异地就医"),
        ("夜间施工噪音扰民", "夜间施工"),
    ],
)
def test_domain_words_are_kept_whole(text: str, word: str) -> None:
    # Search mode adds dictionary sub-words (社保 for 社保卡), but the whole word is always there.
    assert word in tokenize(text)


def test_search_mode_adds_sub_words() -> None:
    tokens = tokenize("社保卡补办")
    assert tokens.index("社保") < tokens.index("社保卡")
    assert "补办" in tokens


def test_token_string_is_space_joined_and_keeps_repeats() -> None:
    text = token_string("社保卡补办", None, "补办社保卡")
    assert text.split(" ") == tokenize("社保卡补办") + tokenize("补办社保卡")
    assert "  " not in text
    assert token_string(None, "") == ""


def test_query_terms_are_distinct_and_longer_words_first() -> None:
    terms = query_terms("社保卡丢了，社保卡怎么补办")
    assert terms.count("社保卡") == 1
    assert terms[: terms.index("丢")] == [t for t in terms if len(t) > 1]
    assert len(query_terms("社保卡 " * 10 + "补办", limit=2)) == 2
