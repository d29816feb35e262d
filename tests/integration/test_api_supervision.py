"""Repeat matters (并单) and supervision (R-SUP) through the real API, on SQLite and PostgreSQL.

The harness clock starts Monday 2026-11-30 09:00 Shanghai. A 投诉 dispatched that day is due at the
end of its 5th working day (Mon Dec 7 24:00 Shanghai).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from apiharness import Api
from click.testing import CliRunner

from hotline.cli_supervision import supervision_group
from hotline.settings import Settings
from ticketing.statistics.periods import month_of

PHONE = "13800138000"
OTHER_PHONE = "13900139000"
NOISE = {"category": "complaint", "title": "夜间施工噪音", "content": "小区旁工地夜间施工，噪音扰民。"}
NOISE_AGAIN = {
    "category": "complaint",
    "title": "工地夜间施工噪音",
    "content": "上次反映了，工地晚上还在施工，噪音扰民睡不着。",
}
SOCIAL_CARD = {"category": "consult", "title": "社保卡补办", "content": "社保卡丢了，怎么补办？"}


def _ticket(api: Api, matter: dict[str, str], phone: str = PHONE) -> str:
    body: dict[str, Any] = {**matter, "caller": {"name": "张三", "phone": phone}}
    number: str = api.new_ticket(**body)["number"]
    return number


def _candidates(api: Api, number: str, user: str = "agent", **query: Any) -> list[str]:
    body = api.ok(user, "GET", f"/tickets/{number}/repeat-candidates", params=query)
    return [c["number"] for c in body["candidates"]]


def _events(api: Api, number: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = api.ok("leader", "GET", f"/tickets/{number}/events")
    return events


# -- repeat candidates ------------------------------------------------------------------------------


def test_same_caller_same_matter_is_a_candidate_with_its_similarity(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.act("agent", first, "dispatch", lead_department="city.urban")
    api.clock.advance(days=10)
    again = _ticket(api, NOISE_AGAIN)

    body = api.ok("agent", "GET", f"/tickets/{again}/repeat-candidates")

    assert body["rules"] == {"window_days": 30, "threshold": 0.25, "measure": "jaccard"}
    assert body["merged_into"] is None
    [candidate] = body["candidates"]
    assert candidate["number"] == first
    assert candidate["mergeable"] is True
    assert candidate["lead_department"] == "city.urban"
    assert candidate["score"] == candidate["jaccard"] >= 0.25
    assert 0 < candidate["jaccard"] <= candidate["cosine"] <= 1
    assert {"施工", "噪音"} <= set(candidate["shared_tokens"])


def test_same_caller_other_matter_and_other_caller_same_matter_are_not_candidates(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.clock.advance(days=2)
    other_matter = _ticket(api, SOCIAL_CARD)
    other_caller = _ticket(api, NOISE_AGAIN, phone=OTHER_PHONE)
    same = _ticket(api, NOISE_AGAIN)

    assert _candidates(api, other_matter) == []
    assert _candidates(api, other_caller) == []
    assert _candidates(api, same) == [first]  # the other two are not repeats of the noise either


def test_outside_the_window_is_not_a_candidate_unless_the_window_is_widened(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.clock.advance(days=31)
    again = _ticket(api, NOISE_AGAIN)

    assert _candidates(api, again) == []
    assert _candidates(api, again, window_days=45) == [first]
    assert _candidates(api, again, window_days=45, threshold=0.99) == []


def test_candidates_are_for_the_desk_and_the_caller_search_is_audited(api: Api) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from ticketing.tickets.models import AuditRecord

    number = _ticket(api, NOISE)
    response = api.call("urban", "GET", f"/tickets/{number}/repeat-candidates")
    assert response.status_code in (403, 404), response.text
    bad = api.call("agent", "GET", f"/tickets/{number}/repeat-candidates", params={"threshold": 0})
    assert bad.status_code == 422
    assert bad.json()["error_id"] == "invalid_input"

    api.ok("leader", "GET", f"/tickets/{number}/repeat-candidates")
    with Session(api.engine) as session:
        searches = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.what == "caller_search")
        )
    assert searches == 1


# -- merging -----------------------------------------------------------------------------------------


def test_merge_links_the_new_ticket_and_the_policy_failure_costs_the_unit_one_point(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.act("agent", first, "dispatch", lead_department="city.urban")
    api.act("urban", first, "accept")
    api.clock.advance(days=10)
    again = _ticket(api, NOISE_AGAIN)
    version = api.ok("agent", "GET", f"/tickets/{again}")["version"]

    link = api.ok(
        "agent",
        "POST",
        f"/tickets/{again}/merge",
        json={"into": first, "policy_not_carried_out": True, "expected_version": version},
    )

    assert link["merged_ticket"] == again
    assert link["target_ticket"] == first
    assert link["department"] == "city.urban"
    assert link["policy_not_carried_out"] is True
    # The merged ticket stays registered, linked, with a merge_repeat event; both versions bumped.
    merged = api.ok("agent", "GET", f"/tickets/{again}")
    assert (merged["status"], merged["version"]) == ("registered", version + 1)
    merged_event = _events(api, again)[-1]
    assert merged_event["id"] == link["merged_event_id"]
    assert merged_event["action"] == "merge_repeat"
    assert (merged_event["from_status"], merged_event["to_status"]) == ("registered", "registered")
    assert merged_event["actor"] == "agent"
    assert merged_event["payload"]["merged_into"] == first
    assert merged_event["payload"]["deduction_event_id"] == link["target_event_id"]
    assert "policy_not_carried_out" not in merged_event["payload"]  # counted once, on the target
    target_event = _events(api, first)[-1]
    assert target_event["id"] == link["target_event_id"]
    assert (target_event["action"], target_event["to_status"]) == ("merge_repeat", "in_progress")
    assert target_event["payload"]["policy_not_carried_out"] is True
    assert target_event["payload"]["department"] == "city.urban"
    assert target_event["payload"]["merged_ticket"] == again

    body = api.ok("agent", "GET", f"/tickets/{again}/repeat-candidates")
    assert body["merged_into"]["target_ticket"] == first
    assert api.ok("agent", "GET", f"/tickets/{first}/repeat-candidates")["merged_here"][0][
        "merged_ticket"
    ] == (again)

    # R-SCORE: −1 for the unit that did not act, traceable to the target's merge_repeat event.
    month = month_of(api.clock.now)
    table = api.ok("leader", "GET", "/scores", params={"month": month})
    lines = {
        d["department"]: [line for line in d["deductions"] if line["rule"] == "R-SCORE.repeat"]
        for d in table["departments"]
    }
    [line] = lines.pop("city.urban")
    assert (line["points"], line["ticket_number"], line["event_id"]) == (-1, first, link["target_event_id"])
    assert all(found == [] for found in lines.values())

    again_twice = api.call("agent", "POST", f"/tickets/{again}/merge", json={"into": first})
    assert (again_twice.status_code, again_twice.json()["error_id"]) == (409, "already_merged")


def test_a_merge_without_policy_failure_costs_nothing(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.act("agent", first, "dispatch", lead_department="city.housing")
    api.clock.advance(days=1)
    again = _ticket(api, NOISE_AGAIN)
    link = api.ok("agent", "POST", f"/tickets/{again}/merge", json={"into": first})
    assert (link["policy_not_carried_out"], link["department"]) == (False, None)
    assert _events(api, first)[-1]["payload"]["policy_not_carried_out"] is False
    table = api.ok("leader", "GET", "/scores", params={"month": month_of(api.clock.now)})
    assert not [
        line for d in table["departments"] for line in d["deductions"] if line["rule"] == "R-SCORE.repeat"
    ]


def test_merge_refusals(api: Api) -> None:
    first = _ticket(api, NOISE)  # registered, no lead unit yet
    api.clock.advance(hours=1)
    again = _ticket(api, NOISE_AGAIN)
    stranger = _ticket(api, NOISE_AGAIN, phone=OTHER_PHONE)

    def refused(user: str, number: str, **body: Any) -> tuple[int, str]:
        response = api.call(user, "POST", f"/tickets/{number}/merge", json=body)
        return response.status_code, response.json()["error_id"]

    assert refused("agent", again, into=again) == (422, "invalid_input")
    assert refused("agent", first, into=again) == (422, "invalid_input")  # newer into older only
    assert refused("agent", stranger, into=first) == (422, "not_same_caller")
    assert refused("agent", again, into=first, policy_not_carried_out=True) == (422, "invalid_input")
    assert refused("agent", again, into=first, department="city.urban") == (422, "invalid_input")
    assert refused("agent", again, into=first, expected_version=99) == (409, "stale_version")
    assert refused("urban", again, into=first)[0] in (403, 404)
    assert refused("agent", again, into="20000101-999999") == (404, "not_found")

    # A dispatched ticket is past merging; a closed one cannot be merged into.
    api.act("agent", stranger, "dispatch", lead_department="city.urban")
    assert refused("agent", stranger, into=first) == (409, "illegal_transition")
    api.act("agent", first, "reject", reason="测试: 不予受理")
    assert refused("agent", again, into=first) == (409, "illegal_transition")


def test_a_unit_can_be_named_when_the_target_has_no_lead(api: Api) -> None:
    first = _ticket(api, NOISE)
    api.act("agent", first, "escalate", reason="多部门, 报请批办")
    api.clock.advance(hours=2)
    again = _ticket(api, NOISE_AGAIN)
    link = api.ok(
        "leader",
        "POST",
        f"/tickets/{again}/merge",
        json={
            "into": first,
            "policy_not_carried_out": True,
            "department": "city.ecology",
            "reason": "重复反映",
        },
    )
    assert link["department"] == "city.ecology"
    table = api.ok("leader", "GET", "/scores", params={"month": month_of(api.clock.now)})
    ecology = next(d for d in table["departments"] if d["department"] == "city.ecology")
    assert [(line["rule"], line["event_id"]) for line in ecology["deductions"]] == [
        ("R-SCORE.repeat", link["target_event_id"])
    ]


# -- supervision overview and overdue marks ---------------------------------------------------------


def _scenario(api: Api) -> dict[str, str]:
    """A overdue (and 督办), B due soon, C 待批办, D 退件, E 延期 pending, F merged (excluded)."""
    t = {name: _ticket(api, {**NOISE, "title": f"{name} {NOISE['title']}"}, phone=f"1380013800{i}")
         for i, name in enumerate("ACDE")}  # fmt: skip
    api.act("agent", t["A"], "dispatch", lead_department="city.housing")
    api.act("agent", t["D"], "dispatch", lead_department="city.urban")
    api.act("urban", t["D"], "return", reason="不属于本单位职责")
    api.act("agent", t["C"], "escalate", reason="涉及多个部门")
    api.act("agent", t["E"], "dispatch", lead_department="city.ecology")
    api.act("ecology", t["E"], "accept")
    api.act("ecology", t["E"], "request_extension", reason="需要协调")
    api.clock.advance(days=1)
    t["B"] = _ticket(api, NOISE, phone="13800138009")
    api.act("agent", t["B"], "dispatch", lead_department="city.urban")
    t["F"] = _ticket(api, NOISE_AGAIN, phone="13800138000")  # same caller as A
    api.ok("agent", "POST", f"/tickets/{t['F']}/merge", json={"into": t["A"]})
    api.act("leader", t["A"], "supervise", reason="群众反映强烈, 督办")
    due_a = datetime.fromisoformat(api.ok("leader", "GET", f"/tickets/{t['A']}")["due_at"])
    api.clock.now = due_a + timedelta(hours=1)
    return t


def test_overview_counts_and_lists(api: Api) -> None:
    t = _scenario(api)

    body = api.ok("leader", "GET", "/supervision/overview")

    assert body["counts"] == {
        "overdue": 2,  # A; and E, whose deadline (same day as A's) passed too
        "due_soon": 1,
        "supervised": 1,
        "pending_instruction": 1,
        "returned": 1,
        "extension_pending": 1,
    }
    overdue = {row["number"]: row for row in body["overdue"]}
    assert set(overdue) == {t["A"], t["E"]}
    assert (overdue[t["A"]]["unit"], overdue[t["A"]]["hours_overdue"]) == ("city.housing", 1.0)
    assert overdue[t["A"]]["unit_name"]
    [soon] = body["due_soon"]
    assert (soon["number"], soon["unit"], soon["hours_left"]) == (t["B"], "city.urban", 23.0)
    assert [r["number"] for r in body["supervised"]] == [t["A"]]
    assert [r["number"] for r in body["pending_instruction"]] == [t["C"]]
    assert [(r["number"], r["unit"]) for r in body["returned"]] == [(t["D"], None)]
    assert [r["number"] for r in body["extension_pending"]] == [t["E"]]
    listed = {r["number"] for rows in body.values() if isinstance(rows, list) for r in rows}
    assert t["F"] not in listed  # merged: never in the overview

    wider = api.ok("agent", "GET", "/supervision/overview", params={"due_within_hours": 48, "limit": 1})
    assert wider["counts"]["due_soon"] == 1
    assert len(wider["overdue"]) == 1  # the limit caps the lists, not the counts
    assert api.call("housing", "GET", "/supervision/overview").status_code == 403


def test_mark_overdue_records_one_event_per_deadline_and_is_idempotent(api: Api, db_url: str) -> None:
    t = _scenario(api)
    due_a = datetime.fromisoformat(api.ok("leader", "GET", f"/tickets/{t['A']}")["due_at"])
    runner = CliRunner()
    obj = {"settings": Settings(database_url=db_url)}
    at = api.clock.now.isoformat()
    version = api.ok("leader", "GET", f"/tickets/{t['A']}")["version"]

    first = runner.invoke(supervision_group, ["mark-overdue", "--at", at], obj=obj)
    assert first.exit_code == 0, first.output
    assert "2 marked, 0 already marked" in first.output
    assert t["A"] in first.output

    overdue = [e for e in _events(api, t["A"]) if e["action"] == "overdue"]
    assert len(overdue) == 1
    [event] = overdue
    assert datetime.fromisoformat(event["at"]) == due_a  # the history shows when it became overdue
    assert (event["actor"], event["from_status"], event["to_status"]) == (
        "system",
        "dispatched",
        "dispatched",
    )
    assert event["payload"]["department"] == "city.housing"
    assert datetime.fromisoformat(event["payload"]["missed_due_at"]) == due_a
    assert api.ok("leader", "GET", f"/tickets/{t['A']}")["version"] == version  # an observation only

    again = runner.invoke(supervision_group, ["mark-overdue", "--at", at], obj=obj)
    assert again.exit_code == 0, again.output
    assert "0 marked, 2 already marked" in again.output
    assert len([e for e in _events(api, t["A"]) if e["action"] == "overdue"]) == 1

    # Not yet overdue at an earlier instant; a naive instant is refused.
    earlier = runner.invoke(
        supervision_group, ["mark-overdue", "--at", (due_a - timedelta(hours=1)).isoformat()], obj=obj
    )
    assert "0 marked, 0 already marked" in earlier.output
    naive = runner.invoke(supervision_group, ["mark-overdue", "--at", "2026-12-08T10:00"], obj=obj)
    assert naive.exit_code != 0
    assert "time zone" in naive.output


def test_a_merged_ticket_leaves_the_list_and_takes_no_actions(api: Api) -> None:
    first = api.new_ticket(
        title="小区工地夜间施工噪音扰民", content="小区旁工地每晚施工到深夜，噪音很大，影响休息。"
    )
    api.act("agent", first["number"], "dispatch", lead_department="city.housing")
    api.clock.advance(days=3)
    again = api.new_ticket(
        title="工地夜间施工噪音", content="上次反映的工地夜间施工噪音还是没人管，每晚施工到深夜。"
    )
    api.ok("agent", "POST", f"/tickets/{again['number']}/merge", json={"into": first["number"]})
    listed = [t["number"] for t in api.ok("agent", "GET", "/tickets")["items"]]
    assert again["number"] not in listed
    assert first["number"] in listed
    with_merged = api.ok("agent", "GET", "/tickets", params={"include_merged": "true"})["items"]
    assert again["number"] in [t["number"] for t in with_merged]
    refused = api.call(
        "agent", "POST", f"/tickets/{again['number']}/dispatch", json={"lead_department": "city.urban"}
    )
    assert refused.status_code == 409
    assert refused.json()["details"]["merged_into"] == first["number"]
