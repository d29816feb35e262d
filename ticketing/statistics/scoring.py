"""Monthly department score (R-SCORE), pure: base parts, automatic items from replayed facts, and
manual items entered by supervisors. Every point is a :class:`ScoreLine` naming its rule and its
evidence (ticket number + event id, or the manual item id).

Score of unit D in month M::

    total = 领导重视 (0–10) + 制度建设 (0–10) + 办理成效及满意度 (0–80) + Σ deductions + Σ bonuses

- 领导重视 / 制度建设: the latest non-withdrawn rating item of that kind for D and M; 10 (full marks,
  ``rated = False``) while none is entered — the base of 100 is kept until a supervisor rates.
- 办理成效及满意度 = 40 × process 满意率 + 40 × result 满意率 over D's callbacks in M (办理成效 is the
  result of the handling, 满意度 the caller's view of the service; both R-RATES rates), rounded half-up
  to 0.01; 80 when D had no callback in M (nothing to judge). The total is the exact sum of the shown
  parts and lines; it is not clamped (bonuses may lift it above 100).
- Automatic lines, each ±1, counted in the Shanghai month of the instant named:

  ``R-SCORE.overdue``          an episode of D reached ``due_at`` unanswered (the event that set
                               that deadline is the evidence)
  ``R-SCORE.late_response``    not 签收ed/退件ed within 24 h of dispatch (at the 24 h mark; evidence:
                               the late 签收/退件, or the dispatch if none came)
  ``R-SCORE.redo``             a callback answered 不满意 sent the matter back to D (the callback)
  ``R-SCORE.repeat``           a ``merge_repeat`` event with ``policy_not_carried_out`` (the event)
  ``R-SCORE.very_satisfied``   +1 per callback of D with a 非常满意 answer and no 不满意 answer

- Manual items (:class:`ManualKind`): fixed points per kind, or a 0–10 rating.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from ticketing.statistics.periods import Period
from ticketing.statistics.rates import late_responses, overdue_episodes, satisfaction_rate
from ticketing.statistics.timeline import Facts

PART_MAX = 10
EFFECTIVENESS_MAX = 80
CENT = Decimal("0.01")


class ManualKind(StrEnum):
    """Manual score items a supervisor enters (R-SCORE)."""

    COUNTY_BULLETIN_CRITICISM = "county_bulletin_criticism"  # 县通报批评 −5
    HIGHER_CRITICISM = "higher_criticism"  # 省/市批评, 市/县领导再督办 −10
    FALSE_REPORTING = "false_reporting"  # 虚假办结/弄虚作假 −1
    COUNTY_PRAISE = "county_praise"  # 县领导/通报表扬 +5
    CITY_PRAISE = "city_praise"  # 市表扬 +10
    LEADERSHIP_RATING = "leadership_rating"  # 领导重视 0–10
    SYSTEM_RATING = "system_rating"  # 制度建设 0–10

    @property
    def is_rating(self) -> bool:
        """Ratings replace a base part instead of adding a line."""
        return self in (ManualKind.LEADERSHIP_RATING, ManualKind.SYSTEM_RATING)

    @property
    def fixed_points(self) -> int | None:
        """The points of a non-rating kind."""
        return _FIXED.get(self)


_FIXED = {
    ManualKind.COUNTY_BULLETIN_CRITICISM: -5,
    ManualKind.HIGHER_CRITICISM: -10,
    ManualKind.FALSE_REPORTING: -1,
    ManualKind.COUNTY_PRAISE: 5,
    ManualKind.CITY_PRAISE: 10,
}


class Rule(StrEnum):
    """Rule ids on score lines."""

    OVERDUE = "R-SCORE.overdue"
    LATE_RESPONSE = "R-SCORE.late_response"
    REDO = "R-SCORE.redo"
    REPEAT = "R-SCORE.repeat"
    VERY_SATISFIED = "R-SCORE.very_satisfied"
    MANUAL = "R-SCORE.manual"


@dataclass(frozen=True, slots=True)
class ManualItem:
    """A stored manual item as plain data (withdrawn items are never passed in)."""

    id: int
    department: str
    month: str
    kind: ManualKind
    points: int
    reason: str
    ticket_number: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One deduction or bonus and its evidence."""

    rule: str
    points: int
    at: datetime
    reason: str
    ticket_number: str | None = None
    event_id: int | None = None
    item_id: int | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """A base part: points out of ``maximum`` and where they come from."""

    points: Decimal
    maximum: int
    rated: bool = True
    item_id: int | None = None


@dataclass(frozen=True, slots=True)
class DepartmentScore:
    """The month's score of one unit."""

    department: str
    month: str
    leadership: Part
    system: Part
    effectiveness: Part
    callbacks: int
    process_satisfied: int
    result_satisfied: int
    deductions: tuple[ScoreLine, ...]
    bonuses: tuple[ScoreLine, ...]
    total: Decimal
    final: bool  # the month is over (as_of past its end): nothing can change it any more but manual items


