"""The unit side of a work order: 会签 shares (R-KIND, R-FIRST) and the 签收/退件 clock (R-RET).

Pure rules first (no I/O, unit-tested): :class:`ResponseClock` — 退件 the same Shanghai day, 签收 or 退件
within 24 h — and :func:`check`, which decides the co-units' steps:

- ``co_accept`` (会签签收): a co-unit takes up its share; ``co_reply`` (会签回复): it sends its part of the
  answer, after its 签收; ``waive_co_replies``: a supervisor/admin lets the lead reply without the
  co-units still missing (with a reason). None of them changes the ticket's status.
- In a 会签件 (dispatched with ``countersign: true``) the lead unit's final ``reply`` waits for every
  co-unit (``TicketFacts.pending_co_units``, decided by :mod:`ticketing.tickets.lifecycle`). Co-units
  of a plain dispatch assist (协办): they may reply, the lead does not wait. Either way the lead's reply
  event lists the co-unit replies it incorporates.

Then :class:`CountersignService` carries the steps out on stored tickets, one event row each. A share's
progress is per handling round (``Ticket.redo_count``): a 重办 asks the co-units again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ticketing.accounts.actor import Actor
from ticketing.attachments.service import referenced
from ticketing.clock import Clock, utcnow
from ticketing.countersign.models import TicketCountersign, UnitReply
from ticketing.countersign.schemas import CoActionRequest, ShareOut
from ticketing.departments.models import Department
from ticketing.errors import IllegalTransition, InvalidInput, PermissionDenied, StaleVersion
from ticketing.statistics.timeline import RESPONSE_WINDOW
from ticketing.tickets.lifecycle import Role, Status, TicketFacts, allowed_actions
from ticketing.tickets.models import Ticket, TicketAssignment, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
CO_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.PROMISED})


# -- pure rules ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ResponseClock:
    """R-RET for one dispatch: 退件 by the end of its Shanghai day; 签收/退件 within 24 h (as scoring)."""

    dispatched_at: datetime

    @property
    def return_by(self) -> datetime:
        """00:00 (Shanghai) after the day of dispatch: a 退件 at or after it is late."""
        day = self.dispatched_at.astimezone(SHANGHAI).date() + timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def collect_by(self) -> datetime:
        """Dispatch + 24 h: a 签收/退件 strictly after it is late (exactly 24 h is in time, as in scoring)."""
        return self.dispatched_at + RESPONSE_WINDOW

    def return_late(self, at: datetime) -> bool:
        """Whether a 退件 at ``at`` misses the same-day rule."""
        return at >= self.return_by

    def collect_late(self, at: datetime) -> bool:
        """Whether a 签收/退件 at ``at`` misses the 24 h window."""
        return at > self.collect_by

    def flags(self, action: str, at: datetime) -> dict[str, bool]:
        """Event payload flags of a 签收 (``late_collection``) or 退件 (also ``late_return``)."""
        result = {"late_collection": self.collect_late(at)}
        if action == "return":
            result["late_return"] = self.return_late(at)
        return result


class CoAction(StrEnum):
    """The 会签 steps; each value is an API path segment under ``/tickets/{ref}/``."""

    CO_ACCEPT = "co_accept"
    CO_REPLY = "co_reply"
    WAIVE = "waive_co_replies"

    @property
    def label_zh(self) -> str:
        """Chinese label for people."""
        return _CO_LABELS[self.value]


_CO_LABELS = {"co_accept": "会签签收", "co_reply": "会签回复", "waive_co_replies": "免除会签回复"}
_CO_ROLES = {
    CoAction.CO_ACCEPT: frozenset({Role.DEPARTMENT}),
    CoAction.CO_REPLY: frozenset({Role.DEPARTMENT}),
    CoAction.WAIVE: frozenset({Role.SUPERVISOR, Role.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class Share:
    """A unit's active share in a ticket and its progress in the current round."""

    department_id: uuid.UUID
    role: str  # lead | co
    accepted_at: datetime | None = None
    settled: str | None = None  # co-units: "reply" or "waived" once done this round

    @property
    def pending(self) -> bool:
        """A co-unit whose 会签回复 is still missing."""
        return self.role == "co" and self.settled is None


def pending_co_units(shares: Iterable[Share], *, required: bool = True) -> int:
    """How many co-units the lead's reply still waits for (none unless the ticket is a 会签件)."""
    return sum(s.pending for s in shares) if required else 0


