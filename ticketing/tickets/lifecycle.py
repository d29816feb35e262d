"""The 12345 work-order lifecycle as a pure state machine (no I/O).

``apply(facts, action, role)`` takes what is known about a ticket (:class:`TicketFacts`), one
:class:`Action` and the acting role, and returns a :class:`Transition` (the new facts plus what the
caller must record), or raises :class:`~ticketing.errors.IllegalTransition` /
:class:`~ticketing.errors.PermissionDenied`. The service layer persists the result and writes one
``TicketEvent`` per transition, so the lifecycle is replayable from the event rows.

Paths (seed rules in brackets)::

    draft ──register──▶ registered ──answer_directly (直办)──▶ completed            [R-MODE]
      │                    │ ──dispatch (交办 / 会签)──▶ dispatched                  [R-MODE, R-KIND]
      └──reject──▶ rejected◀┤ ──escalate (批办)──▶ pending_instruction ──instruct──▶ dispatched
                            └ (不予受理, reason)                                       [R-SCOPE]
    dispatched ──accept (签收)──▶ in_progress ──reply──▶ replied ──close (办结)──▶ completed
        └──return_ticket (退件, reason)──▶ returned ──dispatch (改派) | escalate      [R-RET]
    in_progress ──promise (承诺件: date + interim reply)──▶ promised ──reply──▶ replied
    completed ──callback satisfied──▶ archived; unsatisfied──▶ dispatched (重办) or
              registered (直办 tickets go back to the desk); archive (review) ──▶ archived  [R-CB, R-REDO]
    request_extension / approve_extension / deny_extension (延期) while in_progress or promised
    urge (催办) / supervise (督办): any open state, status unchanged                   [R-SUP]
    recall (收回): a leader takes a dispatched/in-progress matter back from a unit that does not act,
              for a new instruction (批办) and re-dispatch                              [R-SUP, R-FIRST]

会签件 (R-KIND, R-FIRST): the lead unit's ``reply`` waits for every co-unit's 会签回复. The service passes
that progress in as a fact (``TicketFacts.pending_co_units``: co-units that have neither replied nor been
waived by a leader); the co-units' own steps (会签签收 / 会签回复 / 免除) are decided by the pure rules in
:mod:`ticketing.countersign.service` and leave the status unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from ticketing.errors import IllegalTransition, InvalidInput, PermissionDenied


class Status(StrEnum):
    """Where a work order stands."""

    DRAFT = "draft"  # 草稿: created with the call, not yet registered
    REGISTERED = "registered"  # 已登记
    PENDING_INSTRUCTION = "pending_instruction"  # 待批办: waiting for a leader's instruction
    DISPATCHED = "dispatched"  # 已交办, waiting for the unit's 签收
    RETURNED = "returned"  # 已退件: back at the dispatch desk for 改派
    IN_PROGRESS = "in_progress"  # 办理中 (限时件)
    PROMISED = "promised"  # 承诺办理中 (承诺件)
    REPLIED = "replied"  # 已回复, waiting for the centre to close it
    COMPLETED = "completed"  # 办结, waiting for the callback (回访)
    ARCHIVED = "archived"  # 归档
    REJECTED = "rejected"  # 不予受理

    @property
    def label_zh(self) -> str:
        """Chinese label for people."""
        return _STATUS_ZH[self]

    @property
    def is_open(self) -> bool:
        """Open tickets count for deadlines, supervision and the overdue query."""
        return self in OPEN_STATUSES


_STATUS_ZH = {
    Status.DRAFT: "草稿",
    Status.REGISTERED: "已登记",
    Status.PENDING_INSTRUCTION: "待批办",
    Status.DISPATCHED: "已交办",
    Status.RETURNED: "已退件",
    Status.IN_PROGRESS: "办理中",
    Status.PROMISED: "承诺办理中",
    Status.REPLIED: "已回复",
    Status.COMPLETED: "已办结",
    Status.ARCHIVED: "已归档",
    Status.REJECTED: "不予受理",
}

# Statuses in which the ticket is still being handled (deadline running, 督办/催办 possible).
OPEN_STATUSES = frozenset(
    {
        Status.REGISTERED,
        Status.PENDING_INSTRUCTION,
        Status.DISPATCHED,
        Status.RETURNED,
        Status.IN_PROGRESS,
        Status.PROMISED,
        Status.REPLIED,
    }
)


class Action(StrEnum):
    """Everything that can happen to a work order. Each value is an API path segment."""

    REGISTER = "register"  # 登记
    REJECT = "reject"  # 不予受理 (reason)
    ANSWER_DIRECTLY = "answer_directly"  # 直办 (knowledge-base answer)
    DISPATCH = "dispatch"  # 交办 / 会签 / 改派
    ESCALATE = "escalate"  # 报请批办
    INSTRUCT = "instruct"  # 批办: leader's instruction names the unit
    ACCEPT = "accept"  # 签收
    RETURN_TICKET = "return"  # 退件 (reason)
    PROMISE = "promise"  # 承诺件: promised date + interim reply
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"  # 延期批准
    DENY_EXTENSION = "deny_extension"  # 延期驳回
    REPLY = "reply"  # 回复
    CLOSE = "close"  # 办结
    CALLBACK = "callback"  # 回访 result
    ARCHIVE = "archive"  # 归档 after review (no further handling needed)
    URGE = "urge"  # 催办
    SUPERVISE = "supervise"  # 督办
    RECALL = "recall"  # 收回 from a unit, for a leader's new instruction

    @property
    def label_zh(self) -> str:
        """Chinese label for people."""
        return _ACTION_ZH[self]


_ACTION_ZH = {
    Action.REGISTER: "登记",
    Action.REJECT: "不予受理",
    Action.ANSWER_DIRECTLY: "直办",
    Action.DISPATCH: "交办",
    Action.ESCALATE: "报请批办",
    Action.INSTRUCT: "批办",
    Action.ACCEPT: "签收",
    Action.RETURN_TICKET: "退件",
    Action.PROMISE: "承诺办理",
    Action.REQUEST_EXTENSION: "延期申请",
    Action.APPROVE_EXTENSION: "延期批准",
    Action.DENY_EXTENSION: "延期驳回",
    Action.REPLY: "回复",
    Action.CLOSE: "办结",
    Action.CALLBACK: "回访",
    Action.ARCHIVE: "归档",
    Action.URGE: "催办",
    Action.SUPERVISE: "督办",
    Action.RECALL: "收回",
}


class Role(StrEnum):
    """Who acts. ``department`` users act only on tickets assigned to their unit."""

    AGENT = "agent"
    DEPARTMENT = "department"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Satisfaction(StrEnum):
    """Callback answer (R-CB): 满意 / 基本满意 / 不满意; ``very_satisfied`` earns a score bonus (R-SCORE)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class HandlingKind(StrEnum):
    """R-KIND: 限时件 answered within the limit, 承诺件 with a promised completion date."""

    TIME_LIMITED = "time_limited"
    PROMISED = "promised"


