"""Gather one month's numbers for the 通报 into a plain :class:`MonthlyReport` (the only DB step).

Every figure comes from :class:`~ticketing.statistics.service.StatisticsService` — the same calls
``GET /statistics?month=`` (by unit and by category) and ``GET /scores?month=`` make — with one frozen
``as_of`` for all of them, so the report shows exactly what the API shows at that instant. The report
is centre-wide: only supervisors and admins (or the CLI, as the system) may gather it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.clock import Clock, utcnow
from ticketing.errors import PermissionDenied
from ticketing.reports.topics import DEFAULT_LIMIT, HotTopic, TicketText, hot_topics
from ticketing.statistics import periods
from ticketing.statistics.periods import Period
from ticketing.statistics.rates import GroupBy
from ticketing.statistics.schemas import DepartmentScoreOut, ScoreTableOut, StatisticsReport, StatisticsRow
from ticketing.statistics.service import StatisticsService
from ticketing.tickets.lifecycle import Role, Status
from ticketing.tickets.models import Ticket

REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
_NOT_MATTERS = (Status.DRAFT.value, Status.REJECTED.value)  # not registered / 不予受理


@dataclass(frozen=True, slots=True)
class RankedScore:
    """A unit's place in the month's ranking (competition ranking: equal totals share a place)."""

    rank: int
    score: DepartmentScoreOut


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """Everything the 通报 of one month shows; renderers read nothing else."""

    month: str
    year: int
    month_number: int
    as_of: datetime
    by_department: StatisticsReport
    by_category: StatisticsReport
    scores: ScoreTableOut
    ranking: tuple[RankedScore, ...]
    topics: tuple[HotTopic, ...]
    topic_tickets: int

    @property
    def title(self) -> str:
        """``12345 政务服务便民热线 2026年11月 工作通报``."""
        return f"12345 政务服务便民热线 {self.year}年{self.month_number}月 工作通报"

    @property
    def total(self) -> StatisticsRow:
        """The 合计 row (the same in both groupings)."""
        return self.by_department.total

    @property
    def has_data(self) -> bool:
        """Whether anything happened: a ticket fact, a call, or a score line or rating."""
        t = self.total
        ticket_facts = t.registered + t.dispatched + t.callbacks + t.returns + t.overdue
        calls = self.by_department.hotline.calls if self.by_department.hotline is not None else 0
        scored = any(
            s.deductions or s.bonuses or s.leadership.rated or s.system.rated for s in self.scores.departments
        )
        return bool(ticket_facts or calls or scored or self.topic_tickets)


def gather(
    session: Session,
    month: str,
    actor: Actor | None = None,
    *,
    now: Clock = utcnow,
    topic_limit: int = DEFAULT_LIMIT,
) -> MonthlyReport:
    """The report of ``month`` (``YYYY-MM``) as of ``now()``; :class:`InvalidInput` for a bad month."""
    reader = actor if actor is not None else Actor.system()
    if reader.role not in REPORT_ROLES:
        raise PermissionDenied(
            "the monthly report is for supervisors and admins",
            allowed_roles=[r.value for r in REPORT_ROLES],
        )
    period = periods.month(month)
    as_of = now()
    service = StatisticsService(session, now=lambda: as_of)
    by_department = service.report(period, GroupBy.DEPARTMENT, reader)
    by_category = service.report(period, GroupBy.CATEGORY, reader)
    scores = service.scores(period.label, reader)
    texts = ticket_texts(session, period, as_of)
    return MonthlyReport(
        month=period.label,
        year=period.first.year,
        month_number=period.first.month,
        as_of=as_of,
        by_department=by_department,
        by_category=by_category,
        scores=scores,
        ranking=rank(scores.departments),
        topics=tuple(hot_topics(texts, limit=topic_limit)),
        topic_tickets=len(texts),
    )


def rank(departments: list[DepartmentScoreOut]) -> tuple[RankedScore, ...]:
    """Units by total, highest first (ties by code); equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(departments, key=lambda d: (-d.total, d.department))
    ranked: list[RankedScore] = []
    for i, score in enumerate(ordered):
        place = ranked[-1].rank if ranked and ranked[-1].score.total == score.total else i + 1
        ranked.append(RankedScore(place, score))
    return tuple(ranked)


def ticket_texts(session: Session, period: Period, as_of: datetime) -> list[TicketText]:
    """Titles and contents of the matters registered in ``period`` (up to ``as_of``) for hot topics.

    Drafts and 不予受理 submissions are not matters; confidential (保密) tickets are left out (R-PRIV).
    """
    stmt = (
        select(Ticket.title, Ticket.content, Ticket.caller_name, Ticket.caller_phone, Ticket.caller_address)
        .where(
            Ticket.created_at >= period.start,
            Ticket.created_at < period.end,
            Ticket.created_at <= as_of,
            Ticket.status.not_in(_NOT_MATTERS),
            Ticket.confidential.is_(False),
        )
        .order_by(Ticket.created_at, Ticket.number)
    )
    return [
        TicketText(r.title, r.content or "", r.caller_name, r.caller_phone, r.caller_address)
        for r in session.execute(stmt)
    ]
