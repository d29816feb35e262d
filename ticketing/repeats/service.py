"""Repeat matters (并单): find earlier tickets of the same caller about the same problem, and merge.

Candidates (:meth:`RepeatService.candidates`) follow the pure rule of :mod:`ticketing.repeats.similarity`
over the tickets of the same caller phone registered in the window before the new one (drafts and tickets
already merged elsewhere are left out). Looking tickets up by the caller's phone is a caller search
and is audited like one (R-PRIV).

Merging (:meth:`RepeatService.merge`) links a newly registered ticket to an earlier **open** one
instead of dispatching the same matter twice:

- The lifecycle has no status for "merged", and a 不予受理 rejection would be false (the matter is
  accepted — it is handled under the earlier ticket). So the merged ticket keeps its status
  (``registered``) and gets a ``ticket_merges`` row, the ``merged_into`` link; a ticket is merged at
  most once (the row's primary key).
- Both tickets get a ``merge_repeat`` event (from = to = current status, who, when, reason) and a
  version bump. Only the **target's** event may carry ``policy_not_carried_out: true`` with the
  charged unit in ``payload.department`` — that is the event the monthly score counts once as
  ``R-SCORE.repeat`` −1 (:mod:`ticketing.statistics.timeline`); the merged ticket's event names it in
  ``deduction_event_id``. The charged unit defaults to the target's lead unit; a target with no lead
  unit needs ``department`` named explicitly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ticketing.accounts.actor import Actor
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.service import DepartmentService
from ticketing.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied, StaleVersion
from ticketing.knowledge.tokens import tokenize
from ticketing.repeats import similarity as repeats
from ticketing.repeats.models import TicketMerge, merged_into_clause
from ticketing.repeats.schemas import (
    CandidateOut,
    MergeLinkOut,
    MergeRequest,
    RepeatCandidatesOut,
    RulesOut,
)
from ticketing.repeats.similarity import RepeatRules
from ticketing.tickets import privacy
from ticketing.tickets.lifecycle import OPEN_STATUSES, Role, Status
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.tickets.service import TicketService

MERGE_ACTION = "merge_repeat"  # the action name ticketing.statistics.timeline counts
DEFAULT_REASON = "并单: 同一来电人重复反映同一问题"
MAX_EARLIER = 500  # tickets of one caller looked at per lookup
_DESK = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class AlreadyMerged(Conflict):
    """The ticket is already linked to another one."""

    error_id = "already_merged"


class NotSameCaller(InvalidInput):
    """Only the same caller's tickets are repeats (R-SCORE: 同一来电人重复反映)."""

    error_id = "not_same_caller"


def ticket_tokens(ticket: Ticket) -> tuple[str, ...]:
    """The matter tokens of a ticket's title and content."""
    return repeats.matter_tokens([*tokenize(ticket.title), *tokenize(ticket.content)])


def matter_of(ticket: Ticket) -> repeats.Matter:
    """The pure rule's view of a stored ticket."""
    return repeats.Matter(
        id=ticket.id,
        number=ticket.number,
        caller_phone=ticket.caller_phone,
        category=ticket.category,
        created_at=ticket.created_at,
        tokens=ticket_tokens(ticket),
    )


