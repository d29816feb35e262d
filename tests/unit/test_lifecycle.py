"""Exhaustive tests of the work-order state machine in :mod:`ticketing.tickets.lifecycle`.

The expected table below is written independently of ``lifecycle._RULES`` on purpose: it is the
12345 seed rules (R-MODE, R-KIND, R-RET, R-SUP, R-CB, R-REDO, R-SCOPE) restated as data, so a change
to the module's table that is not mirrored here fails loudly.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import pytest

from ticketing.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from ticketing.tickets.lifecycle import (
    OPEN_STATUSES,
    REASON_REQUIRED,
    Action,
    ActionInput,
    HandlingKind,
    Role,
    Satisfaction,
    Status,
    TicketFacts,
    Transition,
    allowed_actions,
    apply,
)

# ---------------------------------------------------------------------------------------------------
# The independent expected table
# ---------------------------------------------------------------------------------------------------

DESK = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})  # the hotline centre
UNIT = frozenset({Role.DEPARTMENT, Role.ADMIN})  # the 承办单位
LEAD = frozenset({Role.SUPERVISOR, Role.ADMIN})  # leaders: 批办, 延期审批, 督办, review archive

OPEN = frozenset(
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
HANDLING = frozenset({Status.IN_PROGRESS, Status.PROMISED})


@dataclass(frozen=True)
class Rule:
    """From which statuses an action may start, who may take it, and where it leads.

    ``target is None`` means the status does not change (延期 requests and decisions, 催办, 督办).
    """

    sources: frozenset[Status]
    roles: frozenset[Role]
    target: Status | None


EXPECTED: dict[Action, Rule] = {
    Action.REGISTER: Rule(frozenset({Status.DRAFT}), DESK, Status.REGISTERED),
    Action.REJECT: Rule(frozenset({Status.DRAFT, Status.REGISTERED}), DESK, Status.REJECTED),
    Action.ANSWER_DIRECTLY: Rule(frozenset({Status.REGISTERED}), DESK, Status.COMPLETED),
    Action.DISPATCH: Rule(frozenset({Status.REGISTERED, Status.RETURNED}), DESK, Status.DISPATCHED),
    Action.ESCALATE: Rule(frozenset({Status.REGISTERED, Status.RETURNED}), DESK, Status.PENDING_INSTRUCTION),
    Action.INSTRUCT: Rule(frozenset({Status.PENDING_INSTRUCTION}), LEAD, Status.DISPATCHED),
    Action.ACCEPT: Rule(frozenset({Status.DISPATCHED}), UNIT, Status.IN_PROGRESS),
    Action.RETURN_TICKET: Rule(frozenset({Status.DISPATCHED}), UNIT, Status.RETURNED),
    Action.PROMISE: Rule(frozenset({Status.IN_PROGRESS}), UNIT, Status.PROMISED),
    Action.REQUEST_EXTENSION: Rule(HANDLING, UNIT, None),
    Action.APPROVE_EXTENSION: Rule(HANDLING, LEAD, None),
    Action.DENY_EXTENSION: Rule(HANDLING, LEAD, None),
    Action.REPLY: Rule(HANDLING, UNIT, Status.REPLIED),
    Action.CLOSE: Rule(frozenset({Status.REPLIED}), DESK, Status.COMPLETED),
    # With a satisfied answer; the unsatisfied outcomes are tested separately below.
    Action.CALLBACK: Rule(frozenset({Status.COMPLETED}), DESK, Status.ARCHIVED),
    Action.ARCHIVE: Rule(frozenset({Status.COMPLETED}), LEAD, Status.ARCHIVED),
    Action.URGE: Rule(OPEN, DESK, None),
    Action.SUPERVISE: Rule(OPEN, LEAD, None),
    Action.RECALL: Rule(
        frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.PROMISED}), LEAD, Status.PENDING_INSTRUCTION
    ),
}

EXPECTED_REASON_REQUIRED = frozenset(
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

# Everything any action could need, all present and valid.
FULL = ActionInput(
    reason="来电人反映的问题已核实，说明如下",
    lead_unit=True,
    satisfaction=Satisfaction.SATISFIED,
    has_promised_date=True,
    has_knowledge_ref=True,
    has_new_due_date=True,
)


def facts_for(status: Status, action: Action, **extra: object) -> TicketFacts:
    """Facts that satisfy the preconditions of ``action`` (a pending 延期 only where one is needed)."""
    pending = action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION)
    return replace(TicketFacts(status=status, has_lead_unit=True, extension_pending=pending), **extra)


def expected_target(action: Action, status: Status) -> Status:
    target = EXPECTED[action].target
    return status if target is None else target


def _id(value: object) -> str:
    return getattr(value, "value", str(value))


# ---------------------------------------------------------------------------------------------------
# The table itself
# ---------------------------------------------------------------------------------------------------


def test_expected_table_covers_every_action() -> None:
    assert set(EXPECTED) == set(Action)


def test_open_statuses_match_expectation() -> None:
    assert frozenset(OPEN_STATUSES) == OPEN


def test_reason_required_matches_expectation() -> None:
    assert frozenset(REASON_REQUIRED) == EXPECTED_REASON_REQUIRED


# ---------------------------------------------------------------------------------------------------
# Status × Action × Role: every allowed and every forbidden transition
# ---------------------------------------------------------------------------------------------------

ALL_COMBOS = list(itertools.product(Status, Action, Role))


@pytest.mark.parametrize(
    ("status", "action", "role"),
    ALL_COMBOS,
    ids=[f"{a.value}-from-{s.value}-by-{r.value}" for s, a, r in ALL_COMBOS],
)
def test_transition_matrix(status: Status, action: Action, role: Role) -> None:
    rule = EXPECTED[action]
    facts = facts_for(status, action)
    if role not in rule.roles:
        # Role is checked first, whatever the status.
        with pytest.raises(PermissionDenied) as denied:
            apply(facts, action, role, FULL)
        assert denied.value.error_id == "permission_denied"
        assert denied.value.http_status == 403
        assert denied.value.details["action"] == action.value
        assert denied.value.details["role"] == role.value
        assert set(denied.value.details["allowed_roles"]) == {r.value for r in rule.roles}
    elif status not in rule.sources:
        with pytest.raises(IllegalTransition) as illegal:
            apply(facts, action, role, FULL)
        err = illegal.value
        assert err.error_id == "illegal_transition"
        assert isinstance(err, Conflict)
        assert err.http_status == 409
        assert err.details["action"] == action.value
        assert err.details["status"] == status.value
        assert set(err.details["allowed_from"]) == {s.value for s in rule.sources}
        assert err.to_dict()["error_id"] == "illegal_transition"
    else:
        result = apply(facts, action, role, FULL)
        assert isinstance(result, Transition)
        assert result.action is action
        assert result.before == facts
        assert result.from_status is status
        assert result.to_status is expected_target(action, status)


# ---------------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------------


def _first_source(action: Action) -> Status:
    return sorted(EXPECTED[action].sources)[0]


def _some_role(action: Action) -> Role:
    return sorted(EXPECTED[action].roles)[0]


def assert_input_rejected(action: Action, given: ActionInput, *, match: str | None = None) -> None:
    status = _first_source(action)
    facts = facts_for(status, action)
    with pytest.raises(InvalidInput, match=match) as illegal:
        apply(facts, action, _some_role(action), given)
    assert illegal.value.error_id == "invalid_input"
    assert illegal.value.http_status == 422
    assert illegal.value.details["action"] == action.value
    assert illegal.value.details["status"] == status.value


REASON_CASES = [
    (action, reason) for action in sorted(EXPECTED_REASON_REQUIRED) for reason in (None, "", "   ", "\t\n ")
]


@pytest.mark.parametrize(
    ("action", "reason"),
    REASON_CASES,
    ids=[f"{a.value}-reason-{reason!r}" for a, reason in REASON_CASES],
)
def test_reason_required_actions_need_a_non_blank_reason(action: Action, reason: str | None) -> None:
    assert_input_rejected(action, replace(FULL, reason=reason), match="reason")


@pytest.mark.parametrize("action", sorted(EXPECTED_REASON_REQUIRED), ids=_id)
def test_reason_required_actions_accept_a_reason(action: Action) -> None:
    status = _first_source(action)
    transition = apply(facts_for(status, action), action, _some_role(action), replace(FULL, reason="原因"))
    assert transition.action is action
    assert transition.from_status is status


@pytest.mark.parametrize("action", [Action.DISPATCH, Action.INSTRUCT], ids=_id)
def test_dispatch_and_instruct_need_a_lead_unit(action: Action) -> None:
    assert_input_rejected(action, replace(FULL, lead_unit=False), match="lead")


def test_answer_directly_needs_knowledge_ref() -> None:
    assert_input_rejected(Action.ANSWER_DIRECTLY, replace(FULL, has_knowledge_ref=False), match="直办")


def test_promise_needs_promised_date() -> None:
    assert_input_rejected(Action.PROMISE, replace(FULL, has_promised_date=False), match="promised")


@pytest.mark.parametrize("reason", [None, "", "  "], ids=["none", "empty", "blank"])
def test_promise_needs_interim_reply_text(reason: str | None) -> None:
    assert_input_rejected(Action.PROMISE, replace(FULL, reason=reason), match="interim reply")


def test_approve_extension_needs_new_due_date() -> None:
    assert_input_rejected(
        Action.APPROVE_EXTENSION, replace(FULL, has_new_due_date=False), match="new due date"
    )


@pytest.mark.parametrize("reason", [None, "", "  "], ids=["none", "empty", "blank"])
def test_reply_needs_text(reason: str | None) -> None:
    assert_input_rejected(Action.REPLY, replace(FULL, reason=reason), match="text")


def test_callback_needs_satisfaction() -> None:
    assert_input_rejected(Action.CALLBACK, replace(FULL, satisfaction=None), match="satisfaction")


NO_INPUT_NEEDED = [
    Action.REGISTER,
    Action.ACCEPT,
    Action.CLOSE,
]


@pytest.mark.parametrize("action", NO_INPUT_NEEDED, ids=_id)
def test_actions_without_input_succeed_with_none(action: Action) -> None:
    status = _first_source(action)
    result = apply(TicketFacts(status=status), action, _some_role(action))
    assert result.to_status is expected_target(action, status)


MINIMAL_INPUT = [
    (Action.REJECT, ActionInput(reason="广告推销")),
    (Action.ANSWER_DIRECTLY, ActionInput(has_knowledge_ref=True)),
    (Action.DISPATCH, ActionInput(lead_unit=True)),
    (Action.ESCALATE, ActionInput(reason="承办单位不明确")),
    (Action.INSTRUCT, ActionInput(lead_unit=True)),
    (Action.RETURN_TICKET, ActionInput(reason="非本单位职责")),
    (Action.PROMISE, ActionInput(reason="已制定方案", has_promised_date=True)),
    (Action.REQUEST_EXTENSION, ActionInput(reason="需协调多部门")),
    (Action.APPROVE_EXTENSION, ActionInput(has_new_due_date=True)),
    (Action.DENY_EXTENSION, ActionInput(reason="理由不充分")),
    (Action.REPLY, ActionInput(reason="已处理完毕")),
    (Action.CALLBACK, ActionInput(satisfaction=Satisfaction.SATISFIED)),
    (Action.ARCHIVE, ActionInput(reason="经审核无需再办")),
    (Action.URGE, ActionInput(reason="请尽快办理")),
    (Action.SUPERVISE, ActionInput(reason="群众反映强烈")),
    (Action.RECALL, ActionInput(reason="承办单位久拖不办，收回报请批办")),
]


@pytest.mark.parametrize(("action", "given"), MINIMAL_INPUT, ids=[a.value for a, _ in MINIMAL_INPUT])
def test_minimal_input_is_enough(action: Action, given: ActionInput) -> None:
    status = _first_source(action)
    result = apply(facts_for(status, action), action, _some_role(action), given)
    assert result.to_status is expected_target(action, status)


def test_minimal_input_table_covers_every_action_that_needs_input() -> None:
    assert {a for a, _ in MINIMAL_INPUT} | set(NO_INPUT_NEEDED) == set(Action)


# ---------------------------------------------------------------------------------------------------
# Preconditions (延期)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_request_extension_twice_fails(status: Status) -> None:
    first = apply(TicketFacts(status=status), Action.REQUEST_EXTENSION, Role.DEPARTMENT, FULL)
    assert first.after.extension_pending is True
    assert first.to_status is status
    with pytest.raises(IllegalTransition, match="already pending") as illegal:
        apply(first.after, Action.REQUEST_EXTENSION, Role.DEPARTMENT, FULL)
    assert illegal.value.details == {"action": "request_extension", "status": status.value}


@pytest.mark.parametrize("action", [Action.APPROVE_EXTENSION, Action.DENY_EXTENSION], ids=_id)
@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_extension_decision_without_pending_request_fails(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition, match="no pending extension") as illegal:
        apply(TicketFacts(status=status), action, Role.SUPERVISOR, FULL)
    assert illegal.value.details == {"action": action.value, "status": status.value}


@pytest.mark.parametrize("action", [Action.APPROVE_EXTENSION, Action.DENY_EXTENSION], ids=_id)
@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_extension_decision_clears_pending(status: Status, action: Action) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, extension_pending=True)
    result = apply(facts, action, Role.SUPERVISOR, FULL)
    assert result.after.extension_pending is False
    assert result.to_status is status
    # A new request may follow the decision.
    again = apply(result.after, Action.REQUEST_EXTENSION, Role.DEPARTMENT, FULL)
    assert again.after.extension_pending is True


def test_precondition_is_checked_before_input() -> None:
    facts = TicketFacts(status=Status.IN_PROGRESS, extension_pending=False)
    with pytest.raises(IllegalTransition, match="no pending extension"):
        apply(facts, Action.APPROVE_EXTENSION, Role.SUPERVISOR, ActionInput())


def test_role_is_checked_before_status_and_input() -> None:
    with pytest.raises(PermissionDenied):
        apply(TicketFacts(status=Status.ARCHIVED), Action.REGISTER, Role.DEPARTMENT, ActionInput())


def test_status_is_checked_before_input() -> None:
    with pytest.raises(IllegalTransition, match="cannot reject"):
        apply(TicketFacts(status=Status.ARCHIVED), Action.REJECT, Role.AGENT, ActionInput())


# ---------------------------------------------------------------------------------------------------
# Callback outcomes (R-CB, R-REDO)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "satisfaction",
    [Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED],
    ids=_id,
)
@pytest.mark.parametrize("has_lead_unit", [True, False], ids=["dispatched-ticket", "direct-ticket"])
def test_satisfied_callback_archives(satisfaction: Satisfaction, has_lead_unit: bool) -> None:
    facts = TicketFacts(status=Status.COMPLETED, has_lead_unit=has_lead_unit, redo_count=1)
    result = apply(facts, Action.CALLBACK, Role.AGENT, replace(FULL, satisfaction=satisfaction))
    assert result.to_status is Status.ARCHIVED
    assert result.after.redo_count == 1
    assert result.starts_deadline is False


@pytest.mark.parametrize("redo_count", [0, 1, 3])
def test_unsatisfied_callback_redoes_at_the_unit(redo_count: int) -> None:
    facts = TicketFacts(
        status=Status.COMPLETED,
        has_lead_unit=True,
        handling_kind=HandlingKind.PROMISED,
        redo_count=redo_count,
    )
    result = apply(facts, Action.CALLBACK, Role.AGENT, replace(FULL, satisfaction=Satisfaction.UNSATISFIED))
    assert result.to_status is Status.DISPATCHED
    assert result.after.redo_count == redo_count + 1
    assert result.after.has_lead_unit is True
    assert result.starts_deadline is True
    assert result.stops_deadline is False


def test_unsatisfied_callback_on_direct_ticket_goes_back_to_desk() -> None:
    facts = TicketFacts(status=Status.COMPLETED, has_lead_unit=False)
    result = apply(facts, Action.CALLBACK, Role.AGENT, replace(FULL, satisfaction=Satisfaction.UNSATISFIED))
    assert result.to_status is Status.REGISTERED
    assert result.after.redo_count == 1
    assert result.starts_deadline is False


# ---------------------------------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "role"),
    [
        (Status.REGISTERED, Action.DISPATCH, Role.AGENT),
        (Status.RETURNED, Action.DISPATCH, Role.AGENT),
        (Status.PENDING_INSTRUCTION, Action.INSTRUCT, Role.SUPERVISOR),
    ],
    ids=["dispatch", "redispatch-after-return", "instruct"],
)
def test_dispatch_and_instruct_start_deadline_and_set_lead_unit(
    status: Status, action: Action, role: Role
) -> None:
    result = apply(TicketFacts(status=status), action, role, FULL)
    assert result.starts_deadline is True
    assert result.stops_deadline is False
    assert result.after.has_lead_unit is True
    assert result.after.extension_pending is False


def test_return_stops_deadline_and_clears_lead_unit() -> None:
    facts = TicketFacts(status=Status.DISPATCHED, has_lead_unit=True)
    result = apply(facts, Action.RETURN_TICKET, Role.DEPARTMENT, FULL)
    assert result.to_status is Status.RETURNED
    assert result.stops_deadline is True
    assert result.starts_deadline is False
    assert result.after.has_lead_unit is False


@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_reply_stops_deadline_and_clears_pending_extension(status: Status) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, extension_pending=True)
    result = apply(facts, Action.REPLY, Role.DEPARTMENT, FULL)
    assert result.to_status is Status.REPLIED
    assert result.stops_deadline is True
    assert result.starts_deadline is False
    assert result.after.extension_pending is False


def test_promise_sets_handling_kind_promised() -> None:
    facts = TicketFacts(status=Status.IN_PROGRESS, has_lead_unit=True)
    assert facts.handling_kind is HandlingKind.TIME_LIMITED
    result = apply(facts, Action.PROMISE, Role.DEPARTMENT, FULL)
    assert result.to_status is Status.PROMISED
    assert result.after.handling_kind is HandlingKind.PROMISED
    assert result.starts_deadline is False
    assert result.stops_deadline is False


def test_accept_resets_handling_kind_for_a_redo() -> None:
    facts = TicketFacts(status=Status.DISPATCHED, has_lead_unit=True, handling_kind=HandlingKind.PROMISED)
    result = apply(facts, Action.ACCEPT, Role.DEPARTMENT)
    assert result.after.handling_kind is HandlingKind.TIME_LIMITED


@pytest.mark.parametrize("status", sorted(OPEN), ids=_id)
def test_supervise_sets_supervised_without_changing_status(status: Status) -> None:
    facts = TicketFacts(status=status)
    result = apply(facts, Action.SUPERVISE, Role.SUPERVISOR, FULL)
    assert result.to_status is status
    assert result.after.supervised is True
    assert result.after == replace(facts, supervised=True)
    assert not result.starts_deadline
    assert not result.stops_deadline


@pytest.mark.parametrize("supervised", [True, False], ids=["supervised", "not-supervised"])
@pytest.mark.parametrize("status", sorted(OPEN), ids=_id)
def test_urge_changes_nothing(status: Status, supervised: bool) -> None:
    facts = TicketFacts(status=status, supervised=supervised)
    result = apply(facts, Action.URGE, Role.AGENT, FULL)
    assert result.after == facts
    assert result.to_status is status
    assert not result.starts_deadline
    assert not result.stops_deadline


@pytest.mark.parametrize(
    "action",
    [a for a in Action if a not in (Action.DISPATCH, Action.INSTRUCT, Action.CALLBACK)],
    ids=_id,
)
def test_only_dispatch_instruct_and_redo_start_a_deadline(action: Action) -> None:
    status = _first_source(action)
    result = apply(facts_for(status, action), action, _some_role(action), FULL)
    assert result.starts_deadline is False
    assert result.stops_deadline is (action in (Action.RETURN_TICKET, Action.REPLY, Action.RECALL))


# ---------------------------------------------------------------------------------------------------
# Full paths, replayed step by step
# ---------------------------------------------------------------------------------------------------

Step = tuple[Action, Role, ActionInput, Status]

SATISFIED = replace(FULL, satisfaction=Satisfaction.SATISFIED)
UNSATISFIED = replace(FULL, satisfaction=Satisfaction.UNSATISFIED)

SCENARIOS: dict[str, tuple[Status, list[Step]]] = {
    # 登记→交办→签收→回复→办结→回访满意→归档
    "dispatch-reply-close-callback-satisfied-archive": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.DISPATCH, Role.AGENT, FULL, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.REPLY, Role.DEPARTMENT, FULL, Status.REPLIED),
            (Action.CLOSE, Role.AGENT, FULL, Status.COMPLETED),
            (Action.CALLBACK, Role.AGENT, SATISFIED, Status.ARCHIVED),
        ],
    ),
    # 登记→直办→回访不满意→已登记 (back at the desk), then 交办 and done
    "direct-answer-unsatisfied-back-to-desk": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.ANSWER_DIRECTLY, Role.AGENT, FULL, Status.COMPLETED),
            (Action.CALLBACK, Role.AGENT, UNSATISFIED, Status.REGISTERED),
            (Action.DISPATCH, Role.AGENT, FULL, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.REPLY, Role.DEPARTMENT, FULL, Status.REPLIED),
            (Action.CLOSE, Role.AGENT, FULL, Status.COMPLETED),
            (Action.CALLBACK, Role.AGENT, SATISFIED, Status.ARCHIVED),
        ],
    ),
    # 交办→退件→改派→签收→承诺→延期申请→批准→回复→办结→归档 (archive by review)
    "return-redispatch-promise-extension-archive-by-review": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.DISPATCH, Role.AGENT, FULL, Status.DISPATCHED),
            (Action.RETURN_TICKET, Role.DEPARTMENT, FULL, Status.RETURNED),
            (Action.DISPATCH, Role.AGENT, FULL, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.PROMISE, Role.DEPARTMENT, FULL, Status.PROMISED),
            (Action.REQUEST_EXTENSION, Role.DEPARTMENT, FULL, Status.PROMISED),
            (Action.APPROVE_EXTENSION, Role.SUPERVISOR, FULL, Status.PROMISED),
            (Action.REPLY, Role.DEPARTMENT, FULL, Status.REPLIED),
            (Action.CLOSE, Role.AGENT, FULL, Status.COMPLETED),
            (Action.ARCHIVE, Role.SUPERVISOR, FULL, Status.ARCHIVED),
        ],
    ),
    # 登记→报请批办→批办→签收→延期申请→驳回→督办→催办→回复→办结→回访不满意→重办→…→归档
    "escalate-instruct-deny-extension-supervise-redo": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.ESCALATE, Role.AGENT, FULL, Status.PENDING_INSTRUCTION),
            (Action.URGE, Role.AGENT, FULL, Status.PENDING_INSTRUCTION),
            (Action.INSTRUCT, Role.SUPERVISOR, FULL, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.REQUEST_EXTENSION, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.DENY_EXTENSION, Role.SUPERVISOR, FULL, Status.IN_PROGRESS),
            (Action.SUPERVISE, Role.SUPERVISOR, FULL, Status.IN_PROGRESS),
            (Action.URGE, Role.AGENT, FULL, Status.IN_PROGRESS),
            (Action.REPLY, Role.DEPARTMENT, FULL, Status.REPLIED),
            (Action.CLOSE, Role.AGENT, FULL, Status.COMPLETED),
            (Action.CALLBACK, Role.AGENT, UNSATISFIED, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
            (Action.REPLY, Role.DEPARTMENT, FULL, Status.REPLIED),
            (Action.CLOSE, Role.AGENT, FULL, Status.COMPLETED),
            (Action.CALLBACK, Role.AGENT, SATISFIED, Status.ARCHIVED),
        ],
    ),
    # 退件→报请批办→批办 (the unit is unclear after a return)
    "return-then-escalate": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.DISPATCH, Role.AGENT, FULL, Status.DISPATCHED),
            (Action.RETURN_TICKET, Role.DEPARTMENT, FULL, Status.RETURNED),
            (Action.ESCALATE, Role.AGENT, FULL, Status.PENDING_INSTRUCTION),
            (Action.INSTRUCT, Role.ADMIN, FULL, Status.DISPATCHED),
            (Action.ACCEPT, Role.DEPARTMENT, FULL, Status.IN_PROGRESS),
        ],
    ),
    # 草稿→不予受理
    "draft-rejected": (
        Status.DRAFT,
        [(Action.REJECT, Role.AGENT, FULL, Status.REJECTED)],
    ),
    # 登记→不予受理
    "registered-rejected": (
        Status.DRAFT,
        [
            (Action.REGISTER, Role.AGENT, FULL, Status.REGISTERED),
            (Action.REJECT, Role.SUPERVISOR, FULL, Status.REJECTED),
        ],
    ),
}


@pytest.mark.parametrize(("start", "steps"), list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_scenario(start: Status, steps: list[Step]) -> None:
    facts = TicketFacts(status=start)
    for number, (action, role, given, expected) in enumerate(steps, start=1):
        result = apply(facts, action, role, given)
        assert result.before == facts
        assert result.to_status is expected, f"step {number} ({action.value})"
        assert action in allowed_actions(facts, role), f"step {number} ({action.value})"
        facts = result.after
    # Terminal statuses offer nothing to anyone.
    if not facts.status.is_open and facts.status is not Status.COMPLETED:
        assert all(allowed_actions(facts, role) == [] for role in Role)


def test_redo_scenario_counts_redos_and_deadlines() -> None:
    facts = TicketFacts(status=Status.COMPLETED, has_lead_unit=True)
    starts = []
    for _ in range(2):
        result = apply(facts, Action.CALLBACK, Role.AGENT, UNSATISFIED)
        starts.append(result.starts_deadline)
        facts = result.after
        for action, role in [
            (Action.ACCEPT, Role.DEPARTMENT),
            (Action.REPLY, Role.DEPARTMENT),
            (Action.CLOSE, Role.AGENT),
        ]:
            facts = apply(facts, action, role, FULL).after
    assert starts == [True, True]
    assert facts.redo_count == 2
    assert apply(facts, Action.CALLBACK, Role.AGENT, SATISFIED).to_status is Status.ARCHIVED


@pytest.mark.parametrize("status", [Status.ARCHIVED, Status.REJECTED], ids=_id)
@pytest.mark.parametrize("action", list(Action), ids=_id)
def test_terminal_statuses_accept_nothing(status: Status, action: Action) -> None:
    role = _some_role(action)
    with pytest.raises(IllegalTransition):
        apply(TicketFacts(status=status, extension_pending=True), action, role, FULL)


# ---------------------------------------------------------------------------------------------------
# allowed_actions agrees with apply
# ---------------------------------------------------------------------------------------------------

AGREEMENT_CASES = list(itertools.product(Status, Role, [False, True]))


def _succeeds(facts: TicketFacts, action: Action, role: Role) -> bool:
    try:
        apply(facts, action, role, FULL)
    except (IllegalTransition, PermissionDenied):
        return False
    return True


@pytest.mark.parametrize(
    ("status", "role", "pending"),
    AGREEMENT_CASES,
    ids=[f"{s.value}-{r.value}-{'pending' if p else 'no-pending'}" for s, r, p in AGREEMENT_CASES],
)
def test_allowed_actions_agrees_with_apply(status: Status, role: Role, pending: bool) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, extension_pending=pending)
    listed = allowed_actions(facts, role)
    assert len(listed) == len(set(listed))
    assert set(listed) == {a for a in Action if _succeeds(facts, a, role)}


@pytest.mark.parametrize(
    ("status", "role", "pending"),
    AGREEMENT_CASES,
    ids=[f"{s.value}-{r.value}-{'pending' if p else 'no-pending'}" for s, r, p in AGREEMENT_CASES],
)
def test_allowed_actions_matches_expected_table(status: Status, role: Role, pending: bool) -> None:
    facts = TicketFacts(status=status, extension_pending=pending)
    expected = {
        action
        for action, rule in EXPECTED.items()
        if status in rule.sources
        and role in rule.roles
        and not (action is Action.REQUEST_EXTENSION and pending)
        and not (action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not pending)
    }
    assert set(allowed_actions(facts, role)) == expected


# ---------------------------------------------------------------------------------------------------
# Enum helpers
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status), ids=_id)
def test_status_is_open(status: Status) -> None:
    assert status.is_open is (status in OPEN)


@pytest.mark.parametrize("status", list(Status), ids=_id)
def test_status_has_chinese_label(status: Status) -> None:
    label = status.label_zh
    assert isinstance(label, str)
    assert label.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label)


@pytest.mark.parametrize("action", list(Action), ids=_id)
def test_action_has_chinese_label(action: Action) -> None:
    label = action.label_zh
    assert isinstance(label, str)
    assert label.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label)


def test_labels_are_distinct() -> None:
    assert len({s.label_zh for s in Status}) == len(Status)
    assert len({a.label_zh for a in Action}) == len(Action)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.DRAFT, "草稿"),
        (Status.REGISTERED, "已登记"),
        (Status.COMPLETED, "已办结"),
        (Status.ARCHIVED, "已归档"),
        (Status.REJECTED, "不予受理"),
    ],
    ids=lambda v: getattr(v, "value", v),
)
def test_some_status_labels(status: Status, label: str) -> None:
    assert status.label_zh == label


@pytest.mark.parametrize(
    ("action", "label"),
    [
        (Action.ANSWER_DIRECTLY, "直办"),
        (Action.DISPATCH, "交办"),
        (Action.INSTRUCT, "批办"),
        (Action.ACCEPT, "签收"),
        (Action.RETURN_TICKET, "退件"),
        (Action.CALLBACK, "回访"),
        (Action.SUPERVISE, "督办"),
        (Action.URGE, "催办"),
        (Action.RECALL, "收回"),
    ],
    ids=lambda v: getattr(v, "value", v),
)
def test_some_action_labels(action: Action, label: str) -> None:
    assert action.label_zh == label


def test_return_action_value_is_the_api_segment() -> None:
    assert Action.RETURN_TICKET.value == "return"


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.IN_PROGRESS, Status.PROMISED], ids=str)
def test_recall_takes_the_matter_back_for_a_new_instruction(status: Status) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, extension_pending=True)
    result = apply(facts, Action.RECALL, Role.SUPERVISOR, ActionInput(reason="久拖不办"))
    assert result.to_status is Status.PENDING_INSTRUCTION
    assert (result.after.has_lead_unit, result.after.extension_pending) == (False, False)
    assert result.after.supervised is True
    assert result.stops_deadline is True
    again = apply(result.after, Action.INSTRUCT, Role.SUPERVISOR, ActionInput(lead_unit=True))
    assert again.to_status is Status.DISPATCHED
    assert again.starts_deadline is True


# ---------------------------------------------------------------------------------------------------
# 会签件: the lead unit's reply waits for the co-units (R-KIND, R-FIRST)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
@pytest.mark.parametrize("pending", [1, 3])
def test_reply_waits_for_pending_co_units(status: Status, pending: int) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, pending_co_units=pending)
    with pytest.raises(IllegalTransition) as caught:
        apply(facts, Action.REPLY, Role.DEPARTMENT, FULL)
    assert "会签" in caught.value.message
    assert caught.value.details["pending_co_units"] == pending
    assert Action.REPLY not in allowed_actions(facts, Role.DEPARTMENT)


@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_reply_goes_through_once_no_co_unit_is_pending(status: Status) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, pending_co_units=0)
    assert apply(facts, Action.REPLY, Role.DEPARTMENT, FULL).to_status is Status.REPLIED
    assert Action.REPLY in allowed_actions(facts, Role.DEPARTMENT)


@pytest.mark.parametrize("status", sorted(HANDLING), ids=_id)
def test_pending_co_units_block_only_the_reply(status: Status) -> None:
    facts = TicketFacts(status=status, has_lead_unit=True, pending_co_units=2)
    listed = set(allowed_actions(facts, Role.DEPARTMENT))
    assert listed == set(allowed_actions(replace(facts, pending_co_units=0), Role.DEPARTMENT)) - {
        Action.REPLY
    }


def test_pending_co_units_are_checked_before_the_reply_text() -> None:
    facts = TicketFacts(status=Status.IN_PROGRESS, has_lead_unit=True, pending_co_units=1)
    with pytest.raises(IllegalTransition):
        apply(facts, Action.REPLY, Role.DEPARTMENT, ActionInput(reason=None))


@pytest.mark.parametrize("action", [Action.DISPATCH, Action.INSTRUCT], ids=_id)
@pytest.mark.parametrize("co_units", [0, 2])
def test_dispatch_sets_the_pending_co_units(action: Action, co_units: int) -> None:
    status = _first_source(action)
    result = apply(TicketFacts(status=status), action, _some_role(action), replace(FULL, co_units=co_units))
    assert result.after.pending_co_units == co_units


@pytest.mark.parametrize(
    ("action", "role"), [(Action.RETURN_TICKET, Role.DEPARTMENT), (Action.RECALL, Role.SUPERVISOR)], ids=str
)
def test_return_and_recall_clear_the_pending_co_units(action: Action, role: Role) -> None:
    facts = TicketFacts(status=Status.DISPATCHED, has_lead_unit=True, pending_co_units=2)
    assert apply(facts, action, role, FULL).after.pending_co_units == 0


def test_countersign_scenario_reply_after_the_co_units() -> None:
    facts = TicketFacts(status=Status.REGISTERED)
    facts = apply(facts, Action.DISPATCH, Role.AGENT, replace(FULL, co_units=2)).after
    facts = apply(facts, Action.ACCEPT, Role.DEPARTMENT, FULL).after
    with pytest.raises(IllegalTransition):
        apply(facts, Action.REPLY, Role.DEPARTMENT, FULL)
    # The service recomputes the fact after each co-unit reply (or a supervisor's waiver).
    facts = replace(facts, pending_co_units=0)
    assert apply(facts, Action.REPLY, Role.DEPARTMENT, FULL).to_status is Status.REPLIED
