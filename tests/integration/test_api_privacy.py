"""R-PRIV end to end: which unit sees which ticket, whose identity it sees, and the audit of every read.

- A department sees only tickets its unit is actively assigned to; others are invisible (404, absent
  from lists and totals).
- A department never sees a 保密 caller's identity, nor any 举报 reporter's; it does see the caller of an
  ordinary complaint assigned to it.
- Lists mask phone numbers for every role; every single-ticket read that reveals identity is audited,
  and so is every search by caller phone.
"""

from __future__ import annotations

import uuid
from typing import Any

from apiharness import Api
from sqlalchemy import select

from ticketing.accounts.models import User
from ticketing.tickets.models import AuditRecord, TicketEvent

CALLER = {"name": "李四", "phone": "13912345678", "address": "解放路88号"}
FULL_PHONE = "+8613912345678"
ROLES = ("admin", "agent", "leader")


def user_id(api: Api, username: str) -> uuid.UUID:
    with api.engine.connect() as conn:
        found = conn.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def audit_rows(api: Api) -> list[tuple[str, uuid.UUID | None, uuid.UUID | None, str | None]]:
    """``(what, user_id, ticket_id, detail)`` of every audit row, oldest first."""
    with api.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRecord.what, AuditRecord.user_id, AuditRecord.ticket_id, AuditRecord.detail).order_by(
                AuditRecord.id
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def event_count(api: Api) -> int:
    with api.engine.connect() as conn:
        return len(conn.execute(select(TicketEvent.id)).all())


def listed(api: Api, user: str, **params: Any) -> dict[str, dict[str, Any]]:
    page = api.ok(user, "GET", "/tickets", params={"page_size": 500, **params})
    assert page["total"] == len(page["items"])
    return {t["number"]: t for t in page["items"]}


def test_department_sees_only_its_own_tickets(api: Api) -> None:
    housing = api.new_ticket(title="住建")["number"]
    urban = api.new_ticket(title="城管")["number"]
    undispatched = api.new_ticket(title="未派")["number"]
    api.act("agent", housing, "dispatch", lead_department="city.housing")
    api.act("agent", urban, "dispatch", lead_department="city.urban")

    assert set(listed(api, "housing")) == {housing}
    assert set(listed(api, "urban")) == {urban}
    assert listed(api, "ecology") == {}
    assert set(listed(api, "agent")) == {housing, urban, undispatched}
    # Filtering by another unit does not open a window onto its tickets.
    assert api.ok("housing", "GET", "/tickets", params={"department": "city.urban"})["total"] == 0
    assert api.ok("housing", "GET", "/tickets", params={"status": "dispatched"})["total"] == 1

    audits = audit_rows(api)
    for number in (urban, undispatched):
        # Invisible means missing: the same 404 as for a ticket that does not exist.
        for path in (f"/tickets/{number}", f"/tickets/{number}/events"):
            response = api.call("housing", "GET", path)
            assert response.status_code == 404, response.text
            assert response.json()["error_id"] == "not_found"
        ticket_id = api.ok("agent", "GET", f"/tickets/{number}")["id"]
        assert api.call("housing", "GET", f"/tickets/{ticket_id}").status_code == 404
        # Nor can it act on it.
        before = event_count(api)
        assert api.call("housing", "POST", f"/tickets/{number}/accept", json={}).status_code == 404
        assert api.call("housing", "POST", f"/tickets/{number}/urge", json={"reason": "x"}).status_code == 404
        assert event_count(api) == before
    # Refused reads of other units' tickets reveal nothing, so they audit nothing for housing.
    housing_id = user_id(api, "housing")
    assert [a for a in audit_rows(api)[len(audits) :] if a[1] == housing_id] == []


def test_confidential_caller_is_hidden_from_the_unit(api: Api) -> None:
    number = api.new_ticket(caller={**CALLER, "confidential": True})["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing", co_departments=["city.urban"])
    before = audit_rows(api)

    for unit in ("housing", "urban"):
        caller = api.ok(unit, "GET", f"/tickets/{number}")["caller"]
        assert caller == {"name": None, "phone": None, "address": None, "confidential": True, "masked": True}
        assert listed(api, unit)[number]["caller"]["phone"] is None
    # The unit's own action responses do not leak it either.
    accepted = api.act("housing", number, "accept")
    assert accepted["caller"]["name"] is None
    assert accepted["caller"]["phone"] is None
    # A withheld identity is not a read of it: nothing audited.
    assert audit_rows(api) == before

    # The desk still sees it (and that read is audited).
    caller = api.ok("agent", "GET", f"/tickets/{number}")["caller"]
    assert (caller["name"], caller["phone"], caller["address"]) == ("李四", FULL_PHONE, "解放路88号")
    assert [a[0] for a in audit_rows(api)[len(before) :]] == ["caller_identity"]


def test_reporter_identity_is_never_shown_to_a_unit(api: Api) -> None:
    # 举报 without a 保密 request: the accused unit must still never learn who reported it.
    number = api.new_ticket(category="report", caller=CALLER)["number"]
    api.act("agent", number, "dispatch", lead_department="city.urban")
    before = audit_rows(api)
    ticket = api.ok("urban", "GET", f"/tickets/{number}")
    assert ticket["caller"] == {
        "name": None,
        "phone": None,
        "address": None,
        "confidential": False,
        "masked": True,
    }
    assert listed(api, "urban")[number]["caller"] == ticket["caller"]
    assert api.act("urban", number, "accept")["caller"]["phone"] is None
    assert audit_rows(api) == before
    # The events a unit may read carry no identity either.
    events = api.ok("urban", "GET", f"/tickets/{number}/events")
    assert "13912345678" not in str(events)
    assert "李四" not in str(events)


def test_unit_sees_caller_of_an_ordinary_complaint_and_the_read_is_audited(api: Api) -> None:
    number = api.new_ticket(caller=CALLER)["number"]
    ticket = api.act("agent", number, "dispatch", lead_department="city.housing")
    before = audit_rows(api)

    caller = api.ok("housing", "GET", f"/tickets/{number}")["caller"]
    assert caller == {
        "name": "李四",
        "phone": FULL_PHONE,
        "address": "解放路88号",
        "confidential": False,
        "masked": False,
    }
    new = audit_rows(api)[len(before) :]
    assert len(new) == 1
    what, reader, ticket_id, detail = new[0]
    assert (what, reader, str(ticket_id)) == ("caller_identity", user_id(api, "housing"), ticket["id"])
    assert detail == "department:housing"

    # Every role's full read is audited with its own user id, one row per read.
    for user in ROLES:
        api.ok(user, "GET", f"/tickets/{number}")
        api.ok(user, "GET", f"/tickets/{ticket['id']}")
    readers = [a[1] for a in audit_rows(api)[len(before) + 1 :]]
    assert readers == [user_id(api, u) for u in ROLES for _ in range(2)]
    assert {a[0] for a in audit_rows(api)} == {"caller_identity"}


def test_lists_mask_phones_for_every_role_and_audit_nothing(api: Api) -> None:
    plain = api.new_ticket(caller=CALLER)["number"]
    secret = api.new_ticket(caller={**CALLER, "phone": "0571-8765 4321", "confidential": True})["number"]
    anonymous = api.new_ticket(caller={})["number"]
    for number in (plain, secret):
        api.act("agent", number, "dispatch", lead_department="city.housing")
    before = audit_rows(api)

    for user in (*ROLES, "housing"):
        items = listed(api, user)
        for number in (plain, secret):
            caller = items[number]["caller"]
            if caller["phone"] is not None:
                assert "*" in caller["phone"], (user, caller)
                assert caller["phone"] not in (FULL_PHONE, "+8657187654321"), (user, caller)
                assert caller["masked"] is True
            assert caller["address"] is None, (user, caller)
            assert caller["name"] != "李四", (user, caller)
        if user != "housing":
            assert items[plain]["caller"]["phone"] == "+86139****5678"
            assert items[anonymous]["caller"] == {
                "name": None,
                "phone": None,
                "address": None,
                "confidential": False,
                "masked": False,
            }
    # Masked reads (lists, action responses, a ticket without any identity) are not audited.
    api.ok("agent", "GET", f"/tickets/{anonymous}")
    api.act("agent", plain, "urge", reason="请尽快办理")
    assert audit_rows(api) == before


def test_caller_phone_search(api: Api) -> None:
    mine = api.new_ticket(caller=CALLER)["number"]
    api.new_ticket(caller={"phone": "13800000000"})
    api.act("agent", mine, "dispatch", lead_department="city.housing")
    before = audit_rows(api)

    # Departments may not search by caller, not even among their own tickets.
    response = api.call("housing", "GET", "/tickets", params={"caller_phone": "13912345678"})
    assert response.status_code == 403, response.text
    assert response.json()["error_id"] == "permission_denied"
    assert audit_rows(api) == before

    for user in ROLES:
        found = api.ok(user, "GET", "/tickets", params={"caller_phone": "139 1234 5678"})
        assert [t["number"] for t in found["items"]] == [mine]
        assert "*" in found["items"][0]["caller"]["phone"]
    new = audit_rows(api)[len(before) :]
    assert [(a[0], a[1], a[2]) for a in new] == [("caller_search", user_id(api, u), None) for u in ROLES]
    assert all(a[3] is not None and a[3].endswith(FULL_PHONE) for a in new)
    # A list without a phone filter is no search.
    api.ok("agent", "GET", "/tickets")
    assert len(audit_rows(api)) == len(before) + len(ROLES)


def test_co_unit_sees_but_cannot_act_for_the_lead(api: Api) -> None:
    number = api.new_ticket(caller=CALLER)["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing", co_departments=["city.urban"])
    assert api.ok("urban", "GET", f"/tickets/{number}")["status"] == "dispatched"
    assert number in listed(api, "urban")

    def refused(action: str, **body: Any) -> None:
        before = (api.ok("agent", "GET", f"/tickets/{number}")["version"], event_count(api))
        response = api.call("urban", "POST", f"/tickets/{number}/{action}", json=body)
        assert response.status_code == 403, (action, response.text)
        assert response.json()["error_id"] == "permission_denied"
        assert (api.ok("agent", "GET", f"/tickets/{number}")["version"], event_count(api)) == before

    refused("accept")
    refused("return", reason="不归我们管")
    api.act("housing", number, "accept")
    refused("reply", reason="已处理")
    refused("promise", reason="计划", promised_date="2027-01-15")
    refused("request_extension", reason="需要时间")
    assert api.ok("agent", "GET", f"/tickets/{number}")["status"] == "in_progress"
    api.act("housing", number, "reply", reason="已处理完毕")


def test_unit_that_returned_a_ticket_no_longer_sees_it(api: Api) -> None:
    number = api.new_ticket(caller=CALLER)["number"]
    api.act("agent", number, "dispatch", lead_department="city.ecology", co_departments=["city.urban"])
    assert number in listed(api, "ecology")
    api.act("ecology", number, "return", reason="不属于本单位职责")

    for unit in ("ecology", "urban"):
        assert number not in listed(api, unit)
        assert api.ok(unit, "GET", "/tickets")["total"] == 0
        assert api.call(unit, "GET", f"/tickets/{number}").status_code == 404
        assert api.call(unit, "GET", f"/tickets/{number}/events").status_code == 404
    # Re-dispatched elsewhere: the new unit sees it, the old one still does not.
    api.act("agent", number, "dispatch", lead_department="city.housing")
    assert number in listed(api, "housing")
    assert api.call("ecology", "GET", f"/tickets/{number}").status_code == 404
    assert api.call("ecology", "POST", f"/tickets/{number}/accept", json={}).status_code == 404
    assert api.ok("agent", "GET", f"/tickets/{number}")["status"] == "dispatched"
