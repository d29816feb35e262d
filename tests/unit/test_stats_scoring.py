"""Every R-SCORE rule on hand-made facts: base parts, automatic lines with evidence, manual items."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from test_stats_rates import AS_OF, NOV, Story, t

from ticketing.statistics import periods
from ticketing.statistics.rates import GroupBy, restrict
from ticketing.statistics.scoring import (
    DepartmentScore,
    ManualItem,
    ManualKind,
    Rule,
    effectiveness,
    rating,
    score,
)
from ticketing.statistics.timeline import replay


def item(item_id: int, kind: ManualKind, points: int, minute: int = 0, unit: str = "A") -> ManualItem:
    return ManualItem(
        item_id,
        unit,
        "2026-11",
        kind,
        points,
        f"item {item_id}",
        None,
        datetime(2026, 12, 1, 2, minute, tzinfo=UTC),
    )


def test_effectiveness_is_40_per_rate_rounded_half_up_and_80_without_callbacks() -> None:
    assert effectiveness((0, 0), (0, 0)) == Decimal(80)
    assert effectiveness((5, 5), (4, 5)) == Decimal("72.00")  # 40 × 1 + 40 × 0.8
    assert effectiveness((5, 6), (5, 6)) == Decimal("66.67")  # 80 × 5/6 = 66.666…
    assert effectiveness((1, 8), (0, 8)) == Decimal("5.00")  # 40 × 1/8 = 5
    assert effectiveness((1, 3), (0, 3)) == Decimal("13.33")
    assert effectiveness((0, 2), (0, 2)) == Decimal("0.00")


def test_ratings_latest_wins_default_full_marks() -> None:
    assert rating([], ManualKind.LEADERSHIP_RATING).points == Decimal(10)
    assert rating([], ManualKind.LEADERSHIP_RATING).rated is False
    items = [item(1, ManualKind.SYSTEM_RATING, 6, minute=1), item(2, ManualKind.SYSTEM_RATING, 9, minute=2)]
    part = rating(items, ManualKind.SYSTEM_RATING)
    assert (part.points, part.item_id, part.rated) == (Decimal(9), 2, True)


def test_fixed_points_of_manual_kinds() -> None:
    assert {k.value: k.fixed_points for k in ManualKind if not k.is_rating} == {
        "county_bulletin_criticism": -5,
        "higher_criticism": -10,
        "false_reporting": -1,
        "county_praise": 5,
        "city_praise": 10,
    }
    assert ManualKind.LEADERSHIP_RATING.fixed_points is None


def _unit_score(*stories: Story, items: list[ManualItem] | None = None, unit: str = "A") -> DepartmentScore:
    facts = restrict(replay([r for s in stories for r in s.rows], AS_OF), GroupBy.DEPARTMENT, unit)
    return score(unit, NOV, facts, items or [], AS_OF)


def test_each_automatic_rule_with_its_evidence() -> None:
    overdue = (
        Story(number="N-overdue").dispatch("A", t(2), t(10, 0)).ev("accept", t(2, 10)).ev("reply", t(11))
    )
    late = Story(number="N-late").dispatch("A", t(2), t(10, 0)).ev("accept", t(3, 10)).ev("reply", t(4))
    late_return = Story(number="N-return").dispatch("A", t(2), t(10, 0)).ev("return", t(4))
    redo = (
        Story(number="N-redo")
        .dispatch("A", t(2), t(10, 0))
        .ev("accept", t(2, 10))
        .ev("reply", t(4))
        .callback(t(5), "satisfied", "unsatisfied", redo_due=t(13, 0))
        .ev("accept", t(5, 11))
        .ev("reply", t(6))
        .callback(t(9), "very_satisfied", "satisfied")  # +1
    )
    repeat = (
        Story(number="N-repeat")
        .dispatch("A", t(2), t(10, 0))
        .ev("accept", t(2, 10))
        .ev("reply", t(4))
        .ev("merge_repeat", t(20), policy_not_carried_out=True)  # −1 for the lead A
        .ev("merge_repeat", t(21), policy_not_carried_out=False)  # not a policy failure: nothing
        .ev("merge_repeat", t(22), policy_not_carried_out=True, department="B")  # named unit B
    )
    result = _unit_score(overdue, late, late_return, redo, repeat)
    lines = {(line.rule, line.ticket_number): line for line in (*result.deductions, *result.bonuses)}
    assert sorted((rule.value, number, line.points) for (rule, number), line in lines.items()) == [
        ("R-SCORE.late_response", "N-late", -1),
        ("R-SCORE.late_response", "N-return", -1),
        ("R-SCORE.overdue", "N-overdue", -1),
        ("R-SCORE.redo", "N-redo", -1),
        ("R-SCORE.repeat", "N-repeat", -1),
        ("R-SCORE.very_satisfied", "N-redo", 1),
    ]
    # evidence: the event that proves each point
    assert lines[(Rule.OVERDUE, "N-overdue")].event_id == overdue.rows[0].id  # dispatch that set the due
    assert lines[(Rule.LATE_RESPONSE, "N-late")].event_id == late.rows[1].id  # the late 签收
    assert lines[(Rule.LATE_RESPONSE, "N-return")].event_id == late_return.rows[1].id  # the late 退件
    assert lines[(Rule.REDO, "N-redo")].event_id == redo.rows[3].id
    assert lines[(Rule.VERY_SATISFIED, "N-redo")].event_id == redo.rows[6].id
    assert lines[(Rule.REPEAT, "N-repeat")].event_id == repeat.rows[3].id
    b_facts = restrict(replay(repeat.rows, AS_OF), GroupBy.DEPARTMENT, "B")
    assert [line.rule for line in score("B", NOV, b_facts, [], AS_OF).deductions] == [Rule.REPEAT]


def test_never_collected_is_late_with_the_dispatch_as_evidence() -> None:
    story = Story(number="N").dispatch("A", t(24), t(28, 0))
    result = score("A", NOV, replay(story.rows, AS_OF), [], AS_OF)
    rules = sorted((line.rule.value, line.event_id) for line in result.deductions)
    assert rules == [("R-SCORE.late_response", story.rows[0].id), ("R-SCORE.overdue", story.rows[0].id)]


@pytest.mark.parametrize(
    ("process", "result", "bonus"),
    [
        ("very_satisfied", "very_satisfied", 1),
        ("very_satisfied", "satisfied", 1),
        ("satisfied", "very_satisfied", 1),
        ("very_satisfied", "unsatisfied", 0),  # sent back: no bonus for a 重办
        ("satisfied", "satisfied", 0),
    ],
)
def test_very_satisfied_bonus(process: str, result: str, bonus: int) -> None:
    story = Story().dispatch("A", t(2), t(10, 0)).ev("accept", t(2, 10)).ev("reply", t(4))
    story.callback(t(5), process, result)
    got = score("A", NOV, replay(story.rows, AS_OF), [], AS_OF)
    assert sum(line.points for line in got.bonuses) == bonus


def test_total_sums_parts_and_lines_manual_items_link_to_their_id() -> None:
    story = Story(number="N").dispatch("A", t(2), t(10, 0)).ev("accept", t(2, 10)).ev("reply", t(4))
    story.callback(t(5), "satisfied", "basically_satisfied")
    items = [
        item(1, ManualKind.COUNTY_BULLETIN_CRITICISM, -5),
        item(2, ManualKind.CITY_PRAISE, 10),
        item(3, ManualKind.FALSE_REPORTING, -1),
        item(4, ManualKind.LEADERSHIP_RATING, 7),
    ]
    got = score("A", NOV, replay(story.rows, AS_OF), items, AS_OF)
    # 7 (leadership) + 10 (system, unrated) + 80 (1/1 and 1/1) − 5 + 10 − 1 = 101 (not clamped)
    assert got.total == Decimal("101.00")
    assert [(line.item_id, line.points, line.kind) for line in got.deductions] == [
        (1, -5, "county_bulletin_criticism"),
        (3, -1, "false_reporting"),
    ]
    assert [(line.item_id, line.points) for line in got.bonuses] == [(2, 10)]
    assert (got.leadership.item_id, got.system.rated, got.final) == (4, False, True)


def test_score_of_an_open_month_is_not_final_and_needs_a_month() -> None:
    december = periods.month("2026-12")
    got = score("A", december, replay([], AS_OF), [], AS_OF)
    assert (got.total, got.final) == (Decimal("100.00"), False)
    with pytest.raises(ValueError, match="monthly"):
        score("A", periods.resolve(None, t(2).date(), t(3).date()), replay([], AS_OF), [], AS_OF)
