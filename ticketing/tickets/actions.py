"""Carrying out lifecycle actions on stored tickets: validate, decide (pure), persist, record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ticketing.accounts.actor import Actor
from ticketing.attachments.service import referenced
from ticketing.calendar.workdays import WorkCalendar
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.countersign.service import CountersignService, ResponseClock
from ticketing.departments.models import Department
from ticketing.departments.service import DepartmentService
from ticketing.errors import IllegalTransition, InvalidInput, PermissionDenied, StaleVersion
from ticketing.knowledge.service import KnowledgeService
from ticketing.repeats.models import TicketMerge
from ticketing.tickets.deadlines import due_for
from ticketing.tickets.lifecycle import Action, ActionInput, Role, Satisfaction, Status, Transition, apply
from ticketing.tickets.models import Ticket, TicketAssignment, TicketEvent
from ticketing.tickets.schemas import ActionRequest
from ticketing.tickets.service import TicketService, facts_of

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Department actions are taken by the lead unit (首接负责制, R-FIRST); co-units join in the reply.
_LEAD_UNIT_ACTIONS = frozenset(
    {Action.ACCEPT, Action.RETURN_TICKET, Action.PROMISE, Action.REQUEST_EXTENSION, Action.REPLY}
)
# Actions that may cite uploaded attachments (recorded in the event payload).
_WITH_ATTACHMENTS = frozenset({Action.REPLY, Action.PROMISE, Action.REQUEST_EXTENSION})


class ActionService:
    """Apply one lifecycle action to one ticket inside the caller's transaction."""

    def __init__(self, session: Session, calendar: WorkCalendar, *, now: Clock = utcnow) -> None:
        self._session = session
        self._calendar = calendar
        self._now = now
        self._tickets = TicketService(session, now=now)
        self._countersign = CountersignService(session, now=now)

    def perform(self, ref: str, action: Action, request: ActionRequest, actor: Actor) -> Ticket:
        """Do ``action`` on ticket ``ref`` as ``actor``; raises a :class:`TicketingError` on refusal.

        Optimistic locking: pass ``expected_version`` to refuse acting on a ticket that changed since
        it was read; concurrent writers that both pass the check are caught at flush time.
        """
        ticket = self._tickets.load(ref, actor)
        if request.expected_version is not None and request.expected_version != ticket.version:
            raise StaleVersion(
                "the ticket changed since you read it; reload and retry",
                expected_version=request.expected_version,
                current_version=ticket.version,
            )
        merge = self._session.get(TicketMerge, ticket.id)
        if merge is not None:
            target = self._session.get(Ticket, merge.target_ticket_id)
            into = target.number if target else None
            raise IllegalTransition(
                f"ticket {ticket.number} was merged (并单) into {into}; act on that one",
                action=action.value,
                status=ticket.status,
                merged_into=into,
            )
        lead_only = actor.role is Role.DEPARTMENT and action in _LEAD_UNIT_ACTIONS
        if lead_only and ticket.lead_department_id != actor.department_id:
            raise PermissionDenied("only the lead unit may do this", action=action.value)
        lead, co = self._units(action, request)
        if request.attachment_ids and action not in _WITH_ATTACHMENTS:
            raise InvalidInput(
                f"attachments cannot go with {action.value} ({action.label_zh})", field="attachment_ids"
            )
        attachment_ids = referenced(self._session, ticket, request.attachment_ids)
        result = request.result_satisfaction or request.satisfaction
        # 会签: the lead's reply waits for the co-units (a fact the pure lifecycle decides on).
        facts = replace(facts_of(ticket), pending_co_units=self._countersign.pending(ticket))
        transition = apply(
            facts,
            action,
            actor.role,
            ActionInput(
                reason=request.reason,
                lead_unit=lead is not None,
                satisfaction=result,
                has_promised_date=request.promised_date is not None,
                has_knowledge_ref=request.knowledge_ref is not None,
                has_new_due_date=request.new_due_date is not None,
                co_units=len(co) if request.countersign else 0,
            ),
        )
        now = self._now()
        payload = self._effects(ticket, transition, request, lead, co, now)
        if attachment_ids:
            payload["attachment_ids"] = attachment_ids
        ended = transition.before.extension_pending and not transition.after.extension_pending
        if ended and action not in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
            # A reply or re-dispatch ends the pending 延期 request; keep that in the history.
            payload["extension_request_withdrawn"] = True
        ticket.status = transition.to_status.value
        ticket.extension_pending = transition.after.extension_pending
        ticket.handling_kind = transition.after.handling_kind.value
        ticket.supervised = transition.after.supervised
        ticket.redo_count = transition.after.redo_count
        ticket.updated_at = now
        # Every action bumps the version, even one that changes no column (催办 under a frozen clock).
        flag_modified(ticket, "updated_at")
        self._session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                actor_id=actor.user_id,
                actor_role=actor.role.value,
                action=action.value,
                from_status=transition.from_status.value,
                to_status=transition.to_status.value,
                reason=request.reason,
                payload=payload,
            )
        )
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise StaleVersion("another request changed the ticket first; reload and retry") from exc
        return ticket

    def _units(self, action: Action, request: ActionRequest) -> tuple[Department | None, list[Department]]:
        if action not in (Action.DISPATCH, Action.INSTRUCT):
            return None, []
        if not request.lead_department:
            return None, []
        if request.countersign and not request.co_departments:
            raise InvalidInput("a 会签件 (countersign) needs co-units", field="co_departments")
        departments = DepartmentService(self._session)
        lead = departments.resolve(request.lead_department, active_only=True)
        co = [departments.resolve(ref, active_only=True) for ref in request.co_departments]
        ids = [lead.id, *(d.id for d in co)]
        if len(set(ids)) != len(ids):
            raise InvalidInput("a unit appears twice among lead and co-units", field="co_departments")
        return lead, co

    def _effects(
        self,
        ticket: Ticket,
        transition: Transition,
        request: ActionRequest,
        lead: Department | None,
        co: list[Department],
        now: datetime,
    ) -> dict[str, Any]:
        """Persist what the transition implies beyond the status; return the event payload."""
        action = transition.action
        payload: dict[str, Any] = {}
        if action in (Action.DISPATCH, Action.INSTRUCT) and lead is not None:
            self._end_assignments(ticket, now)
            ticket.assignments.append(
                TicketAssignment(department_id=lead.id, role="lead", active=True, assigned_at=now)
            )
            for unit in co:
                ticket.assignments.append(
                    TicketAssignment(department_id=unit.id, role="co", active=True, assigned_at=now)
                )
            payload.update(lead_department=lead.code, co_departments=[d.code for d in co])
            self._countersign.set_required(ticket, request.countersign, now)
            if request.countersign:
                payload["countersign"] = True
        if transition.starts_deadline:
            deadline = due_for(Category(ticket.category), now, self._calendar)
            ticket.dispatched_at = now
            ticket.due_at = deadline.due_at
            ticket.due_provisional = deadline.provisional
            ticket.promised_date = None
            ticket.closed_at = None
            payload.update(due_at=deadline.due_at.isoformat(), due_provisional=deadline.provisional)
        if action in (Action.ACCEPT, Action.RETURN_TICKET) and ticket.dispatched_at is not None:
            # R-RET: same-day 退件 and 24 h 签收/退件; scoring computes the same from the timestamps.
            payload.update(ResponseClock(ticket.dispatched_at).flags(action.value, now))
        if action is Action.REPLY and any(a.active and a.role == "co" for a in ticket.assignments):
            payload["co_replies"] = self._countersign.incorporated(ticket)
        if action is Action.ACCEPT:
            for assignment in ticket.assignments:
                if assignment.active and assignment.role == "lead":
                    assignment.accepted_at = now
        elif action in (Action.RETURN_TICKET, Action.RECALL):
            payload["from_department"] = str(ticket.lead_department_id)
            self._end_assignments(ticket, now)
            ticket.due_at = None
            ticket.due_provisional = False
        elif action is Action.ANSWER_DIRECTLY:
            assert request.knowledge_ref is not None
            # 直办 answers from a published standard answer valid today (R-KB); the event keeps the exact
            # version read out, so later edits of the article never change what was answered.
            cited = KnowledgeService(self._session, now=self._now).cite(request.knowledge_ref)
            ticket.knowledge_ref = cited.code
            ticket.closed_at = now
            payload.update(
                knowledge_ref=cited.code,
                knowledge_article_id=str(cited.article_id),
                knowledge_version=cited.version,
                knowledge_title=cited.title,
            )
        elif action is Action.PROMISE:
            assert request.promised_date is not None
            self._require_future(request.promised_date, now, "promised_date")
            ticket.promised_date = request.promised_date
            payload["promised_date"] = request.promised_date.isoformat()
        elif action is Action.REQUEST_EXTENSION and request.new_due_date is not None:
            payload["requested_due_date"] = request.new_due_date.isoformat()
        elif action is Action.APPROVE_EXTENSION:
            assert request.new_due_date is not None
            self._require_future(request.new_due_date, now, "new_due_date")
            new_due = _end_of_day_utc(request.new_due_date)
            if ticket.due_at is not None and new_due <= ticket.due_at:
                raise InvalidInput(
                    "the new due date must be later than the current one", field="new_due_date"
                )
            payload.update(old_due_at=ticket.due_at.isoformat() if ticket.due_at else None)
            ticket.due_at = new_due
            ticket.due_provisional = False
            payload["due_at"] = new_due.isoformat()
        elif action is Action.CLOSE:
            ticket.closed_at = now
        elif action is Action.CALLBACK:
            assert request.satisfaction is not None
            result = request.result_satisfaction or request.satisfaction
            ticket.satisfaction = request.satisfaction.value
            ticket.result_satisfaction = result.value
            payload.update(satisfaction=request.satisfaction.value, result_satisfaction=result.value)
            if result is Satisfaction.UNSATISFIED and transition.to_status is Status.REGISTERED:
                ticket.closed_at = None
            if transition.to_status is Status.DISPATCHED:
                self._countersign.restart_round(ticket)
        return payload

    def _end_assignments(self, ticket: Ticket, now: datetime) -> None:
        for assignment in ticket.assignments:
            if assignment.active:
                assignment.active = False
                assignment.ended_at = now

    @staticmethod
    def _require_future(day: date, now: datetime, field: str) -> None:
        if day < now.astimezone(SHANGHAI).date():
            raise InvalidInput(f"{field} lies in the past", field=field)


def _end_of_day_utc(day: date) -> datetime:
    """The end of ``day`` in Shanghai (i.e. 00:00 of the next day), as UTC."""
    from datetime import timedelta

    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)
