"""The ticket API end to end on SQLite and a real PostgreSQL: lifecycle, filters, history, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime

from apiharness import Api


def test_full_life_of_a_dispatched_complaint(api: Api) -> None:
    ticket = api.new_ticket()
    number = ticket["number"]
    assert ticket["status"] == "registered"
    assert number.startswith("20261130-")  # Shanghai date of the clock
    assert ticket["caller"]["phone"] == "+8613800138000"

    ticket = api.act(
        "agent", number, "dispatch", lead_department="city.housing", co_departments=["city.urban"]
    )
    assert ticket["status"] == "dispatched"
    # Dispatched Monday 2026-11-30 09:00 Shanghai; 投诉 = 5 working days → end of Monday 2026-12-07.
    assert ticket["due_at"].startswith("2026-12-07T16:00:00")
    assert {(a["department_code"], a["role"]) for a in ticket["assignments"]} == {
        ("city.housing", "lead"),
        ("city.urban", "co"),
    }
    api.act("housing", number, "accept")
    api.act("housing", number, "reply", reason="已责令停止夜间施工")
    api.act("agent", number, "close")
    final = api.act("agent", number, "callback", satisfaction="satisfied")
    assert final["status"] == "archived"

    events = api.ok("leader", "GET", f"/tickets/{number}/events")
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("register", None, "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("close", "replied", "completed"),
        ("callback", "completed", "archived"),
    ]
    assert [e["actor"] for e in events] == ["agent", "agent", "housing", "housing", "agent", "agent"]
    assert events[3]["reason"] == "已责令停止夜间施工"
    assert events[1]["payload"]["lead_department"] == "city.housing"


def test_return_redispatch_promise_extension(api: Api) -> None:
    number = api.new_ticket(category="help")["number"]
    api.act("agent", number, "dispatch", lead_department="city.ecology")
    returned = api.act("ecology", number, "return", reason="不属于本单位职责，应由住建局办理")
    assert returned["status"] == "returned"
    assert returned["due_at"] is None
    # The unit that returned it no longer sees it.
    assert api.call("ecology", "GET", f"/tickets/{number}").status_code == 404
    api.act("agent", number, "dispatch", lead_department="city.housing")
    api.act("housing", number, "accept")
    promised = api.act(
        "housing", number, "promise", promised_date="2027-01-15", reason="需协调施工方，预计一月中旬完成"
    )
    assert promised["status"] == "promised"
    assert promised["handling_kind"] == "promised"
    assert promised["promised_date"] == "2027-01-15"
    api.act("housing", number, "request_extension", reason="材料采购延迟", new_due_date="2026-12-31")
    duplicate = api.call("housing", "POST", f"/tickets/{number}/request_extension", json={"reason": "again"})
    assert duplicate.status_code == 409
    approved = api.act("leader", number, "approve_extension", new_due_date="2026-12-31")
    assert approved["due_at"].startswith("2026-12-31T16:00:00")
    assert approved["extension_pending"] is False
    api.act("housing", number, "reply", reason="已完成整改")
    api.act("agent", number, "close")
    redo = api.act("agent", number, "callback", satisfaction="satisfied", result_satisfaction="unsatisfied")
    assert redo["status"] == "dispatched"  # 重办 back to the lead unit
    assert redo["redo_count"] == 1


def test_direct_answer_escalation_and_rejection(api: Api) -> None:
    article = {
        "code": "KB-2026-0012",
        "title": "社保卡补办流程",
        "category": "社保",
        "answer": "携带身份证到社保网点补办。",
    }
    api.ok("leader", "POST", "/knowledge/articles", expect=201, json={**article, "publish": True})
    direct = api.new_ticket(category="consult", title="社保卡补办流程")["number"]
    missing_ref = api.call("agent", "POST", f"/tickets/{direct}/answer_directly", json={})
    assert (missing_ref.status_code, missing_ref.json()["error_id"]) == (422, "invalid_input")
    done = api.act("agent", direct, "answer_directly", knowledge_ref="KB-2026-0012")
    assert (done["status"], done["knowledge_ref"]) == ("completed", "KB-2026-0012")
    assert done["closed_at"] is not None

    escalated = api.new_ticket(category="report", title="多部门推诿")["number"]
    api.act("agent", escalated, "escalate", reason="职责不清，报请领导批办")
    assert (
        api.call(
            "agent", "POST", f"/tickets/{escalated}/instruct", json={"lead_department": "city.urban"}
        ).status_code
        == 403
    )
    instructed = api.act("leader", escalated, "instruct", lead_department="city.urban", reason="由城管局牵头")
    assert instructed["status"] == "dispatched"
    # 举报: 10 working days from Monday 2026-11-30 → end of Monday 2026-12-14.
    assert instructed["due_at"].startswith("2026-12-14T16:00:00")

    draft = api.new_ticket(as_draft=True, title="广告推销")["number"]
    assert api.ok("agent", "GET", f"/tickets/{draft}")["status"] == "draft"
    no_reason = api.call("agent", "POST", f"/tickets/{draft}/reject", json={})
    assert (no_reason.status_code, no_reason.json()["error_id"]) == (422, "invalid_input")
    rejected = api.act("agent", draft, "reject", reason="广告推销，不予受理")
    assert rejected["status"] == "rejected"


def test_supervision_and_overdue_queries(api: Api) -> None:
    late = api.new_ticket(category="consult")["number"]
    on_time = api.new_ticket(category="report")["number"]
    api.act("agent", late, "dispatch", lead_department="city.housing")
    api.act("agent", on_time, "dispatch", lead_department="city.housing")
    before = api.ok("agent", "GET", f"/tickets/{late}")["version"]
    urged = api.act("agent", late, "urge", reason="请尽快办理")
    assert urged["version"] == before + 1  # even with the clock standing still
    supervised = api.act("leader", late, "supervise", reason="群众反映强烈，列入督办")
    assert supervised["supervised"] is True
    assert supervised["status"] == "dispatched"

    # 咨询 (3 working days) is due at the end of Thursday 2026-12-03; move the clock past it.
    api.clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    overdue = api.ok("leader", "GET", "/tickets", params={"overdue": "true"})
    assert [t["number"] for t in overdue["items"]] == [late]
    assert overdue["items"][0]["overdue"] is True
    not_overdue = api.ok("leader", "GET", "/tickets", params={"overdue": "false"})
    assert [t["number"] for t in not_overdue["items"]] == [on_time]
    # 举报 dispatched Monday is due 2026-12-14 24:00; within 11 days it is "due soon", within 1 day not.
    assert api.ok("leader", "GET", "/tickets", params={"due_within_hours": 24})["total"] == 0
    soon = api.ok("leader", "GET", "/tickets", params={"due_within_hours": 24 * 11})
    assert [t["number"] for t in soon["items"]] == [on_time]


def test_list_filters_and_pagination(api: Api) -> None:
    numbers = []
    for i in range(7):
        category = "consult" if i % 2 else "complaint"
        numbers.append(
            api.new_ticket(category=category, caller={"phone": f"1390000000{i}"}, title=f"第{i}件")["number"]
        )
        api.clock.advance(minutes=1)
    api.act("agent", numbers[0], "dispatch", lead_department="city.urban")

    page1 = api.ok("agent", "GET", "/tickets", params={"page_size": 3})
    page3 = api.ok("agent", "GET", "/tickets", params={"page_size": 3, "page": 3})
    assert page1["total"] == 7
    assert [t["number"] for t in page1["items"]] == numbers[::-1][:3]  # newest first
    assert [t["number"] for t in page3["items"]] == [numbers[0]]

    consult = api.ok("agent", "GET", "/tickets", params={"category": "consult"})
    assert {t["number"] for t in consult["items"]} == {numbers[1], numbers[3], numbers[5]}
    by_status = api.ok("agent", "GET", "/tickets", params=[("status", "dispatched"), ("status", "draft")])
    assert [t["number"] for t in by_status["items"]] == [numbers[0]]
    by_unit = api.ok("agent", "GET", "/tickets", params={"department": "city.urban"})
    assert [t["number"] for t in by_unit["items"]] == [numbers[0]]
    by_phone = api.ok("agent", "GET", "/tickets", params={"caller_phone": "139-0000-0004"})
    assert [t["number"] for t in by_phone["items"]] == [numbers[4]]
    window = api.ok(
        "agent",
        "GET",
        "/tickets",
        params={"created_from": "2026-11-30T09:02:00+08:00", "created_to": "2026-11-30T09:04:00+08:00"},
    )
    assert [t["number"] for t in window["items"]] == [numbers[3], numbers[2]]
    # Lists never show a full phone number.
    assert all("*" in t["caller"]["phone"] for t in page1["items"])


def test_ticket_numbers_are_sequential_per_shanghai_day(api: Api) -> None:
    first = api.new_ticket()["number"]
    second = api.new_ticket()["number"]
    assert first == "20261130-000001"
    assert second == "20261130-000002"
    api.clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 12-01 in Shanghai
    assert api.new_ticket()["number"] == "20261201-000001"


def test_departments_crud(api: Api) -> None:
    created = api.ok(
        "admin",
        "POST",
        "/departments",
        expect=201,
        json={
            "code": "street.west.nanyuan",
            "name": "西城区南苑街道办事处",
            "level": "street",
            "parent": "district.west",
        },
    )
    assert created["level"] == "street"
    codes = [d["code"] for d in api.ok("agent", "GET", "/departments")]
    assert "street.west.nanyuan" in codes
    renamed = api.ok(
        "admin", "PATCH", "/departments/street.west.nanyuan", json={"name": "南苑街道", "active": False}
    )
    assert (renamed["name"], renamed["active"]) == ("南苑街道", False)
    assert "street.west.nanyuan" not in [d["code"] for d in api.ok("agent", "GET", "/departments")]
    # Inactive units cannot receive tickets.
    number = api.new_ticket()["number"]
    refused = api.call(
        "agent", "POST", f"/tickets/{number}/dispatch", json={"lead_department": "street.west.nanyuan"}
    )
    assert refused.status_code == 422
    assert api.ok("agent", "GET", f"/tickets/{number}")["status"] == "registered"


def test_leader_recalls_a_stalled_matter_and_redispatches_it(api: Api) -> None:
    number = api.new_ticket(category="help")["number"]
    api.act("agent", number, "dispatch", lead_department="city.ecology")
    api.act("ecology", number, "accept")
    assert api.call("agent", "POST", f"/tickets/{number}/recall", json={"reason": "x"}).status_code == 403
    recalled = api.act("leader", number, "recall", reason="久拖不办，收回报请领导批办")
    assert (recalled["status"], recalled["due_at"], recalled["supervised"]) == (
        "pending_instruction",
        None,
        True,
    )
    assert api.call("ecology", "GET", f"/tickets/{number}").status_code == 404
    redispatched = api.act(
        "leader", number, "instruct", lead_department="city.housing", reason="改由住建局办理"
    )
    assert redispatched["status"] == "dispatched"
    assert [a["department_code"] for a in redispatched["assignments"] if a["active"]] == ["city.housing"]
    assert api.ok("housing", "GET", f"/tickets/{number}")["status"] == "dispatched"