def check(
    action: CoAction, status: Status, role: Role, share: Share | None, pending: int, text: str | None = None
) -> None:
    """Refuse a 会签 step like :func:`ticketing.tickets.lifecycle.apply` does: 403 role/unit, 409 state,
    422 input.

    ``share`` is the acting unit's share (``None`` if it has none); ``pending`` the co-units not yet
    replied. ``text`` is the reply (or the waiver's reason).
    """
    if role not in _CO_ROLES[action]:
        raise PermissionDenied(
            f"role {role.value} may not {action.value}", action=action.value, role=role.value
        )
    if status not in CO_STATUSES:
        raise IllegalTransition(
            f"cannot {action.value} ({action.label_zh}) a ticket that is {status.value} ({status.label_zh})",
            action=action.value,
            status=status.value,
        )
    if action is CoAction.WAIVE:
        if pending == 0:
            raise IllegalTransition("no co-unit reply is outstanding", action=action.value)
        if not (text and text.strip()):
            raise InvalidInput("waiving 会签 replies needs a reason", action=action.value)
        return
    if share is None or share.role != "co":
        raise PermissionDenied(f"only a co-unit of this 会签件 may {action.label_zh}", action=action.value)
    if action is CoAction.CO_ACCEPT and share.accepted_at is not None:
        raise IllegalTransition("your unit has already 签收ed its share", action=action.value)
    if action is CoAction.CO_REPLY:
        if share.settled == "reply":
            raise IllegalTransition("your unit has already sent its 会签回复", action=action.value)
        if share.settled == "waived":
            raise IllegalTransition("a leader has waived your unit's 会签回复", action=action.value)
        if share.accepted_at is None:
            raise IllegalTransition("签收 your share (co_accept) before replying", action=action.value)
        if not (text and text.strip()):
            raise InvalidInput("a 会签回复 needs its text", action=action.value)


def unit_actions(facts: TicketFacts, share: Share | None) -> list[str]:
    """What a department user of the unit holding ``share`` may do now (for the UI)."""
    if share is None:
        return []
    if share.role == "lead":
        return [a.value for a in allowed_actions(facts, Role.DEPARTMENT)]
    result = []
    for action in (CoAction.CO_ACCEPT, CoAction.CO_REPLY):
        try:
            check(action, facts.status, Role.DEPARTMENT, share, facts.pending_co_units, text="-")
        except (IllegalTransition, PermissionDenied):
            continue
        result.append(action.value)
    return result


