"""Suggested department from a configurable keyword→department table (TOML).

The bundled table (``data/departments.toml``) maps to the demo departments; an operator replaces it
with ``DraftingConfig(departments_file=...)``. Keyword weights are summed (each occurrence, at most 3
times); place names are a fallback used only when no keyword matched.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from asr.drafting.fields import DepartmentField

_LEVEL_RANK = {"street": 0, "district": 1, "city": 2}
_MAX_COUNT = 3


@dataclass(frozen=True, slots=True)
class DepartmentRule:
    """One row of the table."""

    code: str
    name: str
    keywords: tuple[tuple[str, float], ...] = ()
    places: tuple[str, ...] = ()
    level: str = "city"


def parse_table(text: str, source: str = "<departments>") -> tuple[DepartmentRule, ...]:
    """Parse and check a TOML table; raise :class:`ValueError` naming ``source`` when it is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: invalid TOML: {exc}") from exc
    rows = data.get("department")
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{source}: expected at least one [[department]] table")
    return tuple(_rule(row, source, i) for i, row in enumerate(rows))


def _rule(row: Any, source: str, i: int) -> DepartmentRule:
    where = f"{source}: department #{i + 1}"
    if not isinstance(row, dict):
        raise ValueError(f"{where}: not a table")
    code, name = row.get("code"), row.get("name")
    if not isinstance(code, str) or not code or not isinstance(name, str) or not name:
        raise ValueError(f"{where}: `code` and `name` must be non-empty strings")
    keywords = row.get("keywords", {})
    if not isinstance(keywords, dict) or not all(
        isinstance(k, str) and k and isinstance(v, int | float) and v > 0 for k, v in keywords.items()
    ):
        raise ValueError(f"{where} ({code}): `keywords` must map words to positive numbers")
    places = row.get("places", [])
    if not isinstance(places, list) or not all(isinstance(p, str) and p for p in places):
        raise ValueError(f"{where} ({code}): `places` must be a list of names")
    level = row.get("level", "city")
    if level not in _LEVEL_RANK:
        raise ValueError(f"{where} ({code}): `level` must be one of {sorted(_LEVEL_RANK)}")
    return DepartmentRule(code, name, tuple((k, float(v)) for k, v in keywords.items()), tuple(places), level)


@lru_cache(maxsize=1)
def default_table() -> tuple[DepartmentRule, ...]:
    """The bundled table mapping to the demo department codes."""
    resource = resources.files("asr.drafting").joinpath("data", "departments.toml")
    return parse_table(resource.read_text(encoding="utf-8"), "asr/drafting/data/departments.toml")


@lru_cache(maxsize=8)
def _table_file(path: str, mtime_ns: int) -> tuple[DepartmentRule, ...]:
    return parse_table(Path(path).read_text(encoding="utf-8"), path)


def load_table(path: Path | None) -> tuple[DepartmentRule, ...]:
    """The table in ``path`` (re-read when the file changes), or the bundled one when ``path`` is None."""
    if path is None:
        return default_table()
    return _table_file(str(path), path.stat().st_mtime_ns)


def suggest_department(text: str, table: tuple[DepartmentRule, ...]) -> DepartmentField | None:
    """Best department for the (normalised) transcript ``text``, or ``None`` when nothing matches."""
    scored: list[tuple[float, int, DepartmentRule, tuple[str, ...]]] = []
    for order, rule in enumerate(table):
        score = 0.0
        cues: list[tuple[float, str]] = []
        for word, weight in rule.keywords:
            count = min(text.count(word), _MAX_COUNT)
            if count:
                score += weight * count
                cues.append((weight * count, word))
        if score > 0:
            cues.sort(key=lambda c: -c[0])
            scored.append((score, order, rule, tuple(w for _, w in cues)))
    if scored:
        scored.sort(key=lambda s: (-s[0], s[1]))
        top, _, rule, cues_found = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        share = top / (top + second)
        strength = min(1.0, top / 5.0)
        confidence = min(0.95, 0.2 + 0.45 * share + 0.25 * strength)
        return DepartmentField(rule.code, rule.name, confidence, cues_found)
    places = [
        (_LEVEL_RANK[rule.level], text.find(place), rule, place)
        for rule in table
        for place in rule.places
        if place in text
    ]
    if not places:
        return None
    rank, _, rule, place = min(places, key=lambda p: (p[0], p[1]))
    return DepartmentField(rule.code, rule.name, 0.35 if rank == 0 else 0.3, (place,))
