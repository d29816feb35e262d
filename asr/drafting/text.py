"""Text normalisation with an offset map back to the caller's transcript, and Chinese numerals.

Every extractor works on :class:`NormText` (whitespace removed, full-width ASCII folded) and reports
spans in the *original* text through :meth:`NormText.span`. Pauses (whitespace, commas) between spoken
digits are remembered as group boundaries because they help split phone numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spoken single digits, as read in phone numbers: 幺 = 1, 两 = 2, 洞 = 0 (radio style).
SPOKEN_DIGITS: dict[str, str] = {
    "零": "0",
    "〇": "0",
    "○": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
for _d in "0123456789":
    SPOKEN_DIGITS[_d] = _d

_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL_CHARS = "".join(SPOKEN_DIGITS) + "".join(_UNITS)
NUMERAL_RE = f"[{NUMERAL_CHARS}]"


@dataclass(frozen=True, slots=True)
class NormText:
    """Normalised text plus, for each of its characters, the index of that character in the original."""

    text: str
    index: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of :attr:`text` to a half-open span of :attr:`original`."""
        if not self.index or start >= end:
            return (0, 0)
        return (self.index[start], self.index[end - 1] + 1)

    def gap_before(self, pos: int) -> bool:
        """True when the caller paused (whitespace or punctuation was removed) just before ``pos``."""
        if pos <= 0 or pos >= len(self.index):
            return True
        return self.index[pos] - self.index[pos - 1] > 1


def normalise(raw: str) -> NormText:
    """Remove whitespace and fold full-width ASCII characters, keeping an offset map."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(raw):
        if ch.isspace() or ch == "\u3000":
            continue
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        chars.append(ch)
        index.append(i)
    return NormText("".join(chars), tuple(index), raw)


def chinese_to_int(text: str) -> int | None:
    """Convert a Chinese (or mixed/arabic) numeral to an int: 十八 → 18, 二十三 → 23, 两 → 2, 五零一 → 501.

    A numeral without unit characters (十百千万) is read digit by digit. Returns ``None`` for
    anything else. Only used on short digit spans, never on whole sentences (cn2an's whole-text mode turns
    张三 into 张3).
    """
    if not text or len(text) > 12:
        return None
    if text.isdigit():
        return int(text)
    if not any(ch in _UNITS for ch in text):
        if all(ch in SPOKEN_DIGITS for ch in text):
            return int("".join(SPOKEN_DIGITS[ch] for ch in text))
        return None
    total = 0
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in SPOKEN_DIGITS:
            digit = int(SPOKEN_DIGITS[ch])
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


_NUM_IN_TEXT = re.compile(f"{NUMERAL_RE}+")


def numerals_to_digits(text: str) -> str:
    """Replace each Chinese numeral run of a *short* span (building, floor) with arabic digits."""

    def repl(match: re.Match[str]) -> str:
        value = chinese_to_int(match.group(0))
        return match.group(0) if value is None else str(value)

    return _NUM_IN_TEXT.sub(repl, text)