# -- on stored tickets -----------------------------------------------------------------------------
class CountersignService:
    """Read and advance the 会签 shares of stored tickets inside the caller's transaction."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def settlements(self, tickets: Sequence[Ticket]) -> dict[uuid.UUID, UnitReply]:
        """The current-round reply/waiver rows of these tickets, by assignment id."""
        if not tickets:
            return {}
        rounds = {t.id: t.redo_count for t in tickets}
        rows = self._session.scalars(select(UnitReply).where(UnitReply.ticket_id.in_(rounds))).all()
        return {r.assignment_id: r for r in rows if r.redo_round == rounds[r.ticket_id]}

    def required(self, tickets: Sequence[Ticket]) -> set[uuid.UUID]:
        """The ids of those tickets whose current dispatch is a 会签件."""
        if not tickets:
            return set()
        return set(
            self._session.scalars(
                select(TicketCountersign.ticket_id).where(
                    TicketCountersign.ticket_id.in_([t.id for t in tickets]),
                    TicketCountersign.required.is_(True),
                )
            ).all()
        )

    def pending(self, ticket: Ticket) -> int:
        """How many co-units the lead's reply on ``ticket`` still waits for."""
        return pending_co_units(self.shares(ticket), required=bool(self.required([ticket])))

    def set_required(self, ticket: Ticket, required: bool, now: datetime) -> None:
        """Record at dispatch whether the lead must wait for the co-units."""
        row = self._session.get(TicketCountersign, ticket.id)
        if row is None:
            self._session.add(TicketCountersign(ticket_id=ticket.id, required=required, set_at=now))
        else:
            row.required, row.set_at = required, now

    def shares(self, ticket: Ticket, settled: dict[uuid.UUID, UnitReply] | None = None) -> list[Share]:
        """The active shares of ``ticket`` with their progress this round."""
        if settled is None:
            settled = self.settlements([ticket])
        return [
            Share(a.department_id, a.role, a.accepted_at, settled[a.id].kind if a.id in settled else None)
            for a in ticket.assignments
            if a.active
        ]

    def shares_out(self, ticket: Ticket) -> list[ShareOut]:
        """The API view of the active shares (lead first)."""
        settled = self.settlements([ticket])
        units = self._units({a.department_id for a in ticket.assignments})
        result = []
        for a in sorted((a for a in ticket.assignments if a.active), key=lambda a: a.role != "lead"):
            row = settled.get(a.id)
            replied = row is not None and row.kind == "reply"
            result.append(
                ShareOut(
                    department_code=units[a.department_id].code,
                    department_name=units[a.department_id].name,
                    role=a.role,
                    assigned_at=a.assigned_at,
                    accepted_at=a.accepted_at,
                    replied_at=row.at if row is not None and replied else None,
                    reply=row.text if row is not None and replied else None,
                    attachment_ids=[uuid.UUID(i) for i in row.attachment_ids] if row and replied else [],
                    waived=row is not None and row.kind == "waived",
                    waive_reason=row.text if row is not None and not replied else None,
                )
            )
        return result

    def incorporated(self, ticket: Ticket) -> list[dict[str, Any]]:
        """What the lead's final reply incorporates: each co-unit's reply (or the waiver of it)."""
        return [
            {
                "department": s.department_code,
                "waived": s.waived,
                **(
                    {"waive_reason": s.waive_reason}
                    if s.waived
                    else {
                        "replied_at": s.replied_at.isoformat() if s.replied_at else None,
                        "text": s.reply,
                        "attachment_ids": [str(i) for i in s.attachment_ids],
                    }
                ),
            }
            for s in self.shares_out(ticket)
            if s.role == "co"
        ]

    def restart_round(self, ticket: Ticket) -> None:
        """重办: the co-units 签收 and reply again (their earlier replies stay in the history)."""
        for assignment in ticket.assignments:
            if assignment.active and assignment.role == "co":
                assignment.accepted_at = None

    def perform(self, ticket: Ticket, action: CoAction, body: CoActionRequest, actor: Actor) -> Ticket:
        """Do one 会签 step on a loaded, visible ``ticket``; one event row, version bumped."""
        if body.expected_version is not None and body.expected_version != ticket.version:
            raise StaleVersion(
                "the ticket changed since you read it; reload and retry",
                expected_version=body.expected_version,
                current_version=ticket.version,
            )
        shares = self.shares(ticket)
        mine = next((s for s in shares if s.department_id == actor.department_id), None)
        if actor.role is not Role.DEPARTMENT:
            mine = None
        text = body.text or body.reason
        pending = pending_co_units(shares, required=bool(self.required([ticket])))
        check(action, Status(ticket.status), actor.role, mine, pending, text)
        if body.attachment_ids and action is not CoAction.CO_REPLY:
            raise InvalidInput("attachments go with a 会签回复", field="attachment_ids")
        now = self._now()
        units = self._units({s.department_id for s in shares})
        payload: dict[str, Any] = {}
        if action is CoAction.CO_ACCEPT:
            assignment = self._co_assignment(ticket, actor.department_id)
            assignment.accepted_at = now
            clock = ResponseClock(ticket.dispatched_at or assignment.assigned_at)
            payload.update(department=units[assignment.department_id].code, **clock.flags("accept", now))
        elif action is CoAction.CO_REPLY:
            assert text is not None
            assignment = self._co_assignment(ticket, actor.department_id)
            ids = referenced(self._session, ticket, body.attachment_ids)
            self._settle(ticket, assignment.id, assignment.department_id, "reply", text, ids, actor, now)
            payload.update(department=units[assignment.department_id].code, attachment_ids=ids)
        else:
            assert text is not None
            waived = [s for s in shares if s.pending]
            for share in waived:
                assignment = self._co_assignment(ticket, share.department_id)
                self._settle(ticket, assignment.id, share.department_id, "waived", text, [], actor, now)
            payload["waived_departments"] = [units[s.department_id].code for s in waived]
        ticket.updated_at = now
        flag_modified(ticket, "updated_at")  # bump the version: the lead's reply depends on this step
        self._session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                actor_id=actor.user_id,
                actor_role=actor.role.value,
                action=action.value,
                from_status=ticket.status,
                to_status=ticket.status,
                reason=text,
                payload=payload,
            )
        )
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise StaleVersion("another request changed the ticket first; reload and retry") from exc
        return ticket

    def _settle(
        self,
        ticket: Ticket,
        assignment_id: uuid.UUID,
        department_id: uuid.UUID,
        kind: str,
        text: str,
        attachment_ids: list[str],
        actor: Actor,
        now: datetime,
    ) -> None:
        self._session.add(
            UnitReply(
                ticket_id=ticket.id,
                assignment_id=assignment_id,
                department_id=department_id,
                redo_round=ticket.redo_count,
                kind=kind,
                at=now,
                actor_id=actor.user_id,
                text=text,
                attachment_ids=attachment_ids,
            )
        )

    @staticmethod
    def _co_assignment(ticket: Ticket, department_id: uuid.UUID | None) -> TicketAssignment:
        return next(
            a for a in ticket.assignments if a.active and a.role == "co" and a.department_id == department_id
        )

    def _units(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, Department]:
        if not ids:
            return {}
        rows = self._session.scalars(select(Department).where(Department.id.in_(ids))).all()
        return {d.id: d for d in rows}
