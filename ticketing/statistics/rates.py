"""Rates and counts of a period from replayed facts and call rows (pure; R-STAT, R-RATES).

Definitions (a fact counts in period P when the instant named below falls in P):

- **registered** (登记量): 登记 events in P. Grouped by unit, a ticket counts for every unit that led
  it at any time (a matter 退件ed by A and handled by B counts for both); the total counts it once.
- **dispatched** (交办量): episodes opened in P — 交办, 批办 and 重办 to the unit as lead.
- **响应率** (``response``): episodes whose 24 h response question was settled in P
  (:meth:`Episode.response`); numerator: those 签收ed or 退件ed at most 24 h after dispatch.
  Denominator: those plus the ones still un-collected when the 24 h passed (settled at that mark).
  Episodes 收回ed before the mark, or whose window is still open, are not counted.
- **按时办结率** (``on_time``): episodes whose deadline question was settled in P
  (:meth:`Episode.completion`); numerator: 回复 (or a 承诺件's promise) strictly before ``due_at``.
  Denominator: those plus the episodes that reached ``due_at`` unanswered (settled at ``due_at``).
- **overdue** (超期): episodes that reached their ``due_at`` in P while unanswered at the unit.
- **returns** (退件): 退件 answers given in P.
- **redo** (重办): 回访 in P whose result answer was 不满意, sending the matter back (R-REDO).
- **callbacks** (回访量): 回访 answers in P, attributed to the unit leading the matter then.
- **满意率** process / result (R-RATES): callbacks in P whose process (resp. result) answer is 非常满意,
  满意 or 基本满意 ÷ callbacks in P.
- **解决率** (``resolution``): per matter, not per answer: matters called back in P whose **latest**
  callback in P had a satisfactory result (非常满意/满意/基本满意) ÷ matters called back in P. A
  matter answered 不满意, redone and then answered 满意 within P counts as solved once, while both
  answers count in the result 满意率 — that is what separates the two rates.

Hotline figures (R-RATES, from call rows whose ``started_at`` is in P):

- **calls**: every call the IVR took. **offered**: calls handed to an agent queue (``queued_at`` set).
- **answered**: calls with ``answered_at`` (an agent connected, from app_queue's ``AgentConnect``).
- **answered within 20 s**: the wait in the queue (``hold_seconds`` as app_queue counted it, else
  ``answered_at − queued_at``) ≤ 20 s; **service level** = that ÷ offered (the seed's 转人工 < 20 s ≥ 80 %).
  **answer rate** = answered ÷ offered.
- **abandoned in the queue**: offered calls whose caller hung up while waiting (``abandoned_at``);
  **abandon rate** = that ÷ offered (what the wallboard shows live).
- **abandoned**: every unanswered call whose caller hung up — in the queue, or already in the IVR menu
  (``end_reason = caller_hung_up``).
- **outcome unknown**: offered calls with neither an answer nor an abandon (e.g. the queue timed out).
- **average wait**: mean wait of the answered calls, in seconds (ASA).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ticketing.statistics.periods import Period
from ticketing.statistics.timeline import SATISFIED, CallbackFact, Episode, Facts

SERVICE_LEVEL_WINDOW = timedelta(seconds=20)
SERVICE_LEVEL_TARGET = 0.8
ABANDON_REASONS = frozenset({"caller_hung_up"})


class GroupBy(StrEnum):
    """How statistics rows are keyed."""

    DEPARTMENT = "department"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class Ratio:
    """A rate with its parts; ``rate`` is ``None`` when nothing was counted."""

    numerator: int = 0
    denominator: int = 0

    @property
    def rate(self) -> float | None:
        """numerator ÷ denominator rounded to 4 places, or ``None`` for 0 ÷ 0."""
        return None if self.denominator == 0 else round(self.numerator / self.denominator, 4)


@dataclass(frozen=True, slots=True)
class Figures:
    """One statistics row (see the module docstring for each field)."""

    key: str | None
    registered: int
    dispatched: int
    response: Ratio
    on_time: Ratio
    overdue: int
    returns: int
    redo: int
    callbacks: int
    resolution: Ratio
    process_satisfaction: Ratio
    result_satisfaction: Ratio


def response_rate(episodes: Iterable[Episode], period: Period, as_of: datetime) -> Ratio:
    """响应率: 签收/退件 within 24 h among episodes settled in ``period``."""
    return _ratio(o for o in (e.response(as_of) for e in episodes) if o is not None and period.contains(o[0]))


def on_time_rate(episodes: Iterable[Episode], period: Period, as_of: datetime) -> Ratio:
    """按时办结率: answered before ``due_at`` among episodes settled in ``period``."""
    return _ratio(
        o for o in (e.completion(as_of) for e in episodes) if o is not None and period.contains(o[0])
    )


def overdue_episodes(episodes: Iterable[Episode], period: Period, as_of: datetime) -> list[Episode]:
    """Episodes that reached their deadline unanswered inside ``period``."""
    result = []
    for episode in episodes:
        missed = episode.overdue(as_of)
        if missed is not None and period.contains(missed.due_at):
            result.append(episode)
    return result


def late_responses(episodes: Iterable[Episode], period: Period, as_of: datetime) -> list[Episode]:
    """Episodes not 签收ed/退件ed within 24 h, the 24 h mark falling in ``period``."""
    result = []
    for episode in episodes:
        outcome = episode.response(as_of)
        if outcome is not None and not outcome[1] and period.contains(outcome[0]):
            result.append(episode)
    return result


def returned_episodes(episodes: Iterable[Episode], period: Period) -> list[Episode]:
    """Episodes the unit 退件ed inside ``period``."""
    return [
        e
        for e in episodes
        if e.response_action == "return" and e.response_at is not None and period.contains(e.response_at)
    ]


def satisfaction_rate(callbacks: Iterable[CallbackFact], period: Period, *, result: bool) -> Ratio:
    """满意率 of the process (``result=False``) or of the result (``result=True``)."""
    answers = [c.result if result else c.satisfaction for c in callbacks if period.contains(c.at)]
    return Ratio(sum(a in SATISFIED for a in answers), len(answers))


def resolution_rate(callbacks: Iterable[CallbackFact], period: Period) -> Ratio:
    """解决率: matters whose latest callback in ``period`` had a satisfactory result."""
    latest: dict[object, CallbackFact] = {}
    for callback in sorted((c for c in callbacks if period.contains(c.at)), key=lambda c: (c.at, c.event_id)):
        latest[callback.ticket_id] = callback
    return Ratio(sum(c.result in SATISFIED for c in latest.values()), len(latest))


def figures(key: str | None, facts: Facts, period: Period, as_of: datetime) -> Figures:
    """The statistics row of ``facts`` (already restricted to one unit or category)."""
    episodes = facts.episodes
    callbacks = [c for c in facts.callbacks if period.contains(c.at)]
    return Figures(
        key=key,
        registered=len({r.ticket_id for r in facts.registrations if period.contains(r.at)}),
        dispatched=sum(period.contains(e.dispatched_at) for e in episodes),
        response=response_rate(episodes, period, as_of),
        on_time=on_time_rate(episodes, period, as_of),
        overdue=len(overdue_episodes(episodes, period, as_of)),
        returns=len(returned_episodes(episodes, period)),
        redo=sum(c.sent_back for c in callbacks),
        callbacks=len(callbacks),
        resolution=resolution_rate(callbacks, period),
        process_satisfaction=satisfaction_rate(callbacks, period, result=False),
        result_satisfaction=satisfaction_rate(callbacks, period, result=True),
    )


def grouped(
    facts: Facts, period: Period, as_of: datetime, group_by: GroupBy, keys: Sequence[str]
) -> list[Figures]:
    """One row per key in ``keys`` (in that order, zero rows included); facts of other keys are dropped."""
    return [figures(key, restrict(facts, group_by, key), period, as_of) for key in keys]


def restrict(facts: Facts, group_by: GroupBy, key: str) -> Facts:
    """The facts attributed to one unit (by code) or one category."""
    if group_by is GroupBy.CATEGORY:
        return Facts(
            episodes=tuple(e for e in facts.episodes if e.category == key),
            callbacks=tuple(c for c in facts.callbacks if c.category == key),
            registrations=tuple(r for r in facts.registrations if r.category == key),
            repeats=tuple(r for r in facts.repeats if r.category == key),
        )
    return Facts(
        episodes=tuple(e for e in facts.episodes if e.department == key),
        callbacks=tuple(c for c in facts.callbacks if c.department == key),
        registrations=tuple(r for r in facts.registrations if key in r.departments),
        repeats=tuple(r for r in facts.repeats if r.department == key),
    )


def _ratio(outcomes: Iterable[tuple[datetime, bool]]) -> Ratio:
    settled = list(outcomes)
    return Ratio(sum(ok for _, ok in settled), len(settled))


# -- hotline -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallRow:
    """The parts of a ``calls`` row the hotline figures need."""

    started_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    end_reason: str | None
    abandoned_at: datetime | None = None
    hold_seconds: float | None = None

    @property
    def wait_seconds(self) -> float | None:
        """Seconds in the queue before an agent answered (``None``: not answered)."""
        if self.answered_at is None or self.queued_at is None:
            return None
        if self.hold_seconds is not None:
            return self.hold_seconds
        return (self.answered_at - self.queued_at).total_seconds()


@dataclass(frozen=True, slots=True)
class HotlineFigures:
    """Call-centre figures of a period (see the module docstring)."""

    calls: int
    offered: int
    answered: int
    answered_within_20s: int
    abandoned: int
    outcome_unknown: int
    answer_rate: Ratio
    service_level: Ratio
    average_wait_seconds: float | None
    abandoned_in_queue: int = 0
    abandon_rate: Ratio = Ratio(0, 0)
    service_level_target: float = SERVICE_LEVEL_TARGET


def hotline(calls: Iterable[CallRow], period: Period) -> HotlineFigures:
    """Hotline figures of the calls started in ``period``."""
    rows = [c for c in calls if period.contains(c.started_at)]
    offered = [c for c in rows if c.queued_at is not None]
    answered = [c for c in rows if c.answered_at is not None]
    waits = [w for w in (c.wait_seconds for c in answered) if w is not None]
    within = sum(w <= SERVICE_LEVEL_WINDOW.total_seconds() for w in waits)
    in_queue = [c for c in offered if c.answered_at is None and c.abandoned_at is not None]
    abandoned = [
        c
        for c in rows
        if c.answered_at is None and (c.abandoned_at is not None or c.end_reason in ABANDON_REASONS)
    ]
    unknown = [
        c
        for c in offered
        if c.answered_at is None and c.abandoned_at is None and c.end_reason not in ABANDON_REASONS
    ]
    return HotlineFigures(
        calls=len(rows),
        offered=len(offered),
        answered=len(answered),
        answered_within_20s=within,
        abandoned=len(abandoned),
        outcome_unknown=len(unknown),
        answer_rate=Ratio(len([c for c in offered if c.answered_at is not None]), len(offered)),
        service_level=Ratio(within, len(offered)),
        average_wait_seconds=round(sum(waits) / len(waits), 1) if waits else None,
        abandoned_in_queue=len(in_queue),
        abandon_rate=Ratio(len(in_queue), len(offered)),
    )
