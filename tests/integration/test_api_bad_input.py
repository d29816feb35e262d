"""Bad input never crashes the API nor half-writes a ticket: every refusal is a typed 4xx.

Each refusal is checked for its status, its ``error_id`` and the ``{error_id, message, details}`` form
(docs/architecture.md §6); after every refused write the test checks that nothing changed — ticket
total, every ticket's status and version, event and assignment rows. Runs on SQLite and on a real PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import httpx
from apiharness import PASSWORD, Api
from sqlalchemy import func, select

from ticketing.accounts.models import User
from ticketing.departments.models import Department
from ticketing.tickets.models import TicketAssignment, TicketEvent

State = tuple[int, list[tuple[str, str, int]], int, int, int, int]


def assert_error(response: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """The response is a typed error: ``status``, ``error_id`` and exactly the three wire keys."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"error_id", "message", "details"}, body
    assert body["error_id"] == error_id, body
    assert isinstance(body["message"], str), body
    assert body["message"], body
    assert isinstance(body["details"], dict), body
    return body


def problem_fields(body: dict[str, Any]) -> set[str]:
    """The fields a request-validation error names."""
    return {e["field"] for e in body["details"]["errors"]}


def snapshot(api: Api) -> State:
    """What a refused request must leave untouched."""
    page = api.ok("admin", "GET", "/tickets", params={"page_size": 500})
    tickets = sorted((t["number"], t["status"], t["version"]) for t in page["items"])
    with api.engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(TicketEvent))
        assignments = conn.scalar(select(func.count()).select_from(TicketAssignment))
        departments = conn.scalar(select(func.count()).select_from(Department))
        users = conn.scalar(select(func.count()).select_from(User))
    return page["total"], tickets, events or 0, assignments or 0, departments or 0, users or 0


def _create(api: Api, body: Any, user: str = "agent") -> httpx.Response:
    return api.call(user, "POST", "/tickets", json=body)


VALID = {"category": "complaint", "title": "噪音扰民", "content": "工地夜间施工。"}


def test_create_refuses_bad_fields_and_writes_nothing(api: Api) -> None:
    api.new_ticket()
    before = snapshot(api)
    assert before[0] == 1

    def refused(body: Any, field: str) -> None:
        result = assert_error(_create(api, body), 422, "invalid_input")
        named = problem_fields(result) if "errors" in result["details"] else {result["details"]["field"]}
        assert field in named, (body, result)
        assert snapshot(api) == before, body

    # Unknown category: a code, a Chinese label that does not exist, and garbage of other types.
    body = assert_error(_create(api, {**VALID, "category": "nope"}), 422, "invalid_input")
    assert body["details"]["field"] == "category"
    assert "complaint" in body["details"]["allowed"]
    for garbage in ("nope", "投诉x", "", 123, None, ["complaint"], {"code": "help"}):
        refused({**VALID, "category": garbage}, "category")
    # Malformed phone numbers (R-ID: a number that cannot be called back is refused).
    for phone in ("12345", "abc", "+1 555 0100", "+1 (555) 010-0199", "1380013800", "138001380001"):
        refused({**VALID, "caller": {"phone": phone}}, "phone")
    refused({**VALID, "caller": {"phone": 13800138000}}, "caller.phone")
    # Oversized and empty fields.
    refused({**VALID, "title": "长" * 201}, "title")
    refused({**VALID, "title": "   "}, "title")
    refused({**VALID, "content": "x" * 20_001}, "content")
    refused({**VALID, "caller": {"name": "名" * 101}}, "caller.name")
    refused({**VALID, "location": "x" * 301}, "location")
    # Wrong types, wrong enum values.
    refused({**VALID, "content": 42}, "content")
    refused({**VALID, "content": {"text": "x"}}, "content")
    refused({**VALID, "channel": "pigeon"}, "channel")
    refused({**VALID, "urgency": "yesterday"}, "urgency")
    refused({**VALID, "as_draft": "perhaps"}, "as_draft")
    # Unknown fields are refused (extra=forbid), at the top and nested.
    refused({**VALID, "status": "archived"}, "status")
    refused({**VALID, "caller": {"name": "张三", "ssn": "x"}}, "caller.ssn")
    # Missing required fields: all of them are named.
    result = assert_error(_create(api, {}), 422, "invalid_input")
    assert problem_fields(result) >= {"category", "title", "content"}
    result = assert_error(_create(api, {"category": "help"}), 422, "invalid_input")
    assert problem_fields(result) == {"title", "content"}
    # NUL characters cannot be stored by PostgreSQL: refused up front on both backends, never a 500.
    refused({**VALID, "title": "a\x00b"}, "title")
    refused({**VALID, "caller": {"name": "张\x00三"}}, "caller.name")
    assert snapshot(api) == before

    # The limits are where they say: exactly 200 / 20 000 characters are accepted.
    created = api.ok("agent", "POST", "/tickets", expect=201, json={**VALID, "title": "长" * 200})
    assert len(created["title"]) == 200
    api.ok("agent", "POST", "/tickets", expect=201, json={**VALID, "content": "x" * 20_000})
    assert snapshot(api)[0] == 3


