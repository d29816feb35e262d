"""Hot topics (热点诉求): the words most tickets of the month talk about (pure; jieba + stopwords).

Each ticket's title and content are segmented with the 12345 domain dictionary
(:func:`asr.drafting.segment.cut`, precise mode); fillers, particles, time words, numbers and
one-character words are dropped. A word counts **once per ticket**, so the volume of a topic is the
number of tickets that mention it. Words that only one ticket uses are never shown (a "hot" topic is
shared, and a rare word can point at one caller, R-PRIV), and the caller's own name, phone and
address are cut out of the text before segmenting.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ticketing.knowledge.tokens import STOPWORDS as KB_STOPWORDS
from ticketing.knowledge.tokens import tokenize

DEFAULT_LIMIT = 10
MIN_TICKETS = 2

# Words every work order uses: they say that someone called, not what about.
REPORT_STOPWORDS: frozenset[str] = frozenset(
    """
    来电 来电人 市民 群众 反映 反应 诉求 问题 情况 工单 事项 要求 希望 处理 解决 相关 部门 单位 有关
    目前 一直 多次 进行 表示 称 其 该 此 经 已 后 前 时 日 月 年 号 等 以及 并且 及时 尽快
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_NUMERALS = re.compile(r"[0-9零〇一二三四五六七八九十百千万两几多半个]+")
_TIME_WORD = re.compile(
    "[今昨前明后]天|晚上|上午|下午|早上|中午|凌晨|半夜|夜里|星期|礼拜|周[一二三四五六日末]|[点号月年]份?$"
)


@dataclass(frozen=True, slots=True)
class TicketText:
    """What the hot topics read of one ticket; the caller fields are only used to cut them out."""

    title: str
    content: str
    caller_name: str | None = None
    caller_phone: str | None = None
    caller_address: str | None = None


@dataclass(frozen=True, slots=True)
class HotTopic:
    """A keyword and the number of tickets of the month that mention it."""

    word: str
    tickets: int


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    return KB_STOPWORDS | REPORT_STOPWORDS


def usable(word: str) -> bool:
    """Whether ``word`` may be a topic: two characters or more, Chinese, not a filler/time/number."""
    return (
        len(word) >= 2
        and word not in _stop()
        and _CJK.search(word) is not None
        and _NUMERALS.fullmatch(word) is None
        and _TIME_WORD.search(word) is None
    )


def words_of(ticket: TicketText) -> set[str]:
    """The distinct topic words of one ticket (its caller's identity cut out first)."""
    text = f"{ticket.title}\n{ticket.content}"
    for private in (ticket.caller_name, ticket.caller_phone, ticket.caller_address):
        if private and private.strip():
            text = text.replace(private.strip(), " ")
    # ticketing's own tokenizer (ticketing never imports the asr package, docs/architecture.md §1). Its
    # search mode also yields the parts of a compound (物业费 → 物业): keep the longest form only.
    words = {word for word in tokenize(text) if usable(word)}
    return {word for word in words if not any(word != other and word in other for other in words)}


def hot_topics(
    tickets: Iterable[TicketText], limit: int = DEFAULT_LIMIT, min_tickets: int = MIN_TICKETS
) -> list[HotTopic]:
    """The ``limit`` words used by the most tickets (at least ``min_tickets``); ties by word."""
    counts: Counter[str] = Counter()
    for ticket in tickets:
        counts.update(words_of(ticket))
    ranked = sorted((w for w, n in counts.items() if n >= min_tickets), key=lambda w: (-counts[w], w))
    return [HotTopic(word, counts[word]) for word in ranked[: max(limit, 0)]]
