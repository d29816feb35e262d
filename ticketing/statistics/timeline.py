"""Replay ticket events into the facts statistics and scores count (pure; no I/O).

Every figure comes from the event rows (docs/architecture.md §6: the lifecycle is replayable), never
from a ticket's current columns, because those are overwritten (a 重办 re-dispatch resets ``due_at``
and the unit's ``accepted_at``). One ticket's events, oldest first, become:

- :class:`Episode` — one spell of a matter at its **lead unit**, opened by 交办 (``dispatch``), 批办
  (``instruct``) or 重办 (an unsatisfied ``callback`` that sends it back), closed by the first of
  回复 (``reply``), 承诺 (``promise``), 退件 (``return``) or 收回 (``recall``). Co-units (会签) do not
  签收 or reply (R-FIRST) and get no episodes.
- :class:`CallbackFact` — one 回访 answer, attributed to the unit leading the matter when it was called
  back (``None`` for a 直办 ticket answered by the desk).
- :class:`Registration` — one 登记, with every unit that ever led the ticket.
- :class:`RepeatFact` — a re-report because policy was not carried out (see :func:`replay`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ticketing.tickets.lifecycle import Satisfaction

RESPONSE_WINDOW = timedelta(hours=24)  # R-RET: 签收 or 退件 within 24 h of dispatch
SATISFIED = frozenset(
    {Satisfaction.VERY_SATISFIED.value, Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value}
)
REPEAT_ACTION = "merge_repeat"  # written by the (future) repeat-merging feature
_OPENING = ("dispatch", "instruct")
_FINISHING = ("reply", "promise", "return", "recall")


@dataclass(frozen=True, slots=True)
class EventRow:
    """One ``ticket_events`` row with the ticket's number and category (plain data)."""

    id: int
    ticket_id: uuid.UUID
    number: str
    category: str
    at: datetime
    action: str
    to_status: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DueChange:
    """The deadline in force from ``at`` on, set by event ``event_id`` (dispatch, 重办 or 延期批准)."""

    at: datetime
    due_at: datetime
    event_id: int


@dataclass(frozen=True, slots=True)
class Episode:
    """One spell of a matter at its lead unit (see the module docstring)."""

    ticket_id: uuid.UUID
    number: str
    category: str
    department: str
    kind: str  # dispatch | instruct | redo
    event_id: int  # the event that opened it
    dispatched_at: datetime
    response_at: datetime | None = None  # first 签收 or 退件
    response_event_id: int | None = None
    response_action: str | None = None  # accept | return
    dues: tuple[DueChange, ...] = ()
    finished_at: datetime | None = None
    finish_event_id: int | None = None
    finish_action: str | None = None  # reply | promise | return | recall | superseded

    @property
    def response_deadline(self) -> datetime:
        """24 h after dispatch (R-RET)."""
        return self.dispatched_at + RESPONSE_WINDOW

    def response(self, as_of: datetime) -> tuple[datetime, bool] | None:
        """When the 24 h response question was settled and whether it was answered in time.

        On time: the unit 签收ed or 退件ed at most 24 h after dispatch (exactly 24 h is in time).
        Late, settled at the 24 h mark: no 签收/退件 by then while the unit still held the matter and
        ``as_of`` is past that mark. ``None`` (not counted): the window is still open, or a leader
        收回ed the matter before the window closed.
        """
        deadline = self.response_deadline
        if self.response_at is not None and self.response_at <= deadline:
            return self.response_at, True
        recalled = self.finished_at if self.finish_action in ("recall", "superseded") else None
        if (recalled is None or recalled > deadline) and as_of > deadline:
            return deadline, False
        return None

    def overdue(self, as_of: datetime) -> DueChange | None:
        """The deadline the unit missed, if any: the first ``due_at`` reached while the unit still
        held the matter unanswered (no 回复/承诺/退件/收回 strictly before it, no 延期 approved
        before it, and ``as_of`` has reached it). A reply at exactly ``due_at`` is late, matching
        :func:`ticketing.tickets.deadlines.is_overdue`. At most one per episode."""
        stop = as_of if self.finished_at is None else min(self.finished_at, as_of)
        for index, due in enumerate(self.dues):
            until = self.dues[index + 1].at if index + 1 < len(self.dues) else stop
            if due.due_at <= min(until, stop):
                return due
        return None

    def completion(self, as_of: datetime) -> tuple[datetime, bool] | None:
        """When the 按时办结 question was settled and whether the unit answered before ``due_at``.

        Late (settled at the missed deadline): :meth:`overdue`. On time (settled at the answer): the
        unit 回复ed — or, for a 承诺件, made its promise with plan and date (R-KIND: the answer within
        the limit) — before the deadline. ``None``: still running, or the unit 退件ed / was 收回ed
        before the deadline (the matter moved on; it is not the unit's completion).
        """
        missed = self.overdue(as_of)
        if missed is not None:
            return missed.due_at, False
        done = self.finished_at
        if self.finish_action in ("reply", "promise") and done is not None and done <= as_of:
            return done, True
        return None


@dataclass(frozen=True, slots=True)
class CallbackFact:
    """One 回访 answer (R-CB) with process and result satisfaction (R-RATES)."""

    event_id: int
    ticket_id: uuid.UUID
    number: str
    category: str
    department: str | None
    at: datetime
    satisfaction: str
    result: str
    sent_back: bool  # result unsatisfied: 重办 (R-REDO)

    @property
    def very_satisfied(self) -> bool:
        """R-SCORE bonus: an answer is 非常满意 and neither answer is 不满意."""
        answers = (self.satisfaction, self.result)
        return Satisfaction.VERY_SATISFIED.value in answers and Satisfaction.UNSATISFIED.value not in answers