def effectiveness(process: tuple[int, int], result: tuple[int, int]) -> Decimal:
    """办理成效及满意度: 40 × process rate + 40 × result rate (80 with no callback), to 0.01."""
    (p_ok, p_all), (r_ok, r_all) = process, result
    if p_all == 0 or r_all == 0:
        return Decimal(EFFECTIVENESS_MAX)
    half = Fraction(EFFECTIVENESS_MAX, 2)
    exact = half * Fraction(p_ok, p_all) + half * Fraction(r_ok, r_all)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def automatic_lines(facts: Facts, month: Period, as_of: datetime) -> list[ScoreLine]:
    """Every automatic ±1 of ``facts`` (already restricted to one unit) in ``month``."""
    lines: list[ScoreLine] = []
    for episode in overdue_episodes(facts.episodes, month, as_of):
        missed = episode.overdue(as_of)
        assert missed is not None
        lines.append(
            ScoreLine(
                Rule.OVERDUE, -1, missed.due_at, "超期: 办理时限届满时未回复", episode.number, missed.event_id
            )
        )
    for episode in late_responses(facts.episodes, month, as_of):
        evidence = episode.response_event_id or episode.event_id
        what = (
            "签收"
            if episode.response_action == "accept"
            else "退件"
            if episode.response_action
            else "签收/退件"
        )
        lines.append(
            ScoreLine(
                Rule.LATE_RESPONSE,
                -1,
                episode.response_deadline,
                f"交办后24小时内未{what}",
                episode.number,
                evidence,
            )
        )
    for callback in facts.callbacks:
        if not month.contains(callback.at):
            continue
        if callback.sent_back:
            lines.append(
                ScoreLine(
                    Rule.REDO, -1, callback.at, "回访不满意, 退回重办", callback.number, callback.event_id
                )
            )
        if callback.very_satisfied:
            lines.append(
                ScoreLine(
                    Rule.VERY_SATISFIED, 1, callback.at, "回访非常满意", callback.number, callback.event_id
                )
            )
    for repeat in facts.repeats:
        if month.contains(repeat.at):
            lines.append(
                ScoreLine(
                    Rule.REPEAT,
                    -1,
                    repeat.at,
                    "政策未落实, 同一来电人重复反映",
                    repeat.number,
                    repeat.event_id,
                )
            )
    return lines


def manual_lines(items: Iterable[ManualItem]) -> list[ScoreLine]:
    """Lines of the non-rating manual items."""
    return [
        ScoreLine(
            Rule.MANUAL,
            item.points,
            item.created_at,
            item.reason,
            ticket_number=item.ticket_number,
            item_id=item.id,
            kind=item.kind.value,
        )
        for item in items
        if not item.kind.is_rating
    ]


def rating(items: Sequence[ManualItem], kind: ManualKind) -> Part:
    """The latest rating of ``kind`` (by creation time, then id), else full marks unrated."""
    ratings = sorted((i for i in items if i.kind is kind), key=lambda i: (i.created_at, i.id))
    if not ratings:
        return Part(Decimal(PART_MAX), PART_MAX, rated=False)
    latest = ratings[-1]
    return Part(Decimal(latest.points), PART_MAX, rated=True, item_id=latest.id)


def score(
    department: str,
    month: Period,
    facts: Facts,
    items: Sequence[ManualItem],
    as_of: datetime,
) -> DepartmentScore:
    """The score of ``department`` in ``month`` from its own facts and manual items."""
    label = month.month
    if label is None:
        raise ValueError("scores are monthly")
    process = satisfaction_rate(facts.callbacks, month, result=False)
    result = satisfaction_rate(facts.callbacks, month, result=True)
    part = effectiveness((process.numerator, process.denominator), (result.numerator, result.denominator))
    lines = sorted(
        [*automatic_lines(facts, month, as_of), *manual_lines(items)],
        key=lambda line: (line.at, line.rule, line.event_id or 0, line.item_id or 0),
    )
    deductions = tuple(line for line in lines if line.points < 0)
    bonuses = tuple(line for line in lines if line.points > 0)
    leadership = rating(items, ManualKind.LEADERSHIP_RATING)
    system = rating(items, ManualKind.SYSTEM_RATING)
    total = leadership.points + system.points + part + sum(Decimal(line.points) for line in lines)
    return DepartmentScore(
        department=department,
        month=label,
        leadership=leadership,
        system=system,
        effectiveness=Part(part, EFFECTIVENESS_MAX, rated=process.denominator > 0),
        callbacks=process.denominator,
        process_satisfied=process.numerator,
        result_satisfied=result.numerator,
        deductions=deductions,
        bonuses=bonuses,
        total=total.quantize(CENT),
        final=as_of >= month.end,
    )
