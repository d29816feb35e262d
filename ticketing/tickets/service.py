"""Registering, reading and listing work orders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from ticketing.accounts.actor import Actor
from ticketing.accounts.models import User
from ticketing.calls.drafts import DraftService, EmergencyUnhandled, UnknownDraft
from ticketing.calls.models import Call, TicketDraft
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.service import DepartmentService
from ticketing.errors import InvalidInput, NotFound, PermissionDenied
from ticketing.repeats.models import merged_into_clause
from ticketing.schema_types import Page
from ticketing.tickets import privacy
from ticketing.tickets.lifecycle import (
    OPEN_STATUSES,
    Action,
    HandlingKind,
    Role,
    Status,
    TicketFacts,
    allowed_actions,
)
from ticketing.tickets.models import Ticket, TicketAssignment, TicketEvent
from ticketing.tickets.numbering import next_ticket_number
from ticketing.tickets.schemas import AssignmentOut, EventOut, TicketCreate, TicketOut, TicketQuery

_DESK_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def facts_of(ticket: Ticket) -> TicketFacts:
    """The lifecycle's view of a stored ticket."""
    return TicketFacts(
        status=Status(ticket.status),
        has_lead_unit=ticket.lead_department_id is not None,
        extension_pending=ticket.extension_pending,
        handling_kind=HandlingKind(ticket.handling_kind),
        supervised=ticket.supervised,
        redo_count=ticket.redo_count,
    )


