"""Supervision (R-SUP): the overview of what needs a leader's eye, and the daily overdue marks.

The overview reads the tickets' current columns (this is about *now*, not a period: the statistics
replay events for that). Open tickets only, and never a ticket merged into another (并单, it has no
deadline of its own). Buckets:

- **overdue** — ``due_at`` has passed (``due_at < now``, as the ticket list's ``overdue`` filter);
- **due soon** — ``now ≤ due_at < now + due_within_hours`` (24 h by default);
- **supervised** (督办) — the ``supervised`` flag (set by 督办 and 收回);
- **pending instruction** (待批办) — waiting for a leader's 批办;
- **returned** (已退件) — back at the desk, waiting for 改派;
- **extension pending** — a 延期 request awaits approval.

:meth:`SupervisionService.mark_overdue` is the daily job: every open ticket whose deadline passed gets
one ``overdue`` event, dated at the deadline (so the history shows when it became overdue) and carrying
``marked_at``; an :class:`~ticketing.supervision.models.OverdueMark` per (ticket, deadline) makes reruns
no-ops.
A new deadline (延期, 重办) can be marked again when it passes. The mark is an observation, not an
action on the matter: it changes no status and does not bump the ticket's version.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, selectinload

from ticketing.accounts.actor import Actor
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.errors import InvalidInput, PermissionDenied
from ticketing.repeats.models import merged_into_clause
from ticketing.supervision.models import OverdueMark
from ticketing.supervision.schemas import MarkedOut, MarkOverdueOut, OverviewCounts, OverviewItem, OverviewOut
from ticketing.tickets.lifecycle import OPEN_STATUSES, Role, Status
from ticketing.tickets.models import Ticket, TicketEvent

OVERDUE_ACTION = "overdue"
SYSTEM_ROLE = "system"
_READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
_OPEN = sorted(s.value for s in OPEN_STATUSES)


def hours_between(start: datetime, end: datetime) -> float:
    """``end − start`` in hours, to 0.1."""
    return round((end - start).total_seconds() / 3600, 1)


class SupervisionService:
    """The supervision overview (desk roles) and the overdue marking job (system)."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    # -- overview ----------------------------------------------------------------------------------
    def overview(self, actor: Actor, *, due_within_hours: int = 24, limit: int = 50) -> OverviewOut:
        """Counts and lists of the supervision buckets (module docstring)."""
        if actor.role not in _READERS:
            allowed = [r.value for r in _READERS]
            raise PermissionDenied(
                "the supervision overview is for the hotline centre", allowed_roles=allowed
            )
        if not 1 <= due_within_hours <= 24 * 30:
            raise InvalidInput("due_within_hours must be 1..720", field="due_within_hours")
        now = self._now()
        soon = now + timedelta(hours=due_within_hours)
        buckets: dict[str, tuple[ColumnElement[bool], Sequence[Any]]] = {
            "overdue": (Ticket.due_at < now, (Ticket.due_at, Ticket.number)),
            "due_soon": (and_(Ticket.due_at >= now, Ticket.due_at < soon), (Ticket.due_at, Ticket.number)),
            "supervised": (Ticket.supervised.is_(True), (Ticket.due_at, Ticket.number)),
            "pending_instruction": (
                Ticket.status == Status.PENDING_INSTRUCTION.value,
                (Ticket.updated_at, Ticket.number),
            ),
            "returned": (Ticket.status == Status.RETURNED.value, (Ticket.updated_at, Ticket.number)),
            "extension_pending": (Ticket.extension_pending.is_(True), (Ticket.due_at, Ticket.number)),
        }
        counts: dict[str, int] = {}
        lists: dict[str, list[Ticket]] = {}
        for name, (condition, order) in buckets.items():
            counts[name] = self._count(condition)
            lists[name] = self._list(condition, order, limit)
        units = self._units({t.lead_department_id for rows in lists.values() for t in rows})
        return OverviewOut(
            as_of=now,
            due_within_hours=due_within_hours,
            counts=OverviewCounts(**counts),
            **{name: [self._item(t, now, units) for t in rows] for name, rows in lists.items()},
        )

    def _open(self) -> list[ColumnElement[bool]]:
        return [Ticket.status.in_(_OPEN), ~merged_into_clause()]

    def _count(self, condition: ColumnElement[bool]) -> int:
        return self._session.scalar(select(func.count(Ticket.id)).where(*self._open(), condition)) or 0

    def _list(self, condition: ColumnElement[bool], order: Sequence[Any], limit: int) -> list[Ticket]:
        stmt = (
            select(Ticket)
            .options(selectinload(Ticket.assignments))
            .where(*self._open(), condition)
            .order_by(*order)
            .limit(limit)
        )
        return list(self._session.scalars(stmt).all())

    def _item(self, ticket: Ticket, now: datetime, units: dict[uuid.UUID, Department]) -> OverviewItem:
        status = Status(ticket.status)
        lead = units.get(ticket.lead_department_id) if ticket.lead_department_id else None
        due = ticket.due_at
        return OverviewItem(
            id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            category=ticket.category,
            category_label=Category(ticket.category).label_zh,
            status=status,
            status_label=status.label_zh,
            urgency=ticket.urgency,
            unit=lead.code if lead else None,
            unit_name=lead.name if lead else None,
            dispatched_at=ticket.dispatched_at,
            due_at=due,
            hours_overdue=hours_between(due, now) if due is not None and due < now else None,
            hours_left=hours_between(now, due) if due is not None and due >= now else None,
            supervised=ticket.supervised,
            extension_pending=ticket.extension_pending,
        )

    def _units(self, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Department]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        return {d.id: d for d in self._session.scalars(select(Department).where(Department.id.in_(wanted)))}

    # -- the daily job -----------------------------------------------------------------------------
    def mark_overdue(self, at: datetime | None = None) -> MarkOverdueOut:
        """Write one ``overdue`` event per open ticket whose current deadline passed before ``at``."""
        as_of = at or self._now()
        if as_of.tzinfo is None:
            raise InvalidInput("the instant needs a time zone offset (e.g. +08:00)", field="at")
        rows = self._session.scalars(
            select(Ticket)
            .options(selectinload(Ticket.assignments))
            .where(*self._open(), Ticket.due_at < as_of)
            .order_by(Ticket.due_at, Ticket.number)
        ).all()
        marked_keys = self._marked({(t.id, t.due_at) for t in rows if t.due_at is not None})
        units = self._units({t.lead_department_id for t in rows})
        marked: list[MarkedOut] = []
        stamp = self._now()
        for ticket in rows:
            due = ticket.due_at
            assert due is not None
            if (ticket.id, due) in marked_keys:
                continue
            lead = units.get(ticket.lead_department_id) if ticket.lead_department_id else None
            event = TicketEvent(
                ticket_id=ticket.id,
                at=due,
                actor_id=None,
                actor_role=SYSTEM_ROLE,
                action=OVERDUE_ACTION,
                from_status=ticket.status,
                to_status=ticket.status,
                reason="超期: 办理时限届满仍未办结",
                payload={
                    "missed_due_at": due.isoformat(),
                    "department": lead.code if lead else None,
                    "marked_at": stamp.isoformat(),
                },
            )
            self._session.add(event)
            self._session.flush()
            self._session.add(
                OverdueMark(ticket_id=ticket.id, due_at=due, event_id=event.id, marked_at=stamp)
            )
            unit = lead.code if lead else None
            marked.append(MarkedOut(number=ticket.number, due_at=due, event_id=event.id, unit=unit))
        self._session.flush()
        return MarkOverdueOut(as_of=as_of, marked=marked, already_marked=len(rows) - len(marked))

    def _marked(self, keys: set[tuple[uuid.UUID, datetime | None]]) -> set[tuple[uuid.UUID, datetime]]:
        """Which (ticket, deadline) pairs already have their mark."""
        if not keys:
            return set()
        ids = list({ticket_id for ticket_id, _ in keys})
        found: set[tuple[uuid.UUID, datetime]] = set()
        for start in range(0, len(ids), 500):
            stmt = select(OverdueMark.ticket_id, OverdueMark.due_at).where(
                OverdueMark.ticket_id.in_(ids[start : start + 500])
            )
            found.update((r.ticket_id, r.due_at) for r in self._session.execute(stmt))
        return found
