"""Pure rules of the unit side (:mod:`ticketing.countersign.service`): the R-RET clock and 会签 steps."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ticketing.countersign.service import (
    CO_STATUSES,
    CoAction,
    ResponseClock,
    Share,
    check,
    pending_co_units,
    unit_actions,
)
from ticketing.errors import IllegalTransition, InvalidInput, PermissionDenied
from ticketing.tickets.lifecycle import Role, Status, TicketFacts

UNIT = uuid.uuid4()
AT = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 Shanghai
CO_NEW = Share(UNIT, "co")
CO_ACCEPTED = Share(UNIT, "co", accepted_at=AT)
CO_REPLIED = Share(UNIT, "co", accepted_at=AT, settled="reply")
CO_WAIVED = Share(UNIT, "co", accepted_at=None, settled="waived")
LEAD = Share(UNIT, "lead")


# -- R-RET clock -----------------------------------------------------------------------------------
def test_return_deadline_is_the_end_of_the_shanghai_day_of_dispatch() -> None:
    clock = ResponseClock(AT)
    assert clock.return_by == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 00:00 Tuesday in Shanghai
    assert clock.collect_by == AT + timedelta(hours=24)


def test_a_dispatch_late_in_the_utc_day_counts_for_the_next_shanghai_day() -> None:
    clock = ResponseClock(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # Tuesday 01:00 Shanghai
    assert clock.return_by == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "late"),
    [(timedelta(hours=14, minutes=59), False), (timedelta(hours=15), True), (timedelta(hours=20), True)],
    ids=["before-midnight", "at-midnight", "next-day"],
)
def test_late_return_from_shanghai_midnight_on(after: timedelta, late: bool) -> None:
    clock = ResponseClock(AT)
    assert clock.return_late(AT + after) is late
    assert clock.flags("return", AT + after)["late_return"] is late


@pytest.mark.parametrize(
    ("after", "late"),
    [(timedelta(hours=23), False), (timedelta(hours=24), False), (timedelta(hours=24, seconds=1), True)],
    ids=["within", "exactly-24h", "after"],
)
def test_late_collection_after_24_hours_like_scoring(after: timedelta, late: bool) -> None:
    clock = ResponseClock(AT)
    assert clock.collect_late(AT + after) is late
    assert clock.flags("accept", AT + after) == {"late_collection": late}
    assert clock.flags("return", AT + after)["late_collection"] is late


# -- pending -----------------------------------------------------------------------------------------
def test_pending_counts_unsettled_co_units_of_a_countersign_ticket_only() -> None:
    shares = [LEAD, CO_NEW, CO_ACCEPTED, CO_REPLIED, CO_WAIVED]
    assert pending_co_units(shares) == 2
    assert pending_co_units(shares, required=False) == 0
    assert pending_co_units([LEAD]) == 0


# -- check -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", sorted(CO_STATUSES), ids=str)
def test_co_unit_accepts_then_replies(status: Status) -> None:
    check(CoAction.CO_ACCEPT, status, Role.DEPARTMENT, CO_NEW, 1)
    check(CoAction.CO_REPLY, status, Role.DEPARTMENT, CO_ACCEPTED, 1, "已配合查处")


@pytest.mark.parametrize("action", [CoAction.CO_ACCEPT, CoAction.CO_REPLY], ids=str)
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN], ids=str)
def test_only_department_users_take_co_steps(action: CoAction, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        check(action, Status.IN_PROGRESS, role, CO_ACCEPTED, 1, "x")


@pytest.mark.parametrize("action", [CoAction.CO_ACCEPT, CoAction.CO_REPLY], ids=str)
@pytest.mark.parametrize("share", [None, LEAD], ids=["no-share", "lead"])
def test_only_a_co_unit_takes_co_steps(action: CoAction, share: Share | None) -> None:
    with pytest.raises(PermissionDenied):
        check(action, Status.IN_PROGRESS, Role.DEPARTMENT, share, 1, "x")


@pytest.mark.parametrize("action", list(CoAction), ids=str)
@pytest.mark.parametrize("status", sorted(set(Status) - CO_STATUSES), ids=str)
def test_co_steps_only_while_the_units_hold_the_matter(action: CoAction, status: Status) -> None:
    role = Role.SUPERVISOR if action is CoAction.WAIVE else Role.DEPARTMENT
    with pytest.raises(IllegalTransition):
        check(action, status, role, CO_ACCEPTED, 1, "x")


def test_co_accept_twice_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="already"):
        check(CoAction.CO_ACCEPT, Status.IN_PROGRESS, Role.DEPARTMENT, CO_ACCEPTED, 1)


def test_co_reply_needs_the_share_accepted_first() -> None:
    with pytest.raises(IllegalTransition, match="co_accept"):
        check(CoAction.CO_REPLY, Status.IN_PROGRESS, Role.DEPARTMENT, CO_NEW, 1, "x")


@pytest.mark.parametrize("share", [CO_REPLIED, CO_WAIVED], ids=["replied", "waived"])
def test_co_reply_only_once(share: Share) -> None:
    with pytest.raises(IllegalTransition):
        check(CoAction.CO_REPLY, Status.IN_PROGRESS, Role.DEPARTMENT, share, 0, "x")


@pytest.mark.parametrize("text", [None, "", "   "])
def test_co_reply_needs_text(text: str | None) -> None:
    with pytest.raises(InvalidInput):
        check(CoAction.CO_REPLY, Status.IN_PROGRESS, Role.DEPARTMENT, CO_ACCEPTED, 1, text)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN], ids=str)
def test_leaders_waive_outstanding_co_replies_with_a_reason(role: Role) -> None:
    check(CoAction.WAIVE, Status.IN_PROGRESS, role, None, 2, "协办单位逾期未复，由主办单位答复")
    with pytest.raises(InvalidInput):
        check(CoAction.WAIVE, Status.IN_PROGRESS, role, None, 2, None)
    with pytest.raises(IllegalTransition, match="outstanding"):
        check(CoAction.WAIVE, Status.IN_PROGRESS, role, None, 0, "x")


@pytest.mark.parametrize("role", [Role.AGENT, Role.DEPARTMENT], ids=str)
def test_others_may_not_waive(role: Role) -> None:
    with pytest.raises(PermissionDenied):
        check(CoAction.WAIVE, Status.IN_PROGRESS, role, CO_ACCEPTED, 2, "x")


# -- unit_actions ------------------------------------------------------------------------------------
def test_unit_actions_for_each_kind_of_share() -> None:
    facts = TicketFacts(status=Status.IN_PROGRESS, has_lead_unit=True, pending_co_units=1)
    assert unit_actions(facts, None) == []
    assert unit_actions(facts, CO_NEW) == ["co_accept"]
    assert unit_actions(facts, CO_ACCEPTED) == ["co_reply"]
    assert unit_actions(facts, CO_REPLIED) == []
    lead = unit_actions(facts, LEAD)
    assert "reply" not in lead
    assert {"promise", "request_extension"} <= set(lead)
    assert "reply" in unit_actions(replace(facts, pending_co_units=0), LEAD)


def test_co_action_labels_are_chinese() -> None:
    assert [a.label_zh for a in CoAction] == ["会签签收", "会签回复", "免除会签回复"]