class TicketService:
    """Create, read and list tickets with the reader's visibility and masking applied."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    # -- writing -----------------------------------------------------------------------------------
    def create(self, data: TicketCreate, actor: Actor) -> Ticket:
        """登记 a new work order (or keep it as a 草稿 draft). Writes the first event row."""
        if actor.role not in _DESK_ROLES:
            raise PermissionDenied("only the hotline desk registers tickets", role=actor.role.value)
        now = self._now()
        status = Status.DRAFT if data.as_draft else Status.REGISTERED
        ticket = Ticket(
            id=uuid.uuid4(),
            number=next_ticket_number(self._session, now),
            channel=data.channel.value,
            status=status.value,
            category=data.category.value,
            urgency=data.urgency.value,
            title=data.title,
            content=data.content,
            summary=data.summary,
            location=data.location,
            caller_name=data.caller.name or None,
            caller_phone=data.caller.phone,
            caller_address=data.caller.address or None,
            confidential=data.caller.confidential,
            handling_kind=HandlingKind.TIME_LIMITED.value,
            extension_pending=False,
            supervised=False,
            redo_count=0,
            due_provisional=False,
            call_id=self._call_of(data),
            draft_id=data.draft_id,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        self._session.add(ticket)
        self._session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                actor_id=actor.user_id,
                actor_role=actor.role.value,
                action="create" if data.as_draft else Action.REGISTER.value,
                from_status=None,
                to_status=status.value,
                reason=None,
                payload=self._registration_payload(data),
            )
        )
        self._session.flush()
        if data.draft_id is not None:
            DraftService(self._session, now=self._now).register(data.draft_id, ticket.id)
        return ticket

    def _call_of(self, data: TicketCreate) -> uuid.UUID | None:
        """The ticket's call: the draft's when a draft is named (a different ``call_id`` is refused)."""
        if data.draft_id is None:
            if data.call_id is not None and self._session.get(Call, data.call_id) is None:
                raise InvalidInput(f"call {data.call_id} does not exist", field="call_id")
            return data.call_id
        draft = self._session.get(TicketDraft, data.draft_id)
        if draft is None:
            raise UnknownDraft(f"draft {data.draft_id} does not exist", draft_id=str(data.draft_id))
        if data.call_id is not None and data.call_id != draft.call_id:
            raise InvalidInput("call_id is not the draft's call", field="call_id")
        emergency = (draft.fields or {}).get("emergency")
        if emergency and data.emergency_handled is None:  # R-SCOPE: never an ordinary ticket silently
            raise EmergencyUnhandled(
                f"the draft flags an emergency for {emergency.get('service')}: say whether the caller was "
                "transferred or it is not an emergency (emergency_handled)",
                draft_id=str(data.draft_id), service=emergency.get("service"), cues=emergency.get("cues", []),
            )  # fmt: skip
        return draft.call_id

    @staticmethod
    def _registration_payload(data: TicketCreate) -> dict[str, Any]:
        payload: dict[str, Any] = {"channel": data.channel.value, "category": data.category.value}
        if data.draft_id is not None:
            payload["draft_id"] = str(data.draft_id)
        if data.emergency_handled is not None:
            payload["emergency_handled"] = data.emergency_handled
        return payload

    # -- reading -----------------------------------------------------------------------------------
    def load(self, ref: str, actor: Actor, *, for_update: bool = False) -> Ticket:
        """The ticket with id or number ``ref`` if ``actor`` may see it, else :class:`NotFound`."""
        stmt = select(Ticket).options(selectinload(Ticket.assignments))
        try:
            stmt = stmt.where(Ticket.id == uuid.UUID(ref))
        except ValueError:
            stmt = stmt.where(Ticket.number == ref)
        if for_update:
            stmt = stmt.with_for_update()
        ticket = self._session.scalar(stmt)
        # An invisible ticket is reported as missing: a unit must not learn what exists elsewhere.
        if ticket is None or not privacy.can_see(ticket, actor):
            raise NotFound(f"ticket {ref!r} does not exist", ticket=ref)
        return ticket

    def get(self, ref: str, actor: Actor) -> TicketOut:
        """One ticket with full caller identity where allowed; the identity read is audited."""
        ticket = self.load(ref, actor)
        if not privacy.identity_withheld(ticket, actor):
            privacy.audit_identity_read(self._session, ticket, actor, self._now())
        return self.to_out(ticket, actor, full=True)

    def find(self, query: TicketQuery, actor: Actor) -> Page[TicketOut]:
        """A page of tickets matching ``query`` that ``actor`` may see, newest first."""
        stmt = privacy.restrict_to_visible(self.filtered(query), actor)
        if query.caller_phone:
            if actor.role is Role.DEPARTMENT:
                raise PermissionDenied("departments cannot search by caller", field="caller_phone")
            privacy.audit_caller_search(self._session, query.caller_phone, actor, self._now())
        total = self._session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        rows = self._session.scalars(
            stmt.options(selectinload(Ticket.assignments))
            .order_by(Ticket.created_at.desc(), Ticket.number.desc())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).all()
        departments = self._departments({a.department_id for t in rows for a in t.assignments})
        return Page[TicketOut](
            items=[self.to_out(t, actor, full=False, departments=departments) for t in rows],
            total=total or 0,
            page=query.page,
            page_size=query.page_size,
        )

    def filtered(self, query: TicketQuery) -> Select[Ticket]:
        """The ``SELECT`` for ``query``'s filters (no visibility, order or paging)."""
        stmt = select(Ticket)
        if not query.include_merged:
            stmt = stmt.where(~merged_into_clause())
        if query.status:
            stmt = stmt.where(Ticket.status.in_([s.value for s in query.status]))
        if query.category:
            stmt = stmt.where(Ticket.category.in_([c.value for c in query.category]))
        if query.caller_phone:
            stmt = stmt.where(Ticket.caller_phone == query.caller_phone)
        if query.created_from:
            stmt = stmt.where(Ticket.created_at >= _aware(query.created_from, "created_from"))
        if query.created_to:
            stmt = stmt.where(Ticket.created_at < _aware(query.created_to, "created_to"))
        if query.department:
            department = DepartmentService(self._session).resolve(query.department)
            # EXISTS, not IN (subquery): SQLite would materialise every matching id and sort full rows.
            stmt = stmt.where(
                exists(
                    select(TicketAssignment.id).where(
                        TicketAssignment.ticket_id == Ticket.id,
                        TicketAssignment.department_id == department.id,
                        TicketAssignment.active.is_(True),
                    )
                )
            )
        now = self._now()
        open_values = [s.value for s in OPEN_STATUSES]
        if query.overdue is True:
            stmt = stmt.where(Ticket.status.in_(open_values), Ticket.due_at < now)
        elif query.overdue is False:
            stmt = stmt.where(
                (Ticket.due_at.is_(None)) | (Ticket.due_at >= now) | Ticket.status.not_in(open_values)
            )
        if query.due_within_hours:
            stmt = stmt.where(
                Ticket.status.in_(open_values),
                Ticket.due_at >= now,
                Ticket.due_at < now + timedelta(hours=query.due_within_hours),
            )
        return stmt

    def events(self, ref: str, actor: Actor) -> list[EventOut]:
        """The ticket's history, oldest first."""
        ticket = self.load(ref, actor)
        rows = self._session.execute(
            select(TicketEvent, User.username)
            .outerjoin(User, User.id == TicketEvent.actor_id)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.at, TicketEvent.id)
        ).all()
        return [
            EventOut(
                id=event.id,
                at=event.at,
                actor=username or ("system" if event.actor_id is None else None),
                actor_role=event.actor_role,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                reason=event.reason,
                payload=event.payload or {},
            )
            for event, username in rows
        ]

    # -- views -------------------------------------------------------------------------------------
    def to_out(
        self,
        ticket: Ticket,
        actor: Actor,
        *,
        full: bool,
        departments: dict[uuid.UUID, Department] | None = None,
    ) -> TicketOut:
        """The API view of ``ticket`` for ``actor`` (pass ``departments`` to avoid a query per ticket)."""
        now = self._now()
        status = Status(ticket.status)
        if departments is None:
            departments = self._departments({a.department_id for a in ticket.assignments})
        return TicketOut(
            id=ticket.id,
            number=ticket.number,
            version=ticket.version,
            channel=ticket.channel,
            status=status,
            status_label=status.label_zh,
            category=ticket.category,
            category_label=_category_label(ticket.category),
            urgency=ticket.urgency,
            title=ticket.title,
            content=ticket.content,
            summary=ticket.summary,
            location=ticket.location,
            caller=privacy.caller_view(ticket, actor, full=full),
            handling_kind=HandlingKind(ticket.handling_kind),
            extension_pending=ticket.extension_pending,
            supervised=ticket.supervised,
            redo_count=ticket.redo_count,
            knowledge_ref=ticket.knowledge_ref,
            promised_date=ticket.promised_date,
            dispatched_at=ticket.dispatched_at,
            due_at=ticket.due_at,
            due_provisional=ticket.due_provisional,
            overdue=bool(status.is_open and ticket.due_at is not None and ticket.due_at < now),
            satisfaction=ticket.satisfaction,
            call_id=ticket.call_id,
            draft_id=ticket.draft_id,
            assignments=[
                AssignmentOut(
                    department_id=a.department_id,
                    department_code=departments[a.department_id].code,
                    department_name=departments[a.department_id].name,
                    role=a.role,
                    active=a.active,
                    assigned_at=a.assigned_at,
                    accepted_at=a.accepted_at,
                )
                for a in ticket.assignments
            ],
            allowed_actions=allowed_actions(facts_of(ticket), actor.role),
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            closed_at=ticket.closed_at,
        )

    def _departments(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, Department]:
        if not ids:
            return {}
        rows: Sequence[Department] = self._session.scalars(
            select(Department).where(Department.id.in_(ids))
        ).all()
        return {d.id: d for d in rows}


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(f"{field} needs a time zone offset (e.g. +08:00)", field=field)
    return value


def _category_label(code: str) -> str:
    from ticketing.categories import Category

    return Category(code).label_zh