@dataclass(frozen=True, slots=True)
class Registration:
    """One 登记 and every unit that ever led the ticket (up to ``as_of``)."""

    ticket_id: uuid.UUID
    number: str
    category: str
    at: datetime
    departments: frozenset[str]


@dataclass(frozen=True, slots=True)
class RepeatFact:
    """A re-report of the same problem because policy was not carried out (R-SCORE −1)."""

    event_id: int
    ticket_id: uuid.UUID
    number: str
    category: str
    department: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything :func:`replay` derived from a set of tickets."""

    episodes: tuple[Episode, ...] = ()
    callbacks: tuple[CallbackFact, ...] = ()
    registrations: tuple[Registration, ...] = ()
    repeats: tuple[RepeatFact, ...] = ()


@dataclass
class _Ticket:
    """Replay state of one ticket."""

    lead: str | None = None
    open: Episode | None = None
    episodes: list[Episode] = field(default_factory=list)
    leads: set[str] = field(default_factory=set)


def replay(events: Iterable[EventRow], as_of: datetime) -> Facts:
    """Turn event rows (any order; events after ``as_of`` are ignored) into :class:`Facts`.

    Repeats: a ``merge_repeat`` event whose payload has ``policy_not_carried_out: true`` counts for
    ``payload["department"]`` (a unit code) if given, else for the unit leading the ticket then.
    (No feature writes such events yet, so today this finds none.)
    """
    by_ticket: dict[uuid.UUID, list[EventRow]] = {}
    for event in events:
        if event.at <= as_of:
            by_ticket.setdefault(event.ticket_id, []).append(event)
    facts = _Collected()
    for rows in by_ticket.values():
        rows.sort(key=lambda e: (e.at, e.id))
        _replay_ticket(rows, facts)
    return Facts(
        tuple(facts.episodes), tuple(facts.callbacks), tuple(facts.registrations), tuple(facts.repeats)
    )


@dataclass
class _Collected:
    episodes: list[Episode] = field(default_factory=list)
    callbacks: list[CallbackFact] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    repeats: list[RepeatFact] = field(default_factory=list)


def _replay_ticket(rows: list[EventRow], out: _Collected) -> None:
    state = _Ticket()
    registers: list[EventRow] = []
    for event in rows:
        if event.action == "register":
            registers.append(event)
        elif event.action == "callback":
            out.callbacks.append(_callback(event, state.lead))
        elif event.action == REPEAT_ACTION and event.payload.get("policy_not_carried_out") is True:
            unit = event.payload.get("department")
            department = unit if isinstance(unit, str) and unit else state.lead
            out.repeats.append(
                RepeatFact(event.id, event.ticket_id, event.number, event.category, department, event.at)
            )
        _step(state, event)
    if state.open is not None:
        state.episodes.append(state.open)
    out.episodes.extend(state.episodes)
    leads = frozenset(state.leads)
    out.registrations.extend(Registration(e.ticket_id, e.number, e.category, e.at, leads) for e in registers)


def _step(state: _Ticket, event: EventRow) -> None:
    """Advance the replay of one ticket by one event."""
    action = event.action
    lead = event.payload.get("lead_department")
    if action in _OPENING and isinstance(lead, str):
        _open(state, event, lead, action)
    elif action == "callback" and event.to_status == "dispatched" and state.lead is not None:
        _open(state, event, state.lead, "redo")  # 重办 to the same lead unit (R-REDO)
    elif state.open is not None:
        episode = state.open
        if action in ("accept", "return") and episode.response_at is None:
            episode = replace(
                episode, response_at=event.at, response_event_id=event.id, response_action=action
            )
        if action == "approve_extension":
            due = _due(event)
            if due is not None:
                episode = replace(episode, dues=(*episode.dues, due))
        state.open = episode
        if action in _FINISHING:
            state.episodes.append(
                replace(episode, finished_at=event.at, finish_event_id=event.id, finish_action=action)
            )
            state.open = None
    if action in ("return", "recall"):
        state.lead = None


def _open(state: _Ticket, event: EventRow, lead: str, kind: str) -> None:
    if state.open is not None:  # defensive: a new spell always ends the previous one
        state.episodes.append(
            replace(state.open, finished_at=event.at, finish_event_id=event.id, finish_action="superseded")
        )
    due = _due(event)
    state.open = Episode(
        ticket_id=event.ticket_id,
        number=event.number,
        category=event.category,
        department=lead,
        kind=kind,
        event_id=event.id,
        dispatched_at=event.at,
        dues=(due,) if due is not None else (),
    )
    state.lead = lead
    state.leads.add(lead)


def _due(event: EventRow) -> DueChange | None:
    raw = event.payload.get("due_at")
    if not isinstance(raw, str):
        return None
    return DueChange(event.at, datetime.fromisoformat(raw), event.id)


def _callback(event: EventRow, lead: str | None) -> CallbackFact:
    process = str(event.payload.get("satisfaction") or "")
    result = str(event.payload.get("result_satisfaction") or process)
    return CallbackFact(
        event_id=event.id,
        ticket_id=event.ticket_id,
        number=event.number,
        category=event.category,
        department=lead,
        at=event.at,
        satisfaction=process,
        result=result,
        sent_back=result == Satisfaction.UNSATISFIED.value,
    )
