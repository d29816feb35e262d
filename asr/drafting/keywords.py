"""Keywords: jieba words minus stopwords, ranked by term frequency with domain words boosted."""

from __future__ import annotations

import re
from collections import Counter

from asr.drafting.fields import Keyword
from asr.drafting.segment import cut, domain_words, stopwords
from asr.drafting.text import NUMERAL_CHARS

_DOMAIN_BOOST = 2.0
# Time words have their own field: 昨天晚上, 八点, 半夜, 上周三, 九月份 are not keywords.
_TIME_WORD = re.compile(
    "[今昨前明后]天|晚上|上午|下午|早上|中午|凌晨|半夜|夜里|星期|礼拜|周[一二三四五六日末]|[点号月年]份?$"
)
_WORDLIKE = re.compile(r"[\u4e00-\u9fff]|^[A-Z]{2,5}$")  # Chinese words, or acronyms like KTV
_ONLY_NUMERALS = re.compile(f"[0-9{NUMERAL_CHARS}个几多半]+|[喂嗯啊呃哦哎唉]+")


def _usable(word: str, stop: frozenset[str]) -> bool:
    return (
        len(word) >= 2
        and word not in stop
        and _WORDLIKE.search(word) is not None
        and _ONLY_NUMERALS.fullmatch(word) is None
        and _TIME_WORD.search(word) is None
    )


def extract_keywords(text: str, limit: int = 8) -> list[Keyword]:
    """Top ``limit`` keywords of the (normalised) text; weights scaled so the best is 1.0."""
    if limit <= 0 or not text:
        return []
    stop = stopwords()
    domain = domain_words()
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, word in enumerate(cut(text)):
        if _usable(word, stop):
            counts[word] += 1
            first.setdefault(word, i)
    if not counts:
        return []
    scores = {w: c * (_DOMAIN_BOOST if w in domain else 1.0) for w, c in counts.items()}
    ranked = sorted(scores, key=lambda w: (-scores[w], first[w]))[:limit]
    best = scores[ranked[0]]
    return [Keyword(w, scores[w] / best) for w in ranked]