class RepeatService:
    """Repeat candidates and merging, for the hotline desk (agents, supervisors, admins)."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now
        self._tickets = TicketService(session, now=now)

    # -- reading -----------------------------------------------------------------------------------
    def candidates(self, ref: str, actor: Actor, rules: RepeatRules | None = None) -> RepeatCandidatesOut:
        """Earlier tickets of the same caller that repeat ticket ``ref`` (most similar first)."""
        _require_desk(actor)
        rules = rules or RepeatRules()
        ticket = self._tickets.load(ref, actor)
        found: list[repeats.Candidate] = []
        rows: dict[uuid.UUID, Ticket] = {}
        if ticket.caller_phone:
            privacy.audit_caller_search(self._session, ticket.caller_phone, actor, self._now())
            rows = {t.id: t for t in self._earlier(ticket, rules)}
            found = repeats.rank(matter_of(ticket), [matter_of(t) for t in rows.values()], rules)
        units = self._units({t.lead_department_id for t in rows.values()} - {None})
        return RepeatCandidatesOut(
            ticket=ticket.number,
            rules=RulesOut(window_days=rules.window_days, threshold=rules.threshold, measure=rules.measure),
            merged_into=self._link_of(ticket.id),
            merged_here=self._links_into(ticket.id),
            candidates=[self._candidate_out(rows[c.matter.id], c, units) for c in found],
        )

    def _earlier(self, ticket: Ticket, rules: RepeatRules) -> Sequence[Ticket]:
        stmt = (
            select(Ticket)
            .options(selectinload(Ticket.assignments))
            .where(
                Ticket.caller_phone == ticket.caller_phone,
                Ticket.id != ticket.id,
                Ticket.status != Status.DRAFT.value,
                Ticket.created_at >= ticket.created_at - rules.window,
                Ticket.created_at <= ticket.created_at,
                ~merged_into_clause(),
            )
            .order_by(Ticket.created_at.desc())
            .limit(MAX_EARLIER)
        )
        return self._session.scalars(stmt).all()

    def _candidate_out(
        self, ticket: Ticket, found: repeats.Candidate, units: dict[uuid.UUID, Department]
    ) -> CandidateOut:
        status = Status(ticket.status)
        lead = units.get(ticket.lead_department_id) if ticket.lead_department_id else None
        return CandidateOut(
            id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            category=ticket.category,
            category_label=Category(ticket.category).label_zh,
            status=status,
            status_label=status.label_zh,
            created_at=ticket.created_at,
            due_at=ticket.due_at,
            lead_department=lead.code if lead else None,
            lead_department_name=lead.name if lead else None,
            mergeable=status in OPEN_STATUSES,
            score=round(found.score, 4),
            jaccard=found.similarity.jaccard,
            cosine=found.similarity.cosine,
            shared_tokens=list(found.similarity.shared),
        )

    # -- merging -----------------------------------------------------------------------------------
    def merge(self, ref: str, request: MergeRequest, actor: Actor) -> MergeLinkOut:
        """Link ticket ``ref`` (newly registered) to the earlier open ticket ``request.into``."""
        _require_desk(actor)
        new = self._tickets.load(ref, actor, for_update=True)
        if request.expected_version is not None and request.expected_version != new.version:
            raise StaleVersion(
                "the ticket changed since you read it; reload and retry",
                expected_version=request.expected_version,
                current_version=new.version,
            )
        target = self._tickets.load(request.into, actor, for_update=True)
        self._check(new, target)
        charged = self._charged_unit(target, request)
        now = self._now()
        reason = request.reason or DEFAULT_REASON
        similarity = repeats.similarity(ticket_tokens(new), ticket_tokens(target))
        target_payload: dict[str, Any] = {
            "side": "target",
            "merged_ticket": new.number,
            "merged_ticket_id": str(new.id),
            "jaccard": similarity.jaccard,
            "cosine": similarity.cosine,
            "policy_not_carried_out": request.policy_not_carried_out,
        }
        if charged is not None:
            target_payload["department"] = charged.code
        target_event = self._event(target, actor, now, reason, target_payload)
        self._session.flush()  # the target event's id goes into the merged ticket's event
        merged_event = self._event(
            new,
            actor,
            now,
            reason,
            {
                "side": "merged",
                "merged_into": target.number,
                "merged_into_id": str(target.id),
                "jaccard": similarity.jaccard,
                "cosine": similarity.cosine,
                "deduction_event_id": target_event.id if request.policy_not_carried_out else None,
            },
        )
        self._session.flush()
        link = TicketMerge(
            merged_ticket_id=new.id,
            target_ticket_id=target.id,
            policy_not_carried_out=request.policy_not_carried_out,
            charged_department_id=charged.id if charged else None,
            merged_event_id=merged_event.id,
            target_event_id=target_event.id,
            created_by=actor.user_id,
            created_at=now,
        )
        self._session.add(link)
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise StaleVersion("another request changed a ticket first; reload and retry") from exc
        return MergeLinkOut(
            merged_ticket=new.number,
            target_ticket=target.number,
            policy_not_carried_out=link.policy_not_carried_out,
            department=charged.code if charged else None,
            merged_event_id=merged_event.id,
            target_event_id=target_event.id,
            created_at=now,
        )

    def _check(self, new: Ticket, target: Ticket) -> None:
        if new.id == target.id:
            raise InvalidInput("a ticket cannot be merged into itself", field="into")
        if self._session.get(TicketMerge, new.id) is not None:
            raise AlreadyMerged(f"ticket {new.number} is already merged", ticket=new.number)
        if self._session.get(TicketMerge, target.id) is not None:
            raise AlreadyMerged(
                f"ticket {target.number} is itself merged; merge into the ticket it is linked to",
                ticket=target.number,
            )
        if new.status != Status.REGISTERED.value:
            raise IllegalTransition(
                "only a registered ticket not yet dispatched can be merged (并单)",
                status=new.status,
                allowed_from=[Status.REGISTERED.value],
            )
        if Status(target.status) not in OPEN_STATUSES:
            raise IllegalTransition(
                f"ticket {target.number} is {target.status}: merge only into an open ticket",
                status=target.status,
                allowed_from=sorted(s.value for s in OPEN_STATUSES),
            )
        if (target.created_at, target.number) >= (new.created_at, new.number):
            raise InvalidInput("merge a newer ticket into an earlier one", field="into")
        if not new.caller_phone or new.caller_phone != target.caller_phone:
            raise NotSameCaller("only tickets of the same caller phone can be merged", field="into")

    def _charged_unit(self, target: Ticket, request: MergeRequest) -> Department | None:
        if not request.policy_not_carried_out:
            if request.department is not None:
                raise InvalidInput("department is only for policy_not_carried_out merges", field="department")
            return None
        if request.department is not None:
            return DepartmentService(self._session).resolve(request.department)
        lead = target.lead_department_id
        if lead is None:
            raise InvalidInput(
                f"ticket {target.number} has no lead unit: name the unit that did not act",
                field="department",
            )
        unit = self._session.get(Department, lead)
        assert unit is not None
        return unit

    def _event(
        self, ticket: Ticket, actor: Actor, now: datetime, reason: str, payload: dict[str, Any]
    ) -> TicketEvent:
        ticket.updated_at = now
        flag_modified(ticket, "updated_at")  # bumps the version even under a frozen clock
        event = TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            action=MERGE_ACTION,
            from_status=ticket.status,
            to_status=ticket.status,
            reason=reason,
            payload=payload,
        )
        self._session.add(event)
        return event

    # -- links -------------------------------------------------------------------------------------
    def _link_of(self, ticket_id: uuid.UUID) -> MergeLinkOut | None:
        links = self._links(TicketMerge.merged_ticket_id == ticket_id)
        return links[0] if links else None

    def _links_into(self, ticket_id: uuid.UUID) -> list[MergeLinkOut]:
        return self._links(TicketMerge.target_ticket_id == ticket_id)

    def _links(self, condition: Any) -> list[MergeLinkOut]:
        merged, target = aliased(Ticket), aliased(Ticket)
        stmt = (
            select(TicketMerge, merged.number, target.number, Department.code)
            .join(merged, merged.id == TicketMerge.merged_ticket_id)
            .join(target, target.id == TicketMerge.target_ticket_id)
            .outerjoin(Department, Department.id == TicketMerge.charged_department_id)
            .where(condition)
            .order_by(TicketMerge.created_at, merged.number)
        )
        return [
            MergeLinkOut(
                merged_ticket=merged_number,
                target_ticket=target_number,
                policy_not_carried_out=link.policy_not_carried_out,
                department=code,
                merged_event_id=link.merged_event_id,
                target_event_id=link.target_event_id,
                created_at=link.created_at,
            )
            for link, merged_number, target_number, code in self._session.execute(stmt)
        ]

    def _units(self, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Department]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        return {d.id: d for d in self._session.scalars(select(Department).where(Department.id.in_(wanted)))}


def _require_desk(actor: Actor) -> None:
    if actor.role not in _DESK:
        raise PermissionDenied(
            "repeat matters are the hotline desk's work", allowed_roles=[r.value for r in _DESK]
        )
