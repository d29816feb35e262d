"""Statistics and scores end to end on SQLite and PostgreSQL, on the FIXTURE MONTH 2026-11.

The scenario is in ``tests/fixtures/scoring_month.py`` (read its table first). Every expected number
below is computed by hand from that table; H = city.housing, U = city.urban, E = city.ecology, "dN" is
November N (Shanghai), the clock ends Dec 1 12:00.

EPISODES (a spell at the lead unit; ✓ in time, ✗ not, – not counted in November)::

    unit  episode            24 h response                 deadline (按时办结)
    H     T01 d2             ✓ 1 h                         ✓ reply d4 < d9 24:00
    H     T02 d2             ✗ 25 h (mark d3 09:00)        ✓ reply d6 < d9 24:00
    H     T03 d2             ✓ 6 h                         ✗ overdue at d9 24:00 (reply d11)
    H     T03 重办 d12       ✓ 2 h                         ✓ reply d16 < d19 24:00
    H     T04 d9             ✓ 退件 2 h                    – returned before its deadline
    H     T05 d16            ✗ 退件 48 h (mark d17 09:00)  – returned before its deadline
    H     T06 d23            ✓ 1 h                         – due Dec 1 00:00: a December fact
    H     T07 d24            ✗ never (mark d25 09:00)      ✗ overdue at d27 24:00
    H     T16 批办 d19       ✓ 1 h                         ✓ reply d24 < d26 24:00
    U     T04 改派 d9        ✗ 26 h (mark d10 14:00)       ✓ reply d11 < d12 24:00
    U     T08 d3             ✓                             ✓
    U     T09 d3             ✓                             ✓ 延期 d6 (before d10 24:00) to d20; reply d18
    U     T10 d4             ✓                             ✗ overdue at d11 24:00; 延期 d12 came too late
    U     T10 重办 d20       ✓                             ✓ reply d26 < d27 24:00
    U     T11 d16            ✓                             ✓ 承诺 d17 < d19 24:00 (R-KIND)
    U     T12 d25            ✓                             ✓ reply d27 < Dec 2 24:00
    E     T05 d18            ✓                             ✓ reply d25
    E     T13 d2             ✓ (U is only a co-unit)       ✓
    E     T14 d5             ✓ exactly 24 h                ✓
    E     T15 d10            ✓                             ✗ overdue at d13 24:00 (reply d16)
    E     T15 重办 d17       ✗ 49 h (mark d18 10:00)       ✓ reply d20 09:00 < d20 24:00
    E     T16 d19            – 收回 after 6 h              – 收回
    E     T20 Oct 30         – settled Oct 30              ✗ overdue at Nov 6 24:00 = Nov 7 00:00

CALLBACKS in November (process/result; ✗ = 不满意)::

    H: T01 very/very, T02 sat/sat, T03 sat/✗ (重办), T03 basic/basic, T16 sat/sat
    U: T04 sat/sat, T08 ✗/sat, T09 sat/sat, T10 basic/✗ (重办), T10 sat/sat, T12 very/very
    E: T05 very/sat, T13 sat/basic, T14 basic/basic, T15 ✗/✗ (重办), T15 sat/sat, T20 sat/sat
"""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from apiharness import Api

from ticketing.categories import Category

H, U, E = "city.housing", "city.urban", "city.ecology"