_DESK = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
_UNIT = frozenset({Role.DEPARTMENT, Role.ADMIN})
_LEAD = frozenset({Role.SUPERVISOR, Role.ADMIN})

# action -> (statuses it may start from, roles allowed). Target statuses are decided in ``apply``.
_RULES: dict[Action, tuple[frozenset[Status], frozenset[Role]]] = {
    Action.REGISTER: (frozenset({Status.DRAFT}), _DESK),
    Action.REJECT: (frozenset({Status.DRAFT, Status.REGISTERED}), _DESK),
    Action.ANSWER_DIRECTLY: (frozenset({Status.REGISTERED}), _DESK),
    Action.DISPATCH: (frozenset({Status.REGISTERED, Status.RETURNED}), _DESK),
    Action.ESCALATE: (frozenset({Status.REGISTERED, Status.RETURNED}), _DESK),
    Action.INSTRUCT: (frozenset({Status.PENDING_INSTRUCTION}), _LEAD),
    Action.ACCEPT: (frozenset({Status.DISPATCHED}), _UNIT),
    Action.RETURN_TICKET: (frozenset({Status.DISPATCHED}), _UNIT),
    Action.PROMISE: (frozenset({Status.IN_PROGRESS}), _UNIT),
    Action.REQUEST_EXTENSION: (frozenset({Status.IN_PROGRESS, Status.PROMISED}), _UNIT),
    Action.APPROVE_EXTENSION: (frozenset({Status.IN_PROGRESS, Status.PROMISED}), _LEAD),
    Action.DENY_EXTENSION: (frozenset({Status.IN_PROGRESS, Status.PROMISED}), _LEAD),
    Action.REPLY: (frozenset({Status.IN_PROGRESS, Status.PROMISED}), _UNIT),
    Action.CLOSE: (frozenset({Status.REPLIED}), _DESK),
    Action.CALLBACK: (frozenset({Status.COMPLETED}), _DESK),
    Action.ARCHIVE: (frozenset({Status.COMPLETED}), _LEAD),
    Action.URGE: (OPEN_STATUSES, _DESK),
    Action.SUPERVISE: (OPEN_STATUSES, _LEAD),
    Action.RECALL: (frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.PROMISED}), _LEAD),
}

