"""Text → search tokens for the knowledge base (R-KB), the same for stored articles and questions.

NFKC (full-width → half-width) and case folding, then jieba in search mode (whole words plus their
dictionary sub-words) with a small 12345 user dictionary, minus stopwords and punctuation. A private
:class:`jieba.Tokenizer` keeps the process-wide default untouched; it is built once, lazily (~1 s).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba

logging.getLogger("jieba").setLevel(logging.WARNING)

USER_WORDS: tuple[str, ...] = (
    "12345", "社保卡", "社会保障卡", "医保卡", "医保", "公积金", "住房公积金", "居住证", "身份证", "户口本",
    "新生儿", "落户", "随迁", "补办", "挂失", "异地就医", "备案", "养老金", "养老保险", "失业金",
    "失业保险", "灵活就业", "退休", "不动产", "不动产登记", "营业执照", "个体工商户", "噪音", "扰民",
    "夜间施工", "占道经营", "违章搭建", "物业费", "公租房", "廉租房", "积分入学", "义务教育",
    "电动自行车", "充电桩", "燃气", "停水", "停电", "拖欠工资", "劳动仲裁", "出生医学证明",
)  # fmt: skip

# Fillers, particles, pronouns and question words: they say how a caller asks, not what about.
STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 哦 嗯 哎 喂 是 在 有 和 与 及 或 或者 就 都 也 还 又 很 太 把 被 给 对 向 从 到 由
    我 你 您 他 她 它 我们 你们 他们 咱们 自己 这 那 这个 那个 这些 那些 这样 那样 这里 那里 个 一个 一下
    一些 些 啥 什么 怎么 怎么办 怎样 怎么样 如何 为什么 为何 哪 哪里 哪儿 哪些 哪个 多少 几 吗 么 呗
    请问 请 问 问一下 想 想要 要 想问 能 能不能 可以 可不可以 需要 需 应该 得 该 会 去 来 说 告诉 知道
    谢谢 你好 您好 麻烦 帮 帮忙 一 下 上 中 之 其 而 但 但是 如果 因为 所以 然后 现在 已经 没有 不 没
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")
_MAX_QUERY_TERMS = 32


def normalise(value: str) -> str:
    """Full-width → half-width (NFKC) and case-folded; ``ＫＢ１２３`` → ``kb123``."""
    return unicodedata.normalize("NFKC", value).casefold()


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in USER_WORDS:
        tokenizer.add_word(word, freq=200_000)
    return tokenizer


def tokenize(value: str) -> list[str]:
    """Search-mode tokens of ``value`` in order (repeats kept: they count for ranking)."""
    if not value:
        return []
    out: list[str] = []
    for word in _tokenizer().cut_for_search(normalise(value), HMM=False):
        token = word.strip()
        if token and token not in STOPWORDS and _WORD.search(token):
            out.append(token)
    return out


def token_string(*parts: str | None) -> str:
    """The stored search text of ``parts``: their tokens joined by single spaces."""
    return " ".join(t for part in parts if part for t in tokenize(part))


def query_terms(value: str, limit: int = _MAX_QUERY_TERMS) -> list[str]:
    """Distinct tokens of a question, at most ``limit``; words longer than one character come first."""
    seen = list(dict.fromkeys(tokenize(value)))
    ranked = [t for t in seen if len(t) > 1] + [t for t in seen if len(t) == 1]
    return ranked[:limit]
