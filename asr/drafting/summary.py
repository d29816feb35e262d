"""A short summary (≤ 80 characters by default): the clauses that carry the matter, fillers removed.

Clauses are split at punctuation, at fillers (嗯, 那个, 就是说, 我想问一下, greetings) and at pauses
(unless the transcript has a space between every word, as Vosk output does). Phone numbers and the words
that introduce them are removed (they have their own field), repeated words are collapsed, clauses that
only announce the category ("我要投诉") are dropped, and the clauses with most signal are kept, in
speaking order, behind the category label ("投诉：…。").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from asr.drafting.fields import SummaryField
from asr.drafting.segment import domain_words
from asr.drafting.text import NUMERAL_CHARS
from ticketing.categories import Category

_FILLER_WORDS = (
    "我想问一下", "我想咨询一下", "想咨询一下", "想问一下", "我问一下", "请问一下", "问一下", "请问",
    "你好", "您好", "喂", "嗯", "啊", "呃", "哦", "唉", "哎", "呀", "吧", "啦", "嘛",
    "那个", "就是说", "就是", "然后", "其实", "反正", "对吧", "是吧", "怎么说呢", "听得到吗",
    "谢谢你们", "谢谢", "麻烦你", "麻烦了", "不好意思",
)  # fmt: skip
_BREAKS = re.compile(
    "[，。？！,.?!；;…~～、]+|" + "|".join(re.escape(w) for w in sorted(_FILLER_WORDS, key=len, reverse=True))
)
_REPEAT = re.compile(r"(.{2,6}?)\1+")
_PHONE_WORDS = re.compile("(?:我的|我|家里)?(?:电话号码|手机号码|电话|手机号|手机|号码|座机)(?:号码)?(?:是)?")
_NUMERALS = re.compile(f"[0-9{NUMERAL_CHARS}]")
_ANNOUNCE = re.compile(
    "^(?:我)?(?:要|想)?(?:投诉|举报|咨询|反映|建议|表扬)(?:一下|个问题|一个问题|一个情况)?$"
)
_SIGNAL = re.compile(
    "投诉|举报|建议|表扬|感谢|问|材料|办理|怎么|哪里|帮|困|没|不|违|偷|排|差|欠|吵|噪音|坏|丢|希望|能不能|是否|"
    "增设|负责|及时|好"
)
_CJK = re.compile("[\u4e00-\u9fff]")
_MAX_CLAUSES = 5


def _signal(text: str) -> int:
    """How much a clause says about the matter: cue characters plus domain words (counted twice)."""
    return len(_SIGNAL.findall(text)) + 2 * sum(1 for word in domain_words() if word in text)


def _spaced_words(raw: str) -> bool:
    """True when the transcript separates (nearly) every word by a space, as Vosk output does."""
    tokens = raw.split()
    return len(tokens) >= 6 and sum(len(t) for t in tokens) / len(tokens) <= 2.2


def _blank(raw: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(raw)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = "，"
    return "".join(chars)


def _clauses(raw: str, spaced: bool) -> list[str]:
    text = re.sub(r"\s+", "" if spaced else "，", raw)
    return [c for c in _BREAKS.split(text) if c]


def _clean(clause: str) -> str:
    text = _PHONE_WORDS.sub("", clause)
    text = _REPEAT.sub(r"\1", text)
    if len(_NUMERALS.findall(text)) * 2 >= len(text):  # a digit string: part of a number
        return ""
    return text.strip()


def summarise(
    raw: str, category: Category, max_chars: int = 80, remove: Iterable[tuple[int, int]] = ()
) -> SummaryField:
    """Summary of the transcript ``raw`` for a call of ``category``; ``remove`` spans are left out."""
    label = "" if category is Category.OTHER else f"{category.label_zh}："
    kept: list[tuple[int, str, int]] = []  # (index, text, signal)
    seen: set[str] = set()
    for i, clause in enumerate(_clauses(_blank(raw, remove), _spaced_words(raw))):
        text = _clean(clause)
        if len(_CJK.findall(text)) < 2 or text in seen or _ANNOUNCE.match(text):
            continue
        seen.add(text)
        kept.append((i, text, _signal(text)))
    budget = max_chars - len(label) - 1
    if budget <= 1 or not kept:
        return SummaryField(label.rstrip("："), 0.1)
    chosen: list[tuple[int, str]] = []
    used = 0
    for i, text, _ in sorted(kept, key=lambda k: (-k[2], k[0]))[:_MAX_CLAUSES]:
        cost = len(text) + (1 if chosen else 0)
        if used + cost <= budget:
            chosen.append((i, text))
            used += cost
    if not chosen:  # even the best clause is too long: cut it
        _, text, _ = min(kept, key=lambda k: (-k[2], k[0]))
        chosen = [(0, text[: budget - 1] + "…")]
    body = "，".join(text for _, text in sorted(chosen))
    signal = sum(score for _, _, score in kept)
    confidence = 0.2 + min(0.5, 0.1 * signal) + (0.1 if len(chosen) == len(kept) and signal else 0.0)
    return SummaryField(f"{label}{body}。", confidence)