def test_malformed_or_wrongly_typed_bodies(api: Api) -> None:
    before = snapshot(api)
    json_header = {"Content-Type": "application/json"}
    for raw in (b'{"category": ', b"{'category': 'help'}", b'{"category": "help",}', b"not json", b"{"):
        response = api.call("agent", "POST", "/tickets", content=raw, headers=dict(json_header))
        body = assert_error(response, 400, "malformed_json")
        assert body["details"] == {}
        assert snapshot(api) == before
    # Valid JSON that is not an object, and a JSON body sent as something that is not JSON.
    for kwargs in (
        {"json": [VALID]},
        {"json": "complaint"},
        {"json": None},
        {
            "content": b'{"category":"help","title":"x","content":"y"}',
            "headers": {"Content-Type": "text/plain"},
        },
        {"data": {"category": "help", "title": "x", "content": "y"}},
    ):
        assert_error(api.call("agent", "POST", "/tickets", **kwargs), 422, "invalid_input")
        assert snapshot(api) == before
    # Malformed JSON on an action and on log-in too.
    number = api.new_ticket()["number"]
    before = snapshot(api)
    response = api.call(
        "agent", "POST", f"/tickets/{number}/urge", content=b'{"reason": "x"', headers=dict(json_header)
    )
    assert_error(response, 400, "malformed_json")
    response = api.client.post("/api/v1/auth/token", content=b'{"username": "agent",', headers=json_header)
    assert_error(response, 400, "malformed_json")
    assert snapshot(api) == before


