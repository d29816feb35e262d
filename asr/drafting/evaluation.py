"""Measure draft extraction on a transcript corpus (``hotline asr evaluate``): per-field accuracy, and for
emergencies recall and false alarms.

A corpus folder holds JSON files ``{"now", "hotline"?: {"province", "city"}, "cases": [{"id", "text",
"expected": {...}}]}`` (the format is described in ``tests/fixtures/transcripts/README.md``). Fields:

- ``category``: the code equals the expected one (an ``unsure`` field still counts by its code; how many
  were unsure is reported apart).
- ``phones``: the list of numbers equals the expected list.
- ``address``: the district (when expected) and the road or community (when expected) equal; a case
  without an expected address must get none. ``address_exact``: every component equal.
- ``emergency`` (files that have the key): recall over expected emergencies (the service must match) and
  false alarms over the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from asr.drafting.divisions import AREA_CODES
from asr.drafting.draft import extract_draft
from asr.drafting.fields import DraftFields, DraftingConfig


@dataclass(frozen=True)
class Case:
    """One transcript and what a careful agent would record."""

    id: str
    text: str
    now: datetime
    expected: dict[str, Any]
    city: str | None = None
    province: str | None = None


@dataclass
class FieldScore:
    """Right out of counted, with the misses for the listing."""

    right: int = 0
    counted: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Right / counted (1.0 when nothing was counted)."""
        return self.right / self.counted if self.counted else 1.0

    def add(self, ok: bool, miss: str) -> None:
        """Count one judgement."""
        self.counted += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)


@dataclass
class Evaluation:
    """Scores of one corpus."""

    cases: int = 0
    category: FieldScore = field(default_factory=FieldScore)
    unsure: int = 0
    phones: FieldScore = field(default_factory=FieldScore)
    address: FieldScore = field(default_factory=FieldScore)
    address_exact: FieldScore = field(default_factory=FieldScore)
    emergency_recall: FieldScore = field(default_factory=FieldScore)
    false_alarms: FieldScore = field(default_factory=FieldScore)  # right = no alarm on a non-emergency

    def rows(self) -> list[tuple[str, FieldScore]]:
        """The scores in report order."""
        return [
            ("category", self.category),
            ("phones", self.phones),
            ("address (district + road/小区)", self.address),
            ("address (every component)", self.address_exact),
            ("emergency recall", self.emergency_recall),
            ("no false emergency", self.false_alarms),
        ]


def load_cases(folder: Path) -> list[Case]:
    """Every case of the JSON files of ``folder`` (not its subfolders), sorted by id."""
    cases: list[Case] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        now = datetime.fromisoformat(data["now"])
        hotline = data.get("hotline") or {}
        for c in data["cases"]:
            cases.append(
                Case(c["id"], c["text"], now, c["expected"], hotline.get("city"), hotline.get("province"))
            )
    return sorted(cases, key=lambda c: c.id)


def _address_ok(draft: DraftFields, want: dict[str, str] | None) -> tuple[bool, bool]:
    got = None if draft.address is None else draft.address.components()
    if want is None:
        return got is None, got is None
    if got is None:
        return False, False
    key = [name for name in ("district",) if name in want]
    place = [name for name in ("road", "community") if name in want]
    district_ok = all(got.get(name) == want[name] for name in key)
    place_ok = not place or any(got.get(name) == want[name] for name in place)
    return district_ok and place_ok, got == want


def evaluate(cases: Iterable[Case], config: DraftingConfig | None = None) -> Evaluation:
    """Run extraction over ``cases`` and score it."""
    result = Evaluation()
    for case in cases:
        result.cases += 1
        base = config or DraftingConfig()
        city = case.city or base.home_city
        cfg = replace(base, home_city=city, home_area_code=AREA_CODES.get(city or "", base.home_area_code))
        draft = extract_draft(case.text, cfg, now=case.now)
        want = case.expected
        got_category = draft.category.code.value
        result.category.add(
            got_category == want["category"], f"{case.id}: {got_category} ≠ {want['category']}"
        )
        result.unsure += draft.category.unsure
        numbers = [p.number for p in draft.phones]
        result.phones.add(numbers == want["phones"], f"{case.id}: {numbers} ≠ {want['phones']}")
        near, exact = _address_ok(draft, want["address"])
        got_address = None if draft.address is None else draft.address.components()
        result.address.add(near, f"{case.id}: {got_address} ≠ {want['address']}")
        result.address_exact.add(exact, f"{case.id}: {got_address} ≠ {want['address']}")
        if "emergency" in want:
            expected = (want["emergency"] or {}).get("service")
            got = None if draft.emergency is None else draft.emergency.service
            if expected is not None:
                result.emergency_recall.add(got == expected, f"{case.id}: {got} ≠ {expected}")
            else:
                result.false_alarms.add(got is None, f"{case.id}: false {got}")
    return result


def report(name: str, result: Evaluation, *, misses: bool = False) -> str:
    """A plain-text table of ``result`` (with the misses listed when asked)."""
    lines = [f"{name}: {result.cases} cases ({result.unsure} categories unsure)"]
    for label, score in result.rows():
        if score.counted:
            lines.append(f"  {label:<32} {score.right:>4}/{score.counted:<4} {score.ratio:6.1%}")
            if misses:
                lines.extend(f"      {m}" for m in score.misses)
    return "\n".join(lines)
