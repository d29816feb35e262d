"""The held-out transcript set (tests/fixtures/transcripts/heldout/, written by someone who saw only the
category definitions, never the rules): floors against collapse. The figures themselves are in the README
(``hotline asr evaluate tests/fixtures/transcripts/heldout``); never tune on a miss here without moving the
case to the development set."""

from __future__ import annotations

from pathlib import Path

from asr.drafting.evaluation import evaluate, load_cases, report

HELDOUT = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts" / "heldout"


def test_heldout_floors() -> None:
    cases = load_cases(HELDOUT)
    assert len(cases) >= 100
    result = evaluate(cases)
    print(report("held-out", result))
    assert result.category.ratio >= 0.9
    assert result.phones.ratio >= 0.97
    assert result.address.ratio >= 0.75
    assert result.emergency_recall.ratio >= 0.9
    assert result.false_alarms.ratio >= 0.98