def test_actions_refuse_bad_input_and_change_nothing(api: Api) -> None:
    number = api.new_ticket()["number"]
    before = snapshot(api)

    def refused(action: str, body: Any, status: int, error_id: str, user: str = "agent") -> dict[str, Any]:
        result = assert_error(
            api.call(user, "POST", f"/tickets/{number}/{action}", json=body), status, error_id
        )
        assert snapshot(api) == before, (action, body)
        return result

    # Unknown department on dispatch, as lead or as co-unit: 404 naming the unit; nothing assigned.
    result = refused("dispatch", {"lead_department": "city.nope"}, 404, "not_found")
    assert result["details"] == {"department": "city.nope"}
    refused(
        "dispatch", {"lead_department": "city.housing", "co_departments": ["city.nope"]}, 404, "not_found"
    )
    refused("dispatch", {"lead_department": "00000000-0000-0000-0000-000000000000"}, 404, "not_found")
    # The same unit as lead and co-unit; no lead at all.
    refused(
        "dispatch",
        {"lead_department": "city.housing", "co_departments": ["city.housing"]},
        422,
        "invalid_input",
    )
    result = refused("dispatch", {"co_departments": ["city.urban"]}, 422, "invalid_input")
    assert result["details"]["action"] == "dispatch"
    # Form errors.
    refused("dispatch", {"lead_department": "city.housing", "priority": "high"}, 422, "invalid_input")
    refused("urge", {"reason": "x" * 2001}, 422, "invalid_input")
    refused("urge", {"reason": "请尽快", "expected_version": 0}, 422, "invalid_input")
    refused("urge", {"reason": "请尽快", "expected_version": "one"}, 422, "invalid_input")
    refused(
        "dispatch", {"lead_department": "city.housing", "co_departments": "city.urban"}, 422, "invalid_input"
    )
    refused("dispatch", {"lead_department": "a\x00b"}, 422, "invalid_input")
    refused("callback", {"satisfaction": "thrilled"}, 422, "invalid_input")

    # On a ticket in progress: impossible dates are refused, far-future ones too (no overflow → 500).
    api.act("agent", number, "dispatch", lead_department="city.housing")
    api.act("housing", number, "accept")
    api.act("housing", number, "request_extension", reason="材料未到")
    before = snapshot(api)
    refused(
        "promise", {"reason": "计划", "promised_date": "2026-02-30"}, 422, "invalid_input", user="housing"
    )
    refused("promise", {"reason": "计划", "promised_date": "tomorrow"}, 422, "invalid_input", user="housing")
    refused(
        "promise", {"reason": "计划", "promised_date": "2020-01-01"}, 422, "invalid_input", user="housing"
    )
    refused("approve_extension", {"new_due_date": "9999-12-31"}, 422, "invalid_input", user="leader")
    refused("approve_extension", {"new_due_date": "2026-11-01"}, 422, "invalid_input", user="leader")
    ticket = api.ok("agent", "GET", f"/tickets/{number}")
    assert (ticket["status"], ticket["extension_pending"]) == ("in_progress", True)


def test_illegal_transitions_are_409_with_details(api: Api) -> None:
    number = api.new_ticket()["number"]
    before = snapshot(api)
    result = assert_error(
        api.call("agent", "POST", f"/tickets/{number}/close", json={}), 409, "illegal_transition"
    )
    assert result["details"] == {"action": "close", "status": "registered", "allowed_from": ["replied"]}
    assert_error(api.call("agent", "POST", f"/tickets/{number}/register", json={}), 409, "illegal_transition")
    assert_error(
        api.call("agent", "POST", f"/tickets/{number}/callback", json={"satisfaction": "satisfied"}),
        409,
        "illegal_transition",
    )
    # A missing reason is incomplete input, not a wrong state (R-SCOPE: a rejection records its reason).
    result = assert_error(
        api.call("agent", "POST", f"/tickets/{number}/reject", json={}), 422, "invalid_input"
    )
    assert result["details"] == {"action": "reject", "status": "registered"}
    assert snapshot(api) == before

    api.act("agent", number, "dispatch", lead_department="city.housing")
    api.act("housing", number, "accept")
    before = snapshot(api)
    result = assert_error(
        api.call("housing", "POST", f"/tickets/{number}/accept", json={}), 409, "illegal_transition"
    )
    assert result["details"] == {"action": "accept", "status": "in_progress", "allowed_from": ["dispatched"]}
    result = assert_error(
        api.call("housing", "POST", f"/tickets/{number}/reply", json={}), 422, "invalid_input"
    )
    assert result["details"]["status"] == "in_progress"
    assert_error(
        api.call(
            "leader", "POST", f"/tickets/{number}/approve_extension", json={"new_due_date": "2026-12-31"}
        ),
        409,
        "illegal_transition",
    )
    assert snapshot(api) == before


