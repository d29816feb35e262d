"""One shared jieba tokenizer (dictionary bundled with jieba) with the 12345 domain words added.

A private :class:`jieba.Tokenizer` is used so the process-wide default tokenizer is left untouched.
It is built once, lazily (about 1 s), then reused by every call.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources

import jieba

logging.getLogger("jieba").setLevel(logging.WARNING)


def _data_lines(name: str) -> list[str]:
    text = resources.files("asr.drafting").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """The small 12345 domain dictionary (噪音, 施工, 拖欠工资, 物业, 占道经营, …)."""
    return frozenset(_data_lines("domain_words.txt"))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words never used as keywords: fillers, pronouns, particles, greetings."""
    return frozenset(_data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in sorted(domain_words()):
        tokenizer.add_word(word, freq=200000)
    return tokenizer


def cut(text: str) -> list[str]:
    """Segment ``text`` into words (precise mode, no HMM guessing of unknown words)."""
    if not text:
        return []
    words: list[str] = list(_tokenizer().cut(text, HMM=False))
    return words


def boundaries(text: str) -> frozenset[int]:
    """Positions in ``text`` where a word starts (plus ``len(text)``)."""
    out = {0}
    pos = 0
    for word in cut(text):
        pos += len(word)
        out.add(pos)
    return frozenset(out)
