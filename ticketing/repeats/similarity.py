"""Repeat matters (并单), pure: is an earlier ticket the same caller reporting the same problem?

An earlier ticket is a **repeat candidate** of a new one when all of these hold (:func:`judge`):

1. the same normalised caller phone (E.164, :mod:`ticketing.phone`) — never a missing one;
2. it was registered before the new ticket, at most ``window`` earlier (default 30 days), both ends
   inclusive;
3. the two categories are in the same **family** (:func:`same_family`): 投诉/举报/求助 describe a
   problem someone must fix and a caller often files the same problem under any of them; 咨询, 建议
   and 表扬 are families of their own; 其他 (uncategorised) is compatible with every family;
4. the content is similar: the configured measure over the two token lists reaches ``threshold``.

Tokens are the knowledge base's jieba search tokens (:func:`ticketing.knowledge.tokens.tokenize`,
stopwords already removed) minus :data:`REPORT_WORDS`, the words that describe *re-reporting* rather
than the matter ("上次反映了没人管"). Two measures:

- ``jaccard`` — |A ∩ B| ÷ |A ∪ B| over the distinct tokens (default; repeats inside a text don't count);
- ``cosine`` — cosine of the token-count vectors (a word the caller keeps repeating weighs more).

Everything here is I/O-free; the service layer loads tickets and tokenises their text.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ticketing.categories import Category

DEFAULT_WINDOW_DAYS = 30
DEFAULT_THRESHOLD = 0.25
MAX_WINDOW_DAYS = 366

# Words about the act of (re-)reporting, not about the matter: they would make any two re-reports look
# alike. Category names are here too — the category is compared by family instead.
REPORT_WORDS: frozenset[str] = frozenset(
    """
    反映 反应 上次 上回 再次 之前 以前 此前 还是 仍然 依然 一直 问题 情况 事情 投诉 举报 咨询 求助 建议
    表扬 市民 来电 来电人 表示 称 希望 要求 尽快 处理 解决 没人 没人管 没有人 相关 部门 单位 热线 12345
    """.split()  # noqa: SIM905 - a word list reads better as text
)


class Measure(StrEnum):
    """How two token lists are compared."""

    JACCARD = "jaccard"
    COSINE = "cosine"


class Family(StrEnum):
    """Category families for repeat matching (see the module docstring)."""

    PROBLEM = "problem"  # 投诉 举报 求助
    CONSULT = "consult"  # 咨询
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    OTHER = "other"  # 其他: matches every family


_FAMILIES: dict[Category, Family] = {
    Category.COMPLAINT: Family.PROBLEM,
    Category.REPORT: Family.PROBLEM,
    Category.HELP: Family.PROBLEM,
    Category.CONSULT: Family.CONSULT,
    Category.SUGGESTION: Family.SUGGESTION,
    Category.PRAISE: Family.PRAISE,
    Category.OTHER: Family.OTHER,
}


def family(category: Category | str) -> Family:
    """The family of a category (code or :class:`Category`)."""
    return _FAMILIES[Category(category)]


def same_family(a: Category | str, b: Category | str) -> bool:
    """Whether two categories may describe the same matter (其他 goes with anything)."""
    fa, fb = family(a), family(b)
    return fa == fb or Family.OTHER in (fa, fb)


@dataclass(frozen=True, slots=True)
class RepeatRules:
    """The tunable part of the rule: how far back to look, how similar is similar, which measure."""

    window_days: int = DEFAULT_WINDOW_DAYS
    threshold: float = DEFAULT_THRESHOLD
    measure: Measure = Measure.JACCARD

    def __post_init__(self) -> None:
        if not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise ValueError(f"window_days must be 1..{MAX_WINDOW_DAYS}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")

    @property
    def window(self) -> timedelta:
        """The look-back window as a duration."""
        return timedelta(days=self.window_days)


def matter_tokens(tokens: Iterable[str]) -> tuple[str, ...]:
    """``tokens`` without the re-reporting words (:data:`REPORT_WORDS`), order and repeats kept."""
    return tuple(t for t in tokens if t not in REPORT_WORDS)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """|A ∩ B| ÷ |A ∪ B| over distinct tokens; 0.0 when both are empty."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


def cosine(a: Iterable[str], b: Iterable[str]) -> float:
    """Cosine similarity of the token-count vectors; 0.0 when either is empty."""
    ca, cb = Counter(a), Counter(b)
    dot = sum(count * cb[token] for token, count in ca.items())
    norm = math.sqrt(sum(v * v for v in ca.values())) * math.sqrt(sum(v * v for v in cb.values()))
    return dot / norm if norm else 0.0


@dataclass(frozen=True, slots=True)
class Similarity:
    """Both measures and the tokens the two texts share (sorted)."""

    jaccard: float
    cosine: float
    shared: tuple[str, ...]

    def score(self, measure: Measure) -> float:
        """The value of the chosen measure."""
        return self.jaccard if measure is Measure.JACCARD else self.cosine


def similarity(a: Sequence[str], b: Sequence[str]) -> Similarity:
    """Compare two token lists (already passed through :func:`matter_tokens`)."""
    return Similarity(
        jaccard=round(jaccard(a, b), 4),
        cosine=round(cosine(a, b), 4),
        shared=tuple(sorted(set(a) & set(b))),
    )


@dataclass(frozen=True, slots=True)
class Matter:
    """What the rule needs of one ticket."""

    id: uuid.UUID
    number: str
    caller_phone: str | None
    category: str
    created_at: datetime
    tokens: tuple[str, ...]


def in_window(earlier: datetime, later: datetime, window: timedelta) -> bool:
    """Whether ``earlier`` lies in ``[later − window, later]`` (both ends inclusive)."""
    return timedelta(0) <= later - earlier <= window


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier ticket judged a repeat of the new one, with its similarity."""

    matter: Matter
    similarity: Similarity
    score: float


def judge(new: Matter, earlier: Matter, rules: RepeatRules) -> Candidate | None:
    """``earlier`` as a repeat candidate of ``new`` under ``rules``, or ``None`` (module docstring)."""
    if earlier.id == new.id or not new.caller_phone or earlier.caller_phone != new.caller_phone:
        return None
    if not in_window(earlier.created_at, new.created_at, rules.window):
        return None
    if not same_family(new.category, earlier.category):
        return None
    found = similarity(new.tokens, earlier.tokens)
    value = found.score(rules.measure)
    if value < rules.threshold:
        return None
    return Candidate(earlier, found, value)


def rank(new: Matter, earlier: Iterable[Matter], rules: RepeatRules) -> list[Candidate]:
    """Every candidate among ``earlier``, most similar first, then the most recent first."""
    found = [c for c in (judge(new, m, rules) for m in earlier) if c is not None]
    found.sort(key=lambda c: (-c.score, -c.matter.created_at.timestamp(), c.matter.number))
    return found