def test_wrong_role_is_403_and_changes_nothing(api: Api) -> None:
    number = api.new_ticket()["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing")
    before = snapshot(api)
    # A department may not dispatch, even a ticket it can see.
    result = assert_error(
        api.call("housing", "POST", f"/tickets/{number}/dispatch", json={"lead_department": "city.urban"}),
        403,
        "permission_denied",
    )
    assert result["details"]["allowed_roles"] == ["admin", "agent", "supervisor"]
    # The desk may not take the unit's actions.
    assert_error(api.call("agent", "POST", f"/tickets/{number}/accept", json={}), 403, "permission_denied")
    # Nor register tickets as a department.
    assert_error(_create(api, VALID, user="housing"), 403, "permission_denied")
    assert snapshot(api) == before

    api.act("housing", number, "accept")
    api.act("housing", number, "request_extension", reason="需要更多时间")
    before = snapshot(api)
    for user in ("agent", "housing"):
        result = assert_error(
            api.call(
                user, "POST", f"/tickets/{number}/approve_extension", json={"new_due_date": "2026-12-31"}
            ),
            403,
            "permission_denied",
        )
        assert result["details"]["allowed_roles"] == ["admin", "supervisor"]
    assert_error(
        api.call("agent", "POST", f"/tickets/{number}/supervise", json={"reason": "督办"}),
        403,
        "permission_denied",
    )
    assert snapshot(api) == before
    assert api.ok("agent", "GET", f"/tickets/{number}")["extension_pending"] is True

    # Only an admin manages departments, accounts and the calendar.
    workday = api.ok("agent", "GET", "/calendar/days/2027-01-04")["workday"]
    department = {"code": "city.new", "name": "新局", "level": "city"}
    for user in ("agent", "leader", "housing"):
        assert_error(api.call(user, "POST", "/departments", json=department), 403, "permission_denied")
        assert_error(
            api.call(user, "PATCH", "/departments/city.housing", json={"active": False}),
            403,
            "permission_denied",
        )
        account = {"username": f"x_{user}", "display_name": "x", "role": "admin", "password": "long-enough-1"}
        assert_error(api.call(user, "POST", "/users", json=account), 403, "permission_denied")
        assert_error(api.call(user, "GET", "/users"), 403, "permission_denied")
        overrides = {"days": [{"day": "2027-01-04", "workday": not workday}]}
        assert_error(api.call(user, "POST", "/calendar/overrides", json=overrides), 403, "permission_denied")
    assert snapshot(api) == before
    assert_error(api.call("admin", "GET", "/departments/city.new"), 404, "not_found")
    assert api.ok("admin", "GET", "/departments/city.housing")["active"] is True
    assert api.ok("agent", "GET", "/calendar/days/2027-01-04")["workday"] is workday


def test_list_query_validation(api: Api) -> None:
    api.new_ticket()
    assert api.ok("agent", "GET", "/tickets", params={"status": "registered"})["total"] == 1

    def refused(params: Any, field: str | None) -> None:
        result = assert_error(api.call("agent", "GET", "/tickets", params=params), 422, "invalid_input")
        if field is not None:
            named = problem_fields(result) if "errors" in result["details"] else {result["details"]["field"]}
            assert field in named, (params, result)

    refused({"status": "bogus"}, "query.status.0")
    refused([("status", "registered"), ("status", "bogus")], "query.status.1")
    refused({"category": "nope"}, "query.category.0")
    refused({"page_size": 0}, "query.page_size")
    refused({"page_size": 10_000}, "query.page_size")
    refused({"page": 0}, "query.page")
    refused({"page": "two"}, "query.page")
    refused({"overdue": "maybe"}, "query.overdue")
    refused({"due_within_hours": 0}, "query.due_within_hours")
    refused({"no_such_filter": "x"}, "query.no_such_filter")
    refused({"caller_phone": "abc"}, "phone")
    # Dates: a time zone offset is required; malformed and out-of-range values are refused.
    refused({"created_from": "2026-11-30T09:00:00"}, "created_from")
    refused({"created_to": "2026-11-30T09:00:00"}, "created_to")
    for bad in (
        "yesterday",
        "2026-13-01T00:00:00+08:00",
        "2026-11-30T25:00:00+08:00",
        "2026-11-31",
        "30/11/2026",
    ):
        refused({"created_from": bad}, "query.created_from")
    refused({"created_from": "0001-01-01T00:00:00+08:00"}, "query.created_from")
    refused({"created_to": "9999-12-31T23:59:59-08:00"}, "query.created_to")
    refused({"department": "a\x00b"}, "query.department")
    result = assert_error(
        api.call("agent", "GET", "/tickets", params={"department": "city.nope"}), 404, "not_found"
    )
    assert result["details"] == {"department": "city.nope"}
    # Boundaries that are allowed.
    assert api.ok("agent", "GET", "/tickets", params={"page_size": 500})["page_size"] == 500
    assert (
        api.ok("agent", "GET", "/tickets", params={"created_from": "2026-11-30T00:00:00+08:00"})["total"] == 1
    )


