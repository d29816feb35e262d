"""Statistics for any period (R-STAT, R-RATES) and monthly department scores (R-SCORE).

Who sees what: supervisors and admins see every unit, the total and the hotline figures; a
``department`` user sees only its own unit (R-STAT: units can see their own records at any time) —
its own row, its own facts in the category view, its own score — and no centre-wide hotline figures.
Agents see none of it. Manual score items are entered and withdrawn by supervisors and admins.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.departments.service import DepartmentService
from ticketing.errors import InvalidInput, NotFound, PermissionDenied
from ticketing.statistics import periods, queries
from ticketing.statistics.models import ScoreItem
from ticketing.statistics.periods import Period
from ticketing.statistics.queries import DepartmentRow
from ticketing.statistics.rates import GroupBy, figures, grouped, hotline, restrict
from ticketing.statistics.schemas import (
    DepartmentScoreOut,
    HotlineOut,
    PeriodOut,
    ScoreItemCreate,
    ScoreItemOut,
    ScoreTableOut,
    StatisticsReport,
    StatisticsRow,
)
from ticketing.statistics.scoring import ManualKind, score
from ticketing.statistics.timeline import Facts, replay
from ticketing.tickets.lifecycle import Role
from ticketing.tickets.service import TicketService

_CENTRE = (Role.SUPERVISOR, Role.ADMIN)
_READERS = (*_CENTRE, Role.DEPARTMENT)


class StatisticsService:
    """Period statistics and monthly scores, with the reader's visibility applied."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    # -- statistics ----------------------------------------------------------------------------------
    def report(
        self, period: Period, group_by: GroupBy, actor: Actor, department: str | None = None
    ) -> StatisticsReport:
        """Figures of ``period`` by unit or by category (optionally of one unit only)."""
        units = queries.departments(self._session)
        unit = self._visible_unit(actor, units, department)
        as_of = self._now()
        facts = replay(queries.ticket_events(self._session, period, as_of), as_of)
        if unit is not None:
            facts = restrict(facts, GroupBy.DEPARTMENT, unit)
        names: dict[str, str]
        if group_by is GroupBy.DEPARTMENT:
            names = {u.code: u.name for u in units}
            keys = [unit] if unit is not None else _unit_keys(units, facts)
        else:
            names = {c.value: c.label_zh for c in Category}
            keys = [c.value for c in Category]
        rows = [
            StatisticsRow.of(row, names.get(row.key or ""))
            for row in grouped(facts, period, as_of, group_by, keys)
        ]
        centre = actor.role in _CENTRE
        calls = hotline(queries.calls(self._session, period), period) if centre else None
        return StatisticsReport(
            period=PeriodOut(from_date=period.first, to_date=period.last, label=period.label),
            group_by=group_by,
            as_of=as_of,
            rows=rows,
            total=StatisticsRow.of(figures(None, facts, period, as_of), "合计"),
            hotline=HotlineOut.of(calls) if calls is not None else None,
        )

    # -- scores --------------------------------------------------------------------------------------
    def scores(self, month: str, actor: Actor) -> ScoreTableOut:
        """Every unit's score in ``month`` (a department user gets only its own)."""
        period = periods.month(month)
        units = queries.departments(self._session)
        unit = self._visible_unit(actor, units, None)
        as_of = self._now()
        facts = replay(queries.ticket_events(self._session, period, as_of), as_of)
        by_code = {u.code: u for u in units}
        chosen = [by_code[unit]] if unit is not None else [by_code[k] for k in _unit_keys(units, facts)]
        items = queries.manual_items(self._session, period.label, [u.id for u in chosen])
        table = [
            DepartmentScoreOut.of(
                score(
                    u.code,
                    period,
                    restrict(facts, GroupBy.DEPARTMENT, u.code),
                    [i for i in items if i.department == u.code],
                    as_of,
                ),
                u.name,
            )
            for u in chosen
        ]
        return ScoreTableOut(month=period.label, as_of=as_of, departments=table)

    def score(self, department: str, month: str, actor: Actor) -> DepartmentScoreOut:
        """One unit's score in ``month`` with every line."""
        period = periods.month(month)
        units = queries.departments(self._session)
        code = self._visible_unit(actor, units, department)
        assert code is not None
        unit = next(u for u in units if u.code == code)
        as_of = self._now()
        facts = restrict(
            replay(queries.ticket_events(self._session, period, as_of), as_of), GroupBy.DEPARTMENT, code
        )
        items = queries.manual_items(self._session, period.label, [unit.id])
        return DepartmentScoreOut.of(score(code, period, facts, items, as_of), unit.name)

    def add_item(self, data: ScoreItemCreate, actor: Actor) -> ScoreItemOut:
        """Record a manual score item (supervisor/admin)."""
        _require(actor, _CENTRE)
        month = periods.month(data.month).label
        unit = DepartmentService(self._session).resolve(data.department)
        kind = ManualKind(data.kind)
        if kind.is_rating:
            if data.rating is None:
                raise InvalidInput(f"{kind.value} needs a rating from 0 to 10", field="rating")
            points = data.rating
        else:
            if data.rating is not None:
                raise InvalidInput(f"{kind.value} has fixed points; give no rating", field="rating")
            fixed = kind.fixed_points
            assert fixed is not None
            points = fixed
        ticket_id: uuid.UUID | None = None
        if data.ticket:
            ticket_id = TicketService(self._session, now=self._now).load(data.ticket, actor).id
        item = ScoreItem(
            department_id=unit.id,
            month=month,
            kind=kind.value,
            points=points,
            reason=data.reason,
            ticket_id=ticket_id,
            created_by=actor.user_id,
            created_at=self._now(),
        )
        self._session.add(item)
        self._session.flush()
        return self._item_out(item)

    def withdraw_item(self, item_id: int, reason: str, actor: Actor) -> ScoreItemOut:
        """Withdraw a manual item: it stays on record but no longer counts (supervisor/admin)."""
        _require(actor, _CENTRE)
        item = self._session.get(ScoreItem, item_id)
        if item is None:
            raise NotFound(f"score item {item_id} does not exist", item=item_id)
        if item.withdrawn_at is not None:
            raise InvalidInput("the item is already withdrawn", item=item_id)
        item.withdrawn_at = self._now()
        item.withdrawn_by = actor.user_id
        item.withdraw_reason = reason
        self._session.flush()
        return self._item_out(item)

    # -- helpers -------------------------------------------------------------------------------------
    def _visible_unit(self, actor: Actor, units: Sequence[DepartmentRow], wanted: str | None) -> str | None:
        """The unit code the answer is limited to (``None``: all); refuses what ``actor`` may not see."""
        _require(actor, _READERS)
        code = DepartmentService(self._session).resolve(wanted).code if wanted is not None else None
        if actor.role is Role.DEPARTMENT:
            own = next((u.code for u in units if u.id == actor.department_id), None)
            if own is None:
                raise PermissionDenied("this account is bound to no unit")
            if code is not None and code != own:
                raise PermissionDenied("a unit sees only its own statistics and score", department=code)
            return own
        return code

    def _item_out(self, item: ScoreItem) -> ScoreItemOut:
        from ticketing.departments.models import Department
        from ticketing.tickets.models import Ticket

        unit = self._session.get(Department, item.department_id)
        ticket = self._session.get(Ticket, item.ticket_id) if item.ticket_id else None
        assert unit is not None
        return ScoreItemOut(
            id=item.id,
            department=unit.code,
            month=item.month,
            kind=ManualKind(item.kind),
            points=item.points,
            reason=item.reason,
            ticket_number=ticket.number if ticket else None,
            created_at=item.created_at,
            withdrawn_at=item.withdrawn_at,
            withdraw_reason=item.withdraw_reason,
        )


def _unit_keys(units: Sequence[DepartmentRow], facts: Facts) -> list[str]:
    """Active units, plus inactive ones that still have facts, by code."""
    seen = {e.department for e in facts.episodes} | {c.department for c in facts.callbacks if c.department}
    return [u.code for u in units if u.active or u.code in seen]


def _require(actor: Actor, roles: tuple[Role, ...]) -> None:
    if actor.role not in roles:
        raise PermissionDenied(
            f"role {actor.role.value} may not do this", allowed_roles=[r.value for r in roles]
        )
