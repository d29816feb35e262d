"""Per-field precision of draft extraction over the hand-written transcript corpus
(docs/architecture.md §2 step 5).

Run with ``pytest -s`` to see the tables. Every transcript was written before the code that reads it,
and no expected value was changed afterwards. Three groups:
- main (consult/help/complaint/report/suggestion/praise/other.json): the cue lists and department table
  were developed while looking at these, so their numbers are optimistic.
- ``holdout.json``: written after the first extractors; its first run gave category 6/14 (0.43), which
  exposed general gaps (no question fallback, thin vocabularies). Those were fixed, so it is no longer
  blind.
- ``blind.json``: written after all extractor changes and never tuned on: the honest estimate.
Held-out groups only have floors against collapse; read the printed numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from asr.drafting import DraftFields, extract_draft

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
FIELDS = ("category", "phones", "address", "department", "time")


@dataclass(frozen=True)
class Case:
    """One hand-written transcript and what a careful agent would record from it."""

    id: str
    text: str
    now: datetime
    expected: dict[str, Any]
    group: str  # "main", or the stem of a held-out file ("holdout", "blind")


def load_cases() -> list[Case]:
    """Every case of every corpus file, sorted by id."""
    cases: list[Case] = []
    for path in sorted(CORPUS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        now = datetime.fromisoformat(data["now"])
        group = path.stem if data.get("holdout", False) else "main"
        cases.extend(Case(c["id"], c["text"], now, c["expected"], group) for c in data["cases"])
    return sorted(cases, key=lambda c: c.id)


def field_correct(name: str, draft: DraftFields, expected: dict[str, Any]) -> bool:
    """Exact-match judgement of one field of ``draft`` against the corpus expectation."""
    want = expected[name]
    if name == "category":
        return bool(draft.category.code.value == want)
    if name == "phones":
        return [p.number for p in draft.phones] == want
    if name == "address":
        got = None if draft.address is None else draft.address.components()
        return got == want
    if name == "department":
        dep = draft.suggested_department
        return (None if dep is None else dep.code) == want
    if name == "time":
        got = draft.time
        if want is None or got is None:
            return want is None and got is None
        if got.kind != want["kind"]:
            return False
        if want["kind"] == "absolute":
            return got.start == datetime.fromisoformat(want["start"])
        # recurring / duration: the expression must overlap what the agent would mark
        return want["text"] in got.text or got.text in want["text"]
    raise ValueError(name)


def describe(name: str, draft: DraftFields) -> str:
    """Short text of what was extracted for ``name`` (for failure listings)."""
    if name == "category":
        return f"{draft.category.code.value} {draft.category.cues}"
    if name == "phones":
        return str([p.number for p in draft.phones])
    if name == "address":
        return str(None if draft.address is None else draft.address.components())
    if name == "department":
        return str(None if draft.suggested_department is None else draft.suggested_department.code)
    t = draft.time
    return "None" if t is None else f"{t.kind} {t.text} {t.start}"


CASES = load_cases()
MAIN = [c for c in CASES if c.group == "main"]
HELD_OUT = sorted({c.group for c in CASES} - {"main"})

# Floors on the main corpus, a few points under what the extractors reach, so that a regression of
# two or three cases fails the run:
# - phones ≥ 0.90: numbers are read mechanically and validated; a wrong number costs a callback (R-ID).
# - category ≥ 0.85: the time limit depends on it (R-TL), but the agent confirms it on every call.
# - address ≥ 0.80 and department ≥ 0.80: suggestions the agent corrects; org names ("你们和平街道")
#   and topic/context clashes (a teacher asking for speed bumps) are known misses.
# - time ≥ 0.80: "今天" in chit-chat and habitual "天天" are counted as misses.
FLOORS = {"category": 0.85, "phones": 0.90, "address": 0.80, "department": 0.80, "time": 0.80}
# Held-out floors: only guard against collapse; the printed numbers are what to read.
HELD_OUT_FLOORS = {"category": 0.5, "phones": 0.8, "address": 0.6, "department": 0.5, "time": 0.5}


@pytest.fixture(scope="module")
def drafts() -> dict[str, DraftFields]:
    return {case.id: extract_draft(case.text, now=case.now) for case in CASES}


def _rates(cases: list[Case], drafts: dict[str, DraftFields]) -> dict[str, tuple[int, int, list[str]]]:
    out: dict[str, tuple[int, int, list[str]]] = {}
    for name in FIELDS:
        misses = [
            f"{c.id}: got {describe(name, drafts[c.id])}, want {c.expected[name]}"
            for c in cases
            if not field_correct(name, drafts[c.id], c.expected)
        ]
        out[name] = (len(cases) - len(misses), len(cases), misses)
    return out


def _table(title: str, rates: dict[str, tuple[int, int, list[str]]]) -> str:
    lines = [f"\n{title}", f"{'field':<12}{'correct':>9}{'total':>7}{'rate':>8}"]
    for name, (ok, total, _) in rates.items():
        lines.append(f"{name:<12}{ok:>9}{total:>7}{ok / total:>8.2f}")
    for name, (_, _, misses) in rates.items():
        lines.extend(f"  miss {name}: {m}" for m in misses)
    return "\n".join(lines)


def test_corpus_is_large_and_spread() -> None:
    categories = {c.expected["category"] for c in MAIN}
    assert len(MAIN) >= 40
    assert categories == {"consult", "help", "complaint", "report", "suggestion", "praise", "other"}
    assert sum(1 for c in MAIN if len(c.expected["phones"]) == 2) >= 2
    assert sum(1 for c in MAIN if c.expected["address"] is None) >= 10


def test_per_field_precision_main_corpus(drafts: dict[str, DraftFields]) -> None:
    rates = _rates(MAIN, drafts)
    print(_table(f"drafting: main corpus ({len(MAIN)} transcripts, exact match per field)", rates))
    for name, floor in FLOORS.items():
        ok, total, misses = rates[name]
        assert ok / total >= floor, f"{name}: {ok}/{total} below {floor}: {misses}"


@pytest.mark.parametrize("group", HELD_OUT)
def test_per_field_precision_held_out(group: str, drafts: dict[str, DraftFields]) -> None:
    cases = [c for c in CASES if c.group == group]
    rates = _rates(cases, drafts)
    print(_table(f"drafting: held-out group {group!r} ({len(cases)} transcripts)", rates))
    for name, floor in HELD_OUT_FLOORS.items():
        ok, total, _ = rates[name]
        assert ok / total >= floor, name


def test_phone_precision_and_recall_by_number(drafts: dict[str, DraftFields]) -> None:
    predicted = sum(len(drafts[c.id].phones) for c in CASES)
    expected = sum(len(c.expected["phones"]) for c in CASES)
    right = sum(len({p.number for p in drafts[c.id].phones} & set(c.expected["phones"])) for c in CASES)
    print(f"\nphones by number: precision {right}/{predicted}, recall {right}/{expected}")
    assert right / predicted >= 0.95  # a wrong callback number is worse than a missing one
    assert right / expected >= 0.9


def test_every_summary_is_short_and_labelled(drafts: dict[str, DraftFields]) -> None:
    for case in CASES:
        draft = drafts[case.id]
        assert len(draft.summary.text) <= 80, case.id
        for filler in ("嗯", "那个", "就是说", "我想问一下"):
            assert filler not in draft.summary.text, (case.id, filler)
        if draft.category.code.value != "other":
            assert draft.summary.text.startswith(draft.category.code.label_zh + "：")