def test_unknown_routes_and_wrong_methods(api: Api) -> None:
    number = api.new_ticket()["number"]
    before = snapshot(api)
    for path in ("/api/v1/nope", "/api/v2/tickets", "/nope", f"/api/v1/tickets/{number}/explode"):
        assert_error(
            api.client.get(path, headers={"Authorization": f"Bearer {api.tokens['agent']}"}), 404, "not_found"
        )
    assert_error(api.call("agent", "POST", f"/tickets/{number}/explode", json={}), 404, "not_found")
    assert_error(api.call("agent", "GET", "/tickets/20991231-000001"), 404, "not_found")
    assert_error(api.call("agent", "GET", "/tickets/a%00b"), 422, "invalid_input")

    response = api.call("agent", "DELETE", "/tickets")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    response = api.call("agent", "DELETE", f"/tickets/{number}")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]
    response = api.call("agent", "GET", f"/tickets/{number}/accept")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert_error(
        api.call("admin", "PUT", "/departments/city.housing", json={"active": False}),
        405,
        "method_not_allowed",
    )
    assert snapshot(api) == before


def test_authentication_failures_are_401_with_challenge(api: Api) -> None:
    before = snapshot(api)

    def unauthenticated(response: httpx.Response) -> None:
        assert_error(response, 401, "authentication_required")
        assert response.headers["www-authenticate"] == "Bearer"

    unauthenticated(api.call(None, "GET", "/tickets"))
    unauthenticated(api.call(None, "POST", "/tickets", json=VALID))
    unauthenticated(api.call(None, "GET", "/tickets", headers={"Authorization": "Bearer garbage"}))
    unauthenticated(api.call(None, "GET", "/tickets", headers={"Authorization": "Bearer "}))
    unauthenticated(api.call(None, "GET", "/tickets", headers={"Authorization": api.tokens["agent"]}))
    unauthenticated(api.call(None, "GET", "/tickets", headers={"Authorization": "Basic YWdlbnQ6eA=="}))
    unauthenticated(
        api.call(None, "POST", "/tickets", json=VALID, headers={"Authorization": "Bearer garbage"})
    )
    # Wrong password, unknown user.
    unauthenticated(
        api.client.post("/api/v1/auth/token", json={"username": "agent", "password": "wrong-password"})
    )
    unauthenticated(api.client.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD}))
    assert_error(api.client.post("/api/v1/auth/token", json={"username": "agent"}), 422, "invalid_input")
    assert snapshot(api) == before

    # An expired token is refused, even for a write; a fresh log-in works again.
    api.clock.advance(days=366)
    unauthenticated(api.call("agent", "GET", "/tickets"))
    unauthenticated(api.call("agent", "POST", "/tickets", json=VALID))
    login = api.client.post("/api/v1/auth/token", json={"username": "agent", "password": PASSWORD})
    assert login.status_code == 200, login.text
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    listed = api.client.get("/api/v1/tickets", headers=fresh)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == before[0] == 0
