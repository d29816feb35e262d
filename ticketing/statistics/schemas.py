"""API bodies of the statistics and score endpoints, and their conversion from the pure results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schema_types import StrictInput
from ticketing.statistics.rates import Figures, GroupBy, HotlineFigures, Ratio
from ticketing.statistics.scoring import DepartmentScore, ManualKind, Part, ScoreLine


class RatioOut(BaseModel):
    """A rate with its parts; ``rate`` is ``null`` when nothing was counted."""

    numerator: int
    denominator: int
    rate: float | None

    @classmethod
    def of(cls, ratio: Ratio) -> RatioOut:
        """From the pure value."""
        return cls(numerator=ratio.numerator, denominator=ratio.denominator, rate=ratio.rate)


class StatisticsRow(BaseModel):
    """One unit's or one category's figures (definitions: :mod:`ticketing.statistics.rates`)."""

    key: str | None
    name: str | None
    registered: int
    dispatched: int
    response: RatioOut
    on_time: RatioOut
    overdue: int
    returns: int
    redo: int
    callbacks: int
    resolution: RatioOut
    process_satisfaction: RatioOut
    result_satisfaction: RatioOut

    @classmethod
    def of(cls, figures: Figures, name: str | None) -> StatisticsRow:
        """From the pure value."""
        return cls(
            key=figures.key,
            name=name,
            registered=figures.registered,
            dispatched=figures.dispatched,
            response=RatioOut.of(figures.response),
            on_time=RatioOut.of(figures.on_time),
            overdue=figures.overdue,
            returns=figures.returns,
            redo=figures.redo,
            callbacks=figures.callbacks,
            resolution=RatioOut.of(figures.resolution),
            process_satisfaction=RatioOut.of(figures.process_satisfaction),
            result_satisfaction=RatioOut.of(figures.result_satisfaction),
        )


class HotlineOut(BaseModel):
    """Call-centre figures of the period (definitions: :mod:`ticketing.statistics.rates`)."""

    calls: int
    offered: int
    answered: int
    answered_within_20s: int
    abandoned: int
    outcome_unknown: int
    answer_rate: RatioOut
    service_level: RatioOut
    service_level_target: float
    average_wait_seconds: float | None
    abandoned_in_queue: int = 0
    abandon_rate: RatioOut = Field(default_factory=lambda: RatioOut(numerator=0, denominator=0, rate=None))

    @classmethod
    def of(cls, figures: HotlineFigures) -> HotlineOut:
        """From the pure value."""
        return cls(
            calls=figures.calls,
            offered=figures.offered,
            answered=figures.answered,
            answered_within_20s=figures.answered_within_20s,
            abandoned=figures.abandoned,
            outcome_unknown=figures.outcome_unknown,
            answer_rate=RatioOut.of(figures.answer_rate),
            service_level=RatioOut.of(figures.service_level),
            service_level_target=figures.service_level_target,
            average_wait_seconds=figures.average_wait_seconds,
            abandoned_in_queue=figures.abandoned_in_queue,
            abandon_rate=RatioOut.of(figures.abandon_rate),
        )


class PeriodOut(BaseModel):
    """The Shanghai days covered (both inclusive)."""

    from_date: date
    to_date: date
    label: str


class StatisticsReport(BaseModel):
    """``GET /statistics``: rows by unit or category, the total, and (centre roles) the hotline."""

    period: PeriodOut
    group_by: GroupBy
    as_of: datetime
    rows: list[StatisticsRow]
    total: StatisticsRow
    hotline: HotlineOut | None


class ScoreLineOut(BaseModel):
    """One deduction or bonus and its evidence (ticket + event + rule, or the manual item)."""

    rule: str
    points: int
    at: datetime
    reason: str
    ticket_number: str | None
    event_id: int | None
    item_id: int | None
    kind: str | None

    @classmethod
    def of(cls, line: ScoreLine) -> ScoreLineOut:
        """From the pure value."""
        return cls(
            rule=line.rule,
            points=line.points,
            at=line.at,
            reason=line.reason,
            ticket_number=line.ticket_number,
            event_id=line.event_id,
            item_id=line.item_id,
            kind=line.kind,
        )


class PartOut(BaseModel):
    """A base part of the score."""

    points: float
    maximum: int
    rated: bool
    item_id: int | None

    @classmethod
    def of(cls, part: Part) -> PartOut:
        """From the pure value."""
        return cls(points=float(part.points), maximum=part.maximum, rated=part.rated, item_id=part.item_id)


class DepartmentScoreOut(BaseModel):
    """A unit's month score: base parts, every deduction and bonus with its reason, total."""

    department: str
    name: str
    month: str
    leadership: PartOut
    system: PartOut
    effectiveness: PartOut
    callbacks: int
    process_satisfied: int
    result_satisfied: int
    deductions: list[ScoreLineOut]
    bonuses: list[ScoreLineOut]
    deduction_points: int
    bonus_points: int
    total: float
    final: bool

    @classmethod
    def of(cls, result: DepartmentScore, name: str) -> DepartmentScoreOut:
        """From the pure value."""
        return cls(
            department=result.department,
            name=name,
            month=result.month,
            leadership=PartOut.of(result.leadership),
            system=PartOut.of(result.system),
            effectiveness=PartOut.of(result.effectiveness),
            callbacks=result.callbacks,
            process_satisfied=result.process_satisfied,
            result_satisfied=result.result_satisfied,
            deductions=[ScoreLineOut.of(line) for line in result.deductions],
            bonuses=[ScoreLineOut.of(line) for line in result.bonuses],
            deduction_points=sum(line.points for line in result.deductions),
            bonus_points=sum(line.points for line in result.bonuses),
            total=float(result.total),
            final=result.final,
        )


class ScoreTableOut(BaseModel):
    """``GET /scores?month=``: one score per unit."""

    month: str
    as_of: datetime
    departments: list[DepartmentScoreOut]


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ScoreItemCreate(StrictInput):
    """A manual score item. Fixed-point kinds take their points from the rule; ratings need ``rating``."""

    department: str = Field(max_length=64, description="unit code or id")
    month: str = Field(max_length=7, description="YYYY-MM")
    kind: ManualKind
    reason: Reason
    rating: int | None = Field(default=None, ge=0, le=10, description="0–10, for rating kinds only")
    ticket: str | None = Field(default=None, max_length=64, description="ticket number or id")


class ScoreItemWithdraw(StrictInput):
    """Why a manual item is withdrawn."""

    reason: Reason


class ScoreItemOut(BaseModel):
    """A stored manual item."""

    id: int
    department: str
    month: str
    kind: ManualKind
    points: int
    reason: str
    ticket_number: str | None
    created_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str | None