# Actions that need a written reason (R-SCOPE, R-RET, R-REDO review, 延期 reasons, 督办 notes).
REASON_REQUIRED = frozenset(
    {
        Action.REJECT,
        Action.RETURN_TICKET,
        Action.ESCALATE,
        Action.REQUEST_EXTENSION,
        Action.DENY_EXTENSION,
        Action.ARCHIVE,
        Action.URGE,
        Action.SUPERVISE,
        Action.RECALL,
    }
)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """The part of a ticket the lifecycle decides on."""

    status: Status
    has_lead_unit: bool = False
    extension_pending: bool = False
    handling_kind: HandlingKind = HandlingKind.TIME_LIMITED
    supervised: bool = False
    redo_count: int = 0
    pending_co_units: int = 0  # 会签: co-units yet to send their 会签回复 (not waived)


@dataclass(frozen=True, slots=True)
class ActionInput:
    """What the actor supplied with the action (validated by the service layer before ``apply``)."""

    reason: str | None = None
    lead_unit: bool = False  # dispatch/instruct names a lead unit
    satisfaction: Satisfaction | None = None
    has_promised_date: bool = False
    has_knowledge_ref: bool = False
    has_new_due_date: bool = False
    co_units: int = 0  # dispatch/instruct: how many co-units (会签) are named besides the lead


@dataclass(frozen=True, slots=True)
class Transition:
    """Result of a legal action: the facts after it and what the service layer must do."""

    action: Action
    before: TicketFacts
    after: TicketFacts
    starts_deadline: bool = False  # dispatch/instruct/redo: a new R-TL deadline from now
    stops_deadline: bool = False

    @property
    def from_status(self) -> Status:
        """Status before the action."""
        return self.before.status

    @property
    def to_status(self) -> Status:
        """Status after the action."""
        return self.after.status


def allowed_actions(facts: TicketFacts, role: Role) -> list[Action]:
    """Actions ``role`` may take on a ticket with these facts (for UIs and the API)."""
    result = []
    for action, (sources, roles) in _RULES.items():
        if facts.status in sources and role in roles and _precondition_error(facts, action) is None:
            result.append(action)
    return result


def apply(facts: TicketFacts, action: Action, role: Role, given: ActionInput | None = None) -> Transition:
    """Decide the outcome of ``action`` by ``role`` on a ticket with ``facts``.

    Raises :class:`PermissionDenied` when the role may never take the action, :class:`IllegalTransition`
    (409) when the current state does not allow it, and :class:`InvalidInput` (422) when the action is
    allowed but its input is incomplete (no reason, no lead unit, no promised date …).
    """
    given = given or ActionInput()
    sources, roles = _RULES[action]
    if role not in roles:
        raise PermissionDenied(
            f"role {role.value} may not {action.value} a ticket",
            action=action.value,
            role=role.value,
            allowed_roles=sorted(r.value for r in roles),
        )
    if facts.status not in sources:
        raise IllegalTransition(
            f"cannot {action.value} ({action.label_zh}) a ticket that is {facts.status.value} "
            f"({facts.status.label_zh})",
            action=action.value,
            status=facts.status.value,
            allowed_from=sorted(s.value for s in sources),
        )
    problem = _precondition_error(facts, action)
    if problem:
        extra = {"pending_co_units": facts.pending_co_units} if action is Action.REPLY else {}
        raise IllegalTransition(problem, action=action.value, status=facts.status.value, **extra)
    missing = _input_error(action, given)
    if missing:
        raise InvalidInput(missing, action=action.value, status=facts.status.value)
    return _outcome(facts, action, given)


