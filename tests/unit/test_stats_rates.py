"""Event replay and every rate of R-STAT / R-RATES, on hand-made event rows (no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ticketing.statistics import periods
from ticketing.statistics.rates import (
    CallRow,
    GroupBy,
    figures,
    grouped,
    hotline,
    on_time_rate,
    resolution_rate,
    response_rate,
    satisfaction_rate,
)
from ticketing.statistics.timeline import EventRow, replay

SH = ZoneInfo("Asia/Shanghai")
NOV = periods.month("2026-11")
AS_OF = datetime(2026, 12, 1, 12, tzinfo=SH)


def t(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


class Story:
    """Builds the event rows of one ticket."""

    _ids = iter(range(1, 1_000_000))

    def __init__(self, category: str = "complaint", number: str = "20261102-000001") -> None:
        self.id = uuid.uuid4()
        self.category = category
        self.number = number
        self.rows: list[EventRow] = []

    def ev(self, action: str, at: datetime, to_status: str = "x", **payload: Any) -> Story:
        self.rows.append(
            EventRow(next(self._ids), self.id, self.number, self.category, at, action, to_status, payload)
        )
        return self

    def dispatch(self, unit: str, at: datetime, due: datetime, action: str = "dispatch") -> Story:
        return self.ev(action, at, "dispatched", lead_department=unit, due_at=due.isoformat())

    def callback(self, at: datetime, process: str, result: str, redo_due: datetime | None = None) -> Story:
        if redo_due is None:
            return self.ev("callback", at, "archived", satisfaction=process, result_satisfaction=result)
        return self.ev(
            "callback",
            at,
            "dispatched",
            satisfaction=process,
            result_satisfaction=result,
            due_at=redo_due.isoformat(),
        )


def test_response_within_24h_inclusive_late_and_undecided() -> None:
    on_time = Story().dispatch("A", t(2), t(10, 0)).ev("accept", t(3))  # exactly 24 h
    returned = Story().dispatch("A", t(2), t(10, 0)).ev("return", t(2, 11))
    late = Story().dispatch("A", t(2), t(10, 0)).ev("accept", t(3, 9, 1))  # 24 h 1 min
    never = Story().dispatch("A", t(20), t(28, 0))  # window closed d21 09:00, nothing came
    recalled_early = Story().dispatch("A", t(5), t(12, 0)).ev("recall", t(5, 15))
    recalled_late = Story().dispatch("A", t(5), t(12, 0)).ev("recall", t(6, 15))
    still_open = Story().dispatch("A", t(30, 20), t(4, 0, month=12))  # window ends Dec 1 20:00
    stories = [on_time, returned, late, never, recalled_early, recalled_late, still_open]
    facts = replay([r for s in stories for r in s.rows], AS_OF)
    # in time: on_time, returned; late: late, never, recalled_late; not counted: recalled_early, still_open
    ratio = response_rate(facts.episodes, NOV, AS_OF)
    assert (ratio.numerator, ratio.denominator, ratio.rate) == (2, 5, 0.4)


def test_late_response_counts_in_the_period_of_its_24h_mark() -> None:
    story = Story().dispatch("A", t(30, 10), t(4, 0, month=12))  # mark Dec 1 10:00
    facts = replay(story.rows, AS_OF)
    assert response_rate(facts.episodes, NOV, AS_OF).denominator == 0
    assert response_rate(facts.episodes, periods.month("2026-12"), AS_OF).denominator == 1


def test_on_time_completion_reply_before_due_and_overdue_at_due() -> None:
    due = t(10, 0)  # Nov 10 00:00
    before = Story().dispatch("A", t(2), due).ev("accept", t(2, 10)).ev("reply", t(9, 23, 59))
    at_due = Story().dispatch("A", t(2), due).ev("accept", t(2, 10)).ev("reply", due)  # exactly due: late
    after = Story().dispatch("A", t(2), due).ev("accept", t(2, 10)).ev("reply", t(11))
    never = Story().dispatch("A", t(2), due).ev("accept", t(2, 10))
    returned = Story().dispatch("A", t(2), due).ev("return", t(2, 10))  # not the unit's completion
    running = Story().dispatch("A", t(30), t(4, 0, month=12)).ev("accept", t(30, 10))
    stories = [before, at_due, after, never, returned, running]
    facts = replay([r for s in stories for r in s.rows], AS_OF)
    ratio = on_time_rate(facts.episodes, NOV, AS_OF)
    assert (ratio.numerator, ratio.denominator) == (1, 4)
    assert figures(None, facts, NOV, AS_OF).overdue == 3


def test_extension_before_due_moves_it_but_after_due_is_too_late() -> None:
    early = (
        Story()
        .dispatch("A", t(3), t(11, 0))
        .ev("accept", t(3, 10))
        .ev("approve_extension", t(6), due_at=t(21, 0).isoformat())
        .ev("reply", t(18))
    )
    late = (
        Story()
        .dispatch("A", t(4), t(12, 0))
        .ev("accept", t(4, 10))
        .ev("approve_extension", t(12, 10), due_at=t(21, 0).isoformat())
        .ev("reply", t(19))
    )
    facts = replay(early.rows + late.rows, AS_OF)
    early_ep, late_ep = sorted(facts.episodes, key=lambda e: e.dispatched_at)
    assert early_ep.completion(AS_OF) == (t(18), True)
    missed = late_ep.overdue(AS_OF)
    assert missed is not None
    assert missed.due_at == t(12, 0)
    assert missed.event_id == late.rows[0].id  # the dispatch set the missed deadline


def test_promise_within_the_limit_is_on_time() -> None:
    story = Story("consult").dispatch("A", t(16), t(20, 0)).ev("accept", t(16, 9, 5)).ev("promise", t(17))
    facts = replay(story.rows, AS_OF)
    assert on_time_rate(facts.episodes, NOV, AS_OF).rate == 1.0
    assert figures(None, facts, NOV, AS_OF).overdue == 0


def test_redo_opens_a_new_episode_at_the_same_unit_and_counts_as_redo() -> None:
    story = (
        Story()
        .dispatch("A", t(2), t(10, 0))
        .ev("accept", t(2, 10))
        .ev("reply", t(4))
        .ev("close", t(4, 10))
        .callback(t(5), "satisfied", "unsatisfied", redo_due=t(13, 0))
        .ev("accept", t(6, 10, 1))  # 24 h 1 min after the redo: late
        .ev("reply", t(9))
        .callback(t(10), "satisfied", "satisfied")
    )
    facts = replay(story.rows, AS_OF)
    assert [(e.kind, e.department) for e in facts.episodes] == [("dispatch", "A"), ("redo", "A")]
    row = figures("A", facts, NOV, AS_OF)
    assert (row.dispatched, row.redo, row.callbacks) == (2, 1, 2)
    assert (row.response.numerator, row.response.denominator) == (1, 2)
    # 解决率 per matter: its latest callback is satisfied → 1/1; result 满意率 per answer → 1/2
    assert (row.resolution.numerator, row.resolution.denominator) == (1, 1)
    assert (row.result_satisfaction.numerator, row.result_satisfaction.denominator) == (1, 2)
    assert (row.process_satisfaction.numerator, row.process_satisfaction.denominator) == (2, 2)


def test_callbacks_go_to_the_unit_leading_then_and_direct_tickets_to_none() -> None:
    moved = (
        Story()
        .dispatch("A", t(2), t(10, 0))
        .ev("return", t(2, 10))
        .dispatch("B", t(2, 11), t(10, 0))
        .ev("accept", t(2, 12))
        .ev("reply", t(3))
        .callback(t(4), "very_satisfied", "satisfied")
    )
    direct = (
        Story("consult").ev("register", t(3), "registered").ev("answer_directly", t(3, 9, 5), "completed")
    )
    direct.callback(t(4), "unsatisfied", "unsatisfied")  # back to the desk, not a unit's 重办
    facts = replay(moved.rows + direct.rows, AS_OF)
    assert sorted((c.department or "-", c.sent_back) for c in facts.callbacks) == [("-", True), ("B", False)]
    rows = {r.key: r for r in grouped(facts, NOV, AS_OF, GroupBy.DEPARTMENT, ["A", "B"])}
    assert (rows["A"].returns, rows["A"].callbacks, rows["B"].callbacks) == (1, 0, 1)
    assert figures(None, facts, NOV, AS_OF).redo == 1  # total counts the desk's send-back too
    assert rows["A"].redo == rows["B"].redo == 0


def test_registered_counts_for_every_unit_that_led_and_once_in_the_total() -> None:
    story = (
        Story()
        .ev("register", t(2), "registered")
        .dispatch("A", t(2), t(10, 0))
        .ev("return", t(2, 10))
        .dispatch("B", t(2, 11), t(10, 0))
    )
    facts = replay(story.rows, AS_OF)
    rows = grouped(facts, NOV, AS_OF, GroupBy.DEPARTMENT, ["A", "B", "C"])
    assert [(r.key, r.registered, r.dispatched) for r in rows] == [("A", 1, 1), ("B", 1, 1), ("C", 0, 0)]
    assert figures(None, facts, NOV, AS_OF).registered == 1
    by_category = grouped(facts, NOV, AS_OF, GroupBy.CATEGORY, ["complaint", "help"])
    assert [(r.key, r.registered) for r in by_category] == [("complaint", 1), ("help", 0)]


def test_satisfaction_counts_basically_satisfied_as_satisfied() -> None:
    stories = [
        Story().dispatch("A", t(2), t(10, 0)).callback(t(5), p, r)
        for p, r in [
            ("very_satisfied", "very_satisfied"),
            ("satisfied", "basically_satisfied"),
            ("basically_satisfied", "unsatisfied"),
            ("unsatisfied", "satisfied"),
        ]
    ]
    facts = replay([r for s in stories for r in s.rows], AS_OF)
    process = satisfaction_rate(facts.callbacks, NOV, result=False)
    result = satisfaction_rate(facts.callbacks, NOV, result=True)
    assert (process.numerator, process.denominator, process.rate) == (3, 4, 0.75)
    assert (result.numerator, result.denominator) == (3, 4)
    assert resolution_rate(facts.callbacks, NOV).rate == 0.75
    assert satisfaction_rate(facts.callbacks, periods.month("2026-10"), result=True).rate is None


def test_events_after_as_of_and_outside_the_period_are_ignored() -> None:
    story = (
        Story().dispatch("A", t(2), t(10, 0)).ev("accept", t(2, 10)).callback(t(5), "satisfied", "satisfied")
    )
    facts = replay(story.rows, t(4))
    assert facts.callbacks == ()
    assert figures(None, replay(story.rows, AS_OF), periods.month("2026-10"), AS_OF).callbacks == 0


def test_hotline_figures() -> None:
    def call(day: int, queue_s: int | None, wait_s: int | None, end: str) -> CallRow:
        start = t(day, 10)
        queued = start + timedelta(seconds=queue_s) if queue_s is not None else None
        answered = queued + timedelta(seconds=wait_s) if queued is not None and wait_s is not None else None
        return CallRow(start, queued, answered, end)

    rows = [
        call(2, 30, 15, "queued"),
        call(3, 40, 20, "queued"),  # exactly 20 s: within
        call(4, 30, 45, "queued"),
        call(5, 20, None, "queued"),  # no answer record: outcome unknown
        call(6, None, None, "caller_hung_up"),  # hung up in the menu: abandoned
        call(7, None, None, "message_left"),
        CallRow(t(31, 10, month=10), t(31, 10, month=10), t(31, 10, month=10), "queued"),  # October
    ]
    figures_ = hotline(rows, NOV)
    assert (figures_.calls, figures_.offered, figures_.answered) == (6, 4, 3)
    assert (figures_.answered_within_20s, figures_.abandoned, figures_.outcome_unknown) == (2, 1, 1)
    assert (figures_.answer_rate.rate, figures_.service_level.rate) == (0.75, 0.5)
    assert figures_.average_wait_seconds == 26.7  # (15 + 20 + 45) / 3
    assert figures_.service_level_target == 0.8
    empty = hotline([], NOV)
    assert (empty.service_level.rate, empty.average_wait_seconds) == (None, None)


def test_hotline_figures_from_the_queue_part_of_calls() -> None:
    start = t(2, 10)
    queued = start + timedelta(seconds=30)
    rows = [
        # app_queue's own hold time wins over the timestamps (the IVR's queued_at is a little earlier)
        CallRow(start, queued, queued + timedelta(seconds=25), "queued", hold_seconds=18.0),
        CallRow(start, queued, None, "queued", abandoned_at=queued + timedelta(seconds=40)),  # gave up
        CallRow(start, queued, None, "queued"),  # the queue timed out: outcome unknown
        CallRow(start, None, None, "caller_hung_up"),  # hung up in the menu
    ]
    figures_ = hotline(rows, NOV)
    assert (figures_.offered, figures_.answered, figures_.answered_within_20s) == (3, 1, 1)
    assert (figures_.abandoned_in_queue, figures_.abandon_rate.rate) == (1, 0.3333)
    assert (figures_.abandoned, figures_.outcome_unknown) == (2, 1)
    assert figures_.average_wait_seconds == 18.0