def _fixture_module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "scoring_month.py"
    spec = importlib.util.spec_from_file_location("scoring_month", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scoring_month = _fixture_module()


def _compact(row: dict[str, Any]) -> tuple[Any, ...]:
    def r(name: str) -> tuple[int, int]:
        return (row[name]["numerator"], row[name]["denominator"])

    return (
        row["registered"],
        row["dispatched"],
        r("response"),
        r("on_time"),
        row["overdue"],
        row["returns"],
        row["redo"],
        row["callbacks"],
        r("resolution"),
        r("process_satisfaction"),
        r("result_satisfaction"),
    )


# (registered, dispatched, 响应率, 按时办结率, overdue, 退件, 重办, callbacks, 解决率, 过程满意率, 结果满意率)
EXPECTED_BY_UNIT = {
    # registered: T01 T02 T03 T04 T05 T06 T07 T16 = 8; dispatched: the 9 H episodes above.
    # response: ✓ T01 T03 T03r T04 T06 T16 = 6 of 9 (✗ T02 T05 T07) → 0.6667
    # on time: ✓ T01 T02 T03r T16 = 4 of 6 (✗ T03 T07; T04 T05 returned, T06 December) → 0.6667
    # callbacks 5: process 5/5 = 1.0; result 4/5 = 0.8 (T03 ✗); matters T01 T02 T03 T16: latest all ok 4/4
    H: (8, 9, (6, 9), (4, 6), 2, 2, 1, 5, (4, 4), (5, 5), (4, 5)),
    # registered: T04 T08 T09 T10 T11 T12 = 6 (T13: co-unit only); dispatched 7
    # response 6/7 (✗ T04 26 h) → 0.8571; on time 6/7 (✗ T10) → 0.8571
    # callbacks 6: process 5/6 (T08 ✗); result 5/6 (T10 ✗); matters T04 T08 T09 T10 T12 → 5/5
    U: (6, 7, (6, 7), (6, 7), 1, 0, 1, 6, (5, 5), (5, 6), (5, 6)),
    # registered: T05 T13 T14 T15 T16 = 5 (T20 was October); dispatched d18 d2 d5 d10 d17 d19 = 6
    # response 4/5 (✗ T15 redo; T16 recalled early, T20 October); on time 4/6 (✗ T15, T20)
    # callbacks 6: process 5/6, result 5/6 (T15 ✗/✗); matters T05 T13 T14 T15 T20 → 5/5
    E: (5, 6, (4, 5), (4, 6), 2, 0, 1, 6, (5, 5), (5, 6), (5, 6)),
}
# total: registered T01–T19 = 19 (T17 escalated, T18 waiting, T19 rejected count; T20 October);
# dispatched 9 + 7 + 6 = 22; response 6+6+4 = 16 of 9+7+5 = 21; on time 4+6+4 = 14 of 6+7+6 = 19;
# overdue 2+1+2 = 5; returns 2; redo 3; callbacks 5+6+6 = 17; process 5+5+5 = 15; result 4+5+5 = 14;
# matters 4+5+5 = 14, all solved.
EXPECTED_TOTAL = (19, 22, (16, 21), (14, 19), 5, 2, 3, 17, (14, 14), (15, 17), (14, 17))
EXPECTED_BY_CATEGORY = {
    # complaint: T01 T03 T06 T08 T10 T13 T16 (T20 October) = 7 registered; episodes T01 T03 T03r T06
    # T08 T10 T10r T13 T16(E) T16(H) = 10; response 9/9 (T16 at E recalled early); on time: ✓ T01 T03r
    # T08 T10r T13 T16H, ✗ T03 T10 T20 → 6/9; callbacks T01 T03×2 T08 T10×2 T13 T16 T20 = 9, process
    # 8/9 (T08), result 7/9 (T03, T10), matters 7/7
    "complaint": (7, 10, (9, 9), (6, 9), 3, 0, 2, 9, (7, 7), (8, 9), (7, 9)),
    # help: T02 ✗25 h, T09 ✓, T14 ✓ 24 h; all on time; callbacks sat/sat, sat/sat, basic/basic
    "help": (3, 3, (2, 3), (3, 3), 0, 0, 0, 3, (3, 3), (3, 3), (3, 3)),
    # consult: T04 T11 T17 registered; episodes T04(H) ✓ 退件, T04(U) ✗ 26 h, T11 ✓; on time T04(U) and
    # T11 (promise) 2/2; 1 退件; callback T04 only
    "consult": (3, 3, (2, 3), (2, 2), 0, 1, 0, 1, (1, 1), (1, 1), (1, 1)),
    # report: T05 to H (✗ 48 h 退件) then E (✓, on time); callback very/sat
    "report": (1, 2, (1, 2), (1, 1), 0, 1, 0, 1, (1, 1), (1, 1), (1, 1)),
    # suggestion: T12 (✓, on time, very/very) and T18 (registered only)
    "suggestion": (2, 1, (1, 1), (1, 1), 0, 0, 0, 1, (1, 1), (1, 1), (1, 1)),
    # praise: T07 never collected, overdue, no callback
    "praise": (1, 1, (0, 1), (0, 1), 1, 0, 0, 0, (0, 0), (0, 0), (0, 0)),
    # other: T15 (✓ then ✗ 49 h; ✗ overdue then ✓; ✗/✗ then sat/sat) and T19 (rejected)
    "other": (2, 2, (1, 2), (1, 2), 1, 0, 1, 2, (1, 1), (1, 2), (1, 2)),
}


def test_fixture_month_statistics_and_scores(api: Api) -> None:
    month = scoring_month.build(api)
    numbers: dict[str, str] = month.numbers

    report = api.ok("leader", "GET", "/statistics", params={"month": "2026-11"})
    assert report["period"] == {"from_date": "2026-11-01", "to_date": "2026-11-30", "label": "2026-11"}
    rows = {row["key"]: row for row in report["rows"]}
    assert len(rows) == 13  # every active seeded unit, zero rows included
    for unit, expected in EXPECTED_BY_UNIT.items():
        assert _compact(rows[unit]) == expected, unit
    assert all(_compact(r)[:2] == (0, 0) for k, r in rows.items() if k not in EXPECTED_BY_UNIT)
    assert _compact(report["total"]) == EXPECTED_TOTAL
    assert rows[H]["response"]["rate"] == 0.6667  # 6/9
    assert rows[U]["on_time"]["rate"] == 0.8571  # 6/7
    assert report["total"]["result_satisfaction"]["rate"] == 0.8235  # 14/17
    assert rows["city.education"]["response"]["rate"] is None

    # Hotline (calls started in November): C1–C6 = 6 calls; C1–C4 queued = 4 offered; C1–C3 answered
    # (15 s, 20 s, 45 s); within 20 s: C1 and C2 = 2; abandoned: C5 hung up = 1; C4 unknown = 1.
    # answer rate 3/4 = 0.75; service level 2/4 = 0.5; average wait (15 + 20 + 45) / 3 = 26.7 s.
    hotline = report["hotline"]
    assert (hotline["calls"], hotline["offered"], hotline["answered"]) == (6, 4, 3)
    assert (hotline["answered_within_20s"], hotline["abandoned"], hotline["outcome_unknown"]) == (2, 1, 1)
    assert (hotline["answer_rate"]["rate"], hotline["service_level"]["rate"]) == (0.75, 0.5)
    assert hotline["average_wait_seconds"] == 26.7

    by_category = api.ok("leader", "GET", "/statistics", params={"month": "2026-11", "group_by": "category"})
    assert {r["key"]: _compact(r) for r in by_category["rows"]} == EXPECTED_BY_CATEGORY
    assert _compact(by_category["total"]) == EXPECTED_TOTAL

    # The same month as an explicit date range gives the same figures.
    ranged = api.ok("leader", "GET", "/statistics", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert _compact(ranged["total"]) == EXPECTED_TOTAL
    # One week (d2–d8): registrations T01 T02 T03 T08 T09 T10 T13 T14 = 8.
    week = api.ok("leader", "GET", "/statistics", params={"from": "2026-11-02", "to": "2026-11-08"})
    assert week["total"]["registered"] == 8

    # ---- scores -------------------------------------------------------------------------------
    table = api.ok("leader", "GET", "/scores", params={"month": "2026-11"})
    scores = {d["department"]: d for d in table["departments"]}
    assert len(scores) == 13

    # H: leadership 8 (rated), system 9 (6 then 9: the latest wins), effectiveness 40 × 5/5 + 40 × 4/5
    # = 40 + 32 = 72.00; deductions: overdue T03, T07 (−2); late response T02, T05 (退件), T07 (−3);
    # 重办 T03 (−1); county bulletin (−5) = −11; bonuses: very satisfied T01 (+1) (the withdrawn
    # county praise does not count). Total 8 + 9 + 72 − 11 + 1 = 79.00.
    h = scores[H]
    assert (h["leadership"]["points"], h["system"]["points"], h["effectiveness"]["points"]) == (8, 9, 72)
    assert h["system"]["item_id"] == month.item_ids["H-system"]
    assert (h["deduction_points"], h["bonus_points"], h["total"]) == (-11, 1, 79.0)
    assert sorted((line["rule"], line["ticket_number"]) for line in h["deductions"]) == sorted(
        [
            ("R-SCORE.overdue", numbers["T03"]),
            ("R-SCORE.overdue", numbers["T07"]),
            ("R-SCORE.late_response", numbers["T02"]),
            ("R-SCORE.late_response", numbers["T05"]),
            ("R-SCORE.late_response", numbers["T07"]),
            ("R-SCORE.redo", numbers["T03"]),
            ("R-SCORE.manual", numbers["T03"]),
        ]
    )
    assert [(b["rule"], b["ticket_number"]) for b in h["bonuses"]] == [
        ("R-SCORE.very_satisfied", numbers["T01"])
    ]

    # U: leadership 10 and system 10 (unrated), effectiveness 40 × 5/6 + 40 × 5/6 = 66.666… → 66.67;
    # deductions: overdue T10, late response T04, 重办 T10, repeat T08 (policy not carried out; the
    # T09 repeat has the flag false), false reporting = −5; bonuses: very satisfied T12 (+1), city
    # praise (+10) = +11. Total 10 + 10 + 66.67 − 5 + 11 = 92.67.
    u = scores[U]
    assert (u["leadership"]["rated"], u["system"]["rated"], u["effectiveness"]["points"]) == (
        False,
        False,
        66.67,
    )
    assert (u["deduction_points"], u["bonus_points"], u["total"]) == (-5, 11, 92.67)
    assert sorted(line["rule"] for line in u["deductions"]) == [
        "R-SCORE.late_response",
        "R-SCORE.manual",
        "R-SCORE.overdue",
        "R-SCORE.redo",
        "R-SCORE.repeat",
    ]

    # E: leadership 10 (unrated), system 7, effectiveness 66.67 (5/6 and 5/6); deductions: overdue
    # T15 and T20, late response T15 (重办 collected after 49 h), 重办 T15, higher criticism −10 = −14;
    # bonuses: very satisfied T05 (+1), county praise (+5) = +6. Total 10 + 7 + 66.67 − 14 + 6 = 75.67.
    e = scores[E]
    assert (e["leadership"]["points"], e["system"]["points"], e["effectiveness"]["points"]) == (10, 7, 66.67)
    assert (e["deduction_points"], e["bonus_points"], e["total"]) == (-14, 6, 75.67)

    # Units with nothing happening keep the base 100.
    assert scores["city.health"]["total"] == 100.0
    assert all(s["final"] for s in scores.values())

    # Every point links to its reason: automatic lines to a ticket event, manual lines to an item.
    for score in (h, u, e):
        for line in score["deductions"] + score["bonuses"]:
            if line["rule"] == "R-SCORE.manual":
                assert line["item_id"] is not None
            else:
                assert line["ticket_number"] is not None
                assert line["event_id"] is not None
    # … and the event ids are real events of that ticket: the T07 lines point at its dispatch.
    t07 = api.ok("leader", "GET", f"/tickets/{numbers['T07']}/events")
    dispatch_id = next(ev["id"] for ev in t07 if ev["action"] == "dispatch")
    assert {line["event_id"] for line in h["deductions"] if line["ticket_number"] == numbers["T07"]} == {
        dispatch_id
    }

    detail = api.ok("leader", "GET", f"/scores/{U}/2026-11")
    assert detail == u


def test_department_users_see_only_their_own_unit_and_exports(api: Api) -> None:
    scoring_month.build(api)

    own = api.ok("housing", "GET", "/statistics", params={"month": "2026-11"})
    assert [row["key"] for row in own["rows"]] == [H]
    assert _compact(own["rows"][0]) == EXPECTED_BY_UNIT[H]
    assert own["hotline"] is None  # centre-wide call figures are not a unit's records
    # by category, the unit sees only its own facts: its H episodes of 投诉 are T01 T03 T03r T06 T16
    mine = api.ok("housing", "GET", "/statistics", params={"month": "2026-11", "group_by": "category"})
    complaint = next(r for r in mine["rows"] if r["key"] == "complaint")
    assert complaint["dispatched"] == 5
    assert _compact(mine["total"])[1:] == EXPECTED_BY_UNIT[H][1:]

    other = api.call("housing", "GET", "/statistics", params={"month": "2026-11", "department": U})
    assert (other.status_code, other.json()["error_id"]) == (403, "permission_denied")
    assert api.call("agent", "GET", "/statistics", params={"month": "2026-11"}).status_code == 403

    scores = api.ok("urban", "GET", "/scores", params={"month": "2026-11"})
    assert [d["department"] for d in scores["departments"]] == [U]
    assert scores["departments"][0]["total"] == 92.67
    assert api.call("urban", "GET", f"/scores/{H}/2026-11").status_code == 403
    assert api.ok("urban", "GET", f"/scores/{U}/2026-11")["total"] == 92.67
    denied = api.call(
        "urban",
        "POST",
        "/scores/items",
        json={"department": U, "month": "2026-11", "kind": "city_praise", "reason": "自评"},
    )
    assert (denied.status_code, denied.json()["error_id"]) == (403, "permission_denied")

    # CSV export (supervisor, by unit): header of field names, 13 unit rows, then the total.
    response = api.call("leader", "GET", "/statistics/export.csv", params={"month": "2026-11"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "statistics-2026-11-department.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 14
    assert rows[-1]["key"] == "total"
    by_key = {r["key"]: r for r in rows}
    housing = by_key[H]
    assert housing["name"] == "市住房和城乡建设局"
    assert (housing["registered"], housing["responded_in_time"], housing["response_due"]) == ("8", "6", "9")
    assert (housing["response_rate"], housing["on_time_rate"], housing["overdue"]) == (
        "0.6667",
        "0.6667",
        "2",
    )
    assert (housing["returns"], housing["redo"], housing["result_satisfaction_rate"]) == ("2", "1", "0.8")
    assert (by_key["total"]["registered"], by_key["total"]["completion_due"]) == ("19", "19")
    assert by_key["city.education"]["response_rate"] == ""
    # a unit's CSV holds its own row and its total only
    unit_csv = api.call("housing", "GET", "/statistics/export.csv", params={"month": "2026-11"})
    assert [r["key"] for r in csv.DictReader(io.StringIO(unit_csv.text))] == [H, "total"]

    import openpyxl

    xlsx = api.call(
        "leader", "GET", "/statistics/export.xlsx", params={"month": "2026-11", "group_by": "category"}
    )
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    values = list(book["统计"].iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == [*(c.value for c in Category), "total"]
    assert book["话务"]["B1"].value == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from"),
        ({"from": "2026-11-01"}, "from"),
        ({}, "from"),
        ({"month": "2026-11", "from": "2026-11-01", "to": "2026-11-02"}, "month"),
    ],
)
def test_bad_periods_are_typed_422(api: Api, params: dict[str, str], field: str) -> None:
    for path in ("/statistics", "/statistics/export.csv"):
        response = api.call("leader", "GET", path, params=params)
        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["error_id"], body["details"]["field"]) == ("invalid_input", field)


def test_bad_requests_are_typed_4xx(api: Api) -> None:
    def error(user: str, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        response = api.call(user, method, path, **kwargs)
        return response.status_code, response.json()["error_id"]

    assert error("leader", "GET", "/statistics", params={"from": "2026-02-30", "to": "2026-03-01"}) == (
        422,
        "invalid_input",
    )
    assert error("leader", "GET", "/statistics", params={"month": "2026-11", "group_by": "street"}) == (
        422,
        "invalid_input",
    )
    assert error("leader", "GET", "/statistics", params={"month": "2026-11", "department": "city.nope"}) == (
        404,
        "not_found",
    )
    assert error("leader", "GET", "/scores", params={"month": "2026-1"}) == (422, "invalid_input")
    assert error("leader", "GET", "/scores") == (422, "invalid_input")
    assert error("leader", "GET", "/scores/city.nope/2026-11") == (404, "not_found")
    assert error("leader", "GET", f"/scores/{H}/2026-99") == (422, "invalid_input")
    assert error(None, "GET", "/scores", params={"month": "2026-11"}) == (401, "authentication_required")  # type: ignore[arg-type]

    item = {"department": H, "month": "2026-11", "kind": "county_praise", "reason": "县领导表扬"}
    assert error("leader", "POST", "/scores/items", json={**item, "department": "city.nope"}) == (
        404,
        "not_found",
    )
    assert error("leader", "POST", "/scores/items", json={**item, "ticket": "20261130-999999"}) == (
        404,
        "not_found",
    )
    assert error("leader", "POST", "/scores/items", json={**item, "month": "2026/11"}) == (
        422,
        "invalid_input",
    )
    assert error("leader", "POST", "/scores/items", json={**item, "kind": "bribe"}) == (422, "invalid_input")
    assert error("leader", "POST", "/scores/items", json={**item, "rating": 3}) == (422, "invalid_input")
    rating = {**item, "kind": "leadership_rating"}
    assert error("leader", "POST", "/scores/items", json=rating) == (422, "invalid_input")
    assert error("leader", "POST", "/scores/items", json={**rating, "rating": 11}) == (422, "invalid_input")
    assert error("leader", "POST", "/scores/items", json={**item, "reason": "  "}) == (422, "invalid_input")
    assert error("agent", "POST", "/scores/items", json=item) == (403, "permission_denied")

    created = api.ok("leader", "POST", "/scores/items", expect=201, json={**rating, "rating": 4})
    assert (created["points"], created["kind"], created["withdrawn_at"]) == (4, "leadership_rating", None)
    path = f"/scores/items/{created['id']}/withdraw"
    api.ok("leader", "POST", path, json={"reason": "录错"})
    assert error("leader", "POST", path, json={"reason": "again"}) == (422, "invalid_input")
    assert error("leader", "POST", "/scores/items/999999/withdraw", json={"reason": "x"}) == (
        404,
        "not_found",
    )