def _precondition_error(facts: TicketFacts, action: Action) -> str | None:
    if action is Action.REQUEST_EXTENSION and facts.extension_pending:
        return "an extension request is already pending"
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not facts.extension_pending:
        return "there is no pending extension request"
    if action is Action.REPLY and facts.pending_co_units > 0:
        return (
            f"会签件: {facts.pending_co_units} co-unit(s) have not sent their 会签回复 yet; the lead unit's "
            "reply must incorporate them (or a supervisor waives the missing ones)"
        )
    return None


def _input_error(action: Action, given: ActionInput) -> str | None:
    if action in REASON_REQUIRED and not (given.reason and given.reason.strip()):
        return f"{action.value} ({action.label_zh}) needs a reason"
    if action in (Action.DISPATCH, Action.INSTRUCT) and not given.lead_unit:
        return f"{action.value} must name the responsible (lead) unit"
    if action is Action.ANSWER_DIRECTLY and not given.has_knowledge_ref:
        return "直办 must cite the knowledge-base answer it gave"
    if action is Action.PROMISE and not given.has_promised_date:
        return "承诺件 needs a promised completion date"
    if action is Action.PROMISE and not (given.reason and given.reason.strip()):
        return "承诺件 needs an interim reply explaining the plan"
    if action is Action.APPROVE_EXTENSION and not given.has_new_due_date:
        return "approving an extension needs the new due date"
    if action is Action.REPLY and not (given.reason and given.reason.strip()):
        return "a reply needs its text"
    if action is Action.CALLBACK and given.satisfaction is None:
        return "a callback needs the caller's satisfaction"
    return None


def _outcome(facts: TicketFacts, action: Action, given: ActionInput) -> Transition:
    after = facts
    starts = stops = False
    if action is Action.REGISTER:
        after = replace(facts, status=Status.REGISTERED)
    elif action is Action.REJECT:
        after = replace(facts, status=Status.REJECTED)
    elif action is Action.ANSWER_DIRECTLY:
        after = replace(facts, status=Status.COMPLETED)
    elif action in (Action.DISPATCH, Action.INSTRUCT):
        after = replace(
            facts,
            status=Status.DISPATCHED,
            has_lead_unit=True,
            extension_pending=False,
            pending_co_units=given.co_units,
        )
        starts = True
    elif action is Action.ESCALATE:
        after = replace(facts, status=Status.PENDING_INSTRUCTION)
    elif action is Action.RECALL:
        after = replace(
            facts,
            status=Status.PENDING_INSTRUCTION,
            has_lead_unit=False,
            extension_pending=False,
            supervised=True,
            pending_co_units=0,
        )
        stops = True
    elif action is Action.ACCEPT:
        after = replace(facts, status=Status.IN_PROGRESS, handling_kind=HandlingKind.TIME_LIMITED)
    elif action is Action.RETURN_TICKET:
        after = replace(facts, status=Status.RETURNED, has_lead_unit=False, pending_co_units=0)
        stops = True
    elif action is Action.PROMISE:
        after = replace(facts, status=Status.PROMISED, handling_kind=HandlingKind.PROMISED)
    elif action is Action.REQUEST_EXTENSION:
        after = replace(facts, extension_pending=True)
    elif action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        after = replace(facts, extension_pending=False)
    elif action is Action.REPLY:
        after = replace(facts, status=Status.REPLIED, extension_pending=False)
        stops = True
    elif action is Action.CLOSE:
        after = replace(facts, status=Status.COMPLETED)
    elif action is Action.CALLBACK:
        if given.satisfaction is Satisfaction.UNSATISFIED:
            # R-REDO: back to the unit for 重办; a 直办 ticket (no unit) goes back to the desk.
            target = Status.DISPATCHED if facts.has_lead_unit else Status.REGISTERED
            after = replace(facts, status=target, redo_count=facts.redo_count + 1)
            starts = target is Status.DISPATCHED
        else:
            after = replace(facts, status=Status.ARCHIVED)
    elif action is Action.ARCHIVE:
        after = replace(facts, status=Status.ARCHIVED)
    elif action in (Action.URGE, Action.SUPERVISE):
        after = replace(facts, supervised=facts.supervised or action is Action.SUPERVISE)
    return Transition(action=action, before=facts, after=after, starts_deadline=starts, stops_deadline=stops)
