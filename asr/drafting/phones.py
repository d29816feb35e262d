"""Callback numbers spoken in a transcript: 幺三八 零零幺三 八零零零, landlines, corrections.

Digits may be arabic or spoken (幺 = 1, 两 = 2, 洞 = 0), grouped by pauses (spaces, commas). A digit run
is cut into mobiles (11 digits, 1[3-9]…) and landlines (area code + 7/8 digits), preferring cuts at the
caller's pauses; every number is validated by :func:`ticketing.phone.normalise_phone`. A correction
("不对，是…") replaces the number said just before it, wholly or only its last digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from asr.drafting.fields import PhoneField
from asr.drafting.text import SPOKEN_DIGITS, NormText
from ticketing.errors import InvalidInput
from ticketing.phone import normalise_phone

_SEPARATORS = frozenset(",，、-—.")
_CORRECTION = re.compile(r"不对|不是|错了|说错|更正|纠正|重说")
_MAX_CORRECTION_GAP = 12  # characters between a number and its correction


@dataclass(frozen=True, slots=True)
class _Run:
    digits: str
    positions: tuple[int, ...]  # position in the normalised text of each digit
    boundaries: frozenset[int]  # digit indices where the caller paused before the digit


@dataclass(frozen=True, slots=True)
class _Found:
    number: str
    kind: str
    start: int  # normalised text, half-open
    end: int
    digits: str
    corrected: bool = False


def _runs(norm: NormText) -> list[_Run]:
    runs: list[_Run] = []
    text = norm.text
    digits: list[str] = []
    positions: list[int] = []
    boundaries: set[int] = set()
    pending_gap = False

    def flush() -> None:
        if digits:
            runs.append(_Run("".join(digits), tuple(positions), frozenset(boundaries)))
        digits.clear()
        positions.clear()
        boundaries.clear()

    for i, ch in enumerate(text):
        if ch in SPOKEN_DIGITS:
            if digits and (pending_gap or norm.gap_before(i)):
                boundaries.add(len(digits))
            digits.append(SPOKEN_DIGITS[ch])
            positions.append(i)
            pending_gap = False
        elif ch in _SEPARATORS and digits:
            pending_gap = True
        else:
            flush()
            pending_gap = False
    flush()
    return runs


def _valid(candidate: str) -> str | None:
    try:
        return normalise_phone(candidate)
    except InvalidInput:
        return None


def _candidates(run: _Run, i: int) -> list[tuple[int, str]]:
    """Possible (length, kind) of a number starting at digit ``i``, best first."""
    d = run.digits
    rest = len(d) - i
    if d[i] == "1" and rest >= 11:
        return [(11, "mobile")]
    if d[i] != "0":
        return []
    area = 3 if d[i + 1 : i + 3] == "10" or d[i + 1 : i + 2] == "2" else 4
    lengths = [area + n for n in (8, 7) if area + n <= rest]

    def fits(length: int) -> bool:
        end = i + length
        return end == len(d) or end in run.boundaries

    lengths.sort(key=lambda n: (not fits(n), -n))
    return [(n, "landline") for n in lengths]


def _numbers_in_run(run: _Run) -> list[_Found]:
    found: list[_Found] = []
    i = 0
    starts = run.boundaries | {0}
    while i < len(run.digits):
        hit = None
        if i in starts or (found and found[-1].end == run.positions[i]):
            for length, kind in _candidates(run, i):
                number = _valid(run.digits[i : i + length])
                if number is not None:
                    hit = _Found(
                        number,
                        kind,
                        run.positions[i],
                        run.positions[i + length - 1] + 1,
                        run.digits[i : i + length],
                    )
                    break
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i += len(hit.digits)
        starts = starts | {i}
    return found


_PHONE_WORDS = re.compile("电话|号码|座机|手机|打|联系|拨")


def _local_landline(run: _Run, norm: NormText, area_code: str | None) -> list[_Found]:
    """A 7- or 8-digit number said without its area code after a phone word (家里电话八八二三幺七六五): a
    landline of the hotline's own city."""
    d = run.digits
    if not area_code or len(d) not in (7, 8) or d[0] in "01":
        return []
    before = norm.text[max(0, run.positions[0] - 8) : run.positions[0]]
    if not _PHONE_WORDS.search(before):
        return []
    number = _valid(area_code + d)
    if number is None:
        return []
    return [_Found(number, "landline", run.positions[0], run.positions[-1] + 1, d)]


def extract_phones(norm: NormText, home_area_code: str | None = None) -> list[PhoneField]:
    """All distinct callback numbers in speaking order, after applying corrections (``home_area_code``:
    the hotline's, for a local landline said without it)."""
    accepted: list[_Found] = []
    for run in _runs(norm):
        numbers = _numbers_in_run(run) or _local_landline(run, norm, home_area_code)
        start = run.positions[0]
        previous = accepted[-1] if accepted else None
        corrects = (
            previous is not None
            and 0 <= start - previous.end <= _MAX_CORRECTION_GAP
            and _CORRECTION.search(norm.text, previous.end, start) is not None
        )
        if numbers:
            if corrects and previous is not None:
                accepted[-1] = replace(numbers[0], corrected=True)
                numbers = numbers[1:]
            accepted.extend(numbers)
        elif corrects and previous is not None and len(run.digits) <= 8:
            # "一三八 零零一三 八零零一 不对 是八零零零": only the last digits are corrected.
            digits = previous.digits[: -len(run.digits)] + run.digits
            number = _valid(digits)
            if number is not None:
                accepted[-1] = _Found(
                    number, previous.kind, previous.start, run.positions[-1] + 1, digits, True
                )
    out: list[PhoneField] = []
    seen: set[str] = set()
    for item in accepted:
        if item.number in seen:
            continue
        seen.add(item.number)
        span = norm.span(item.start, item.end)
        confidence = (0.9 if item.kind == "mobile" else 0.85) - (0.1 if item.corrected else 0.0)
        out.append(PhoneField(item.number, norm.original[span[0] : span[1]], confidence, span, item.kind))
    return out
