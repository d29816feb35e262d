"""The unit side through the real API on both backends: inbox, 会签, R-RET flags and attachments."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from apiharness import Api

from ticketing.attachments import service as attachments

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "attachments"
    monkeypatch.setattr(attachments, "DEFAULT_STORAGE_DIR", folder)
    return folder


def _dispatched(api: Api, lead: str = "city.housing", co: tuple[str, ...] = (), **extra: Any) -> str:
    number: str = api.new_ticket(**extra)["number"]
    api.act("agent", number, "dispatch", lead_department=lead, co_departments=list(co), countersign=bool(co))
    return number


def _inbox(api: Api, user: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(user, "GET", "/inbox")
    return result


def _numbers(inbox: dict[str, Any], group: str) -> list[str]:
    return [item["number"] for item in inbox[group]]


def _events(api: Api, number: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.ok("leader", "GET", f"/tickets/{number}/events")
    return result


def _upload(api: Api, user: str, number: str, name: str, data: bytes) -> Any:
    return api.call(user, "POST", f"/tickets/{number}/attachments", files={"file": (name, data)})


# -- inbox ---------------------------------------------------------------------------------------------
def test_inbox_groups_deadlines_and_masking(api: Api) -> None:
    waiting = _dispatched(api)
    handling = _dispatched(api)
    secret = _dispatched(api, caller={"name": "李四", "phone": "13900139000", "confidential": True})
    api.act("housing", handling, "accept")
    co_share = _dispatched(api, lead="city.urban", co=("city.housing",))

    inbox = _inbox(api, "housing")
    assert inbox["department_code"] == "city.housing"
    assert inbox["counts"] == {"to_collect": 2, "handling": 1, "countersign": 1}
    assert _numbers(inbox, "to_collect") == [waiting, secret]
    assert _numbers(inbox, "handling") == [handling]
    assert _numbers(inbox, "countersign") == [co_share]

    first = inbox["to_collect"][0]
    # Dispatched Monday 09:00 Shanghai: 退件 by midnight, 签收 within 24 h.
    assert first["return_deadline"].startswith("2026-11-30T16:00:00")
    assert first["collect_deadline"].startswith("2026-12-01T01:00:00")
    assert (first["return_late"], first["collect_late"], first["overdue"]) == (False, False, False)
    assert first["caller"] == {
        "name": "张*",
        "phone": first["caller"]["phone"],
        "address": None,
        "confidential": False,
        "masked": True,
    }
    assert "13800138000" not in str(inbox)
    assert inbox["to_collect"][1]["caller"]["name"] is None  # 保密: nothing at all (R-PRIV)
    assert "李" not in str(inbox)
    assert inbox["handling"][0]["return_deadline"] is None
    assert inbox["countersign"][0]["my_role"] == "co"

    api.clock.advance(hours=16)  # Tuesday 01:00: the same-day 退件 window has passed
    item = _inbox(api, "housing")["to_collect"][0]
    assert (item["return_late"], item["collect_late"]) == (True, False)
    api.clock.advance(hours=9)  # Tuesday 10:00: more than 24 h
    item = _inbox(api, "housing")["to_collect"][0]
    assert (item["return_late"], item["collect_late"]) == (True, True)
    api.clock.advance(days=7)
    assert _inbox(api, "housing")["handling"][0]["overdue"] is True

    assert _inbox(api, "ecology")["counts"] == {"to_collect": 0, "handling": 0, "countersign": 0}


def test_inbox_is_for_department_users(api: Api) -> None:
    for user in ("agent", "leader", "admin"):
        response = api.call(user, "GET", "/inbox")
        assert response.status_code == 403
        assert response.json()["error_id"] == "permission_denied"


def test_inbox_ticket_view_shows_shares_and_my_steps(api: Api) -> None:
    number = _dispatched(api, co=("city.urban",))
    lead = api.ok("housing", "GET", f"/inbox/{number}")
    assert (lead["my_role"], lead["countersign_required"], lead["pending_co_units"]) == ("lead", True, 1)
    assert set(lead["my_actions"]) == {"accept", "return"}
    assert [(s["department_code"], s["role"]) for s in lead["shares"]] == [
        ("city.housing", "lead"),
        ("city.urban", "co"),
    ]
    assert lead["return_deadline"].startswith("2026-11-30T16:00:00")
    assert api.ok("urban", "GET", f"/inbox/{number}")["my_actions"] == ["co_accept"]
    assert api.call("ecology", "GET", f"/inbox/{number}").status_code == 404


# -- 会签 ----------------------------------------------------------------------------------------------
def test_countersign_flow(api: Api) -> None:
    number = _dispatched(api, co=("city.urban",))
    assert _numbers(_inbox(api, "urban"), "countersign") == [number]

    api.act("housing", number, "accept")
    # A co-unit can never give the final reply (首接负责, R-FIRST) …
    assert api.act("urban", number, "reply", expect=403, reason="x")["error_id"] == "permission_denied"
    # … and the lead waits for it.
    refused = api.act("housing", number, "reply", expect=409, reason="已处理")
    assert refused["error_id"] == "illegal_transition"
    assert "会签" in refused["message"]
    assert refused["details"]["pending_co_units"] == 1

    early = api.act("urban", number, "co_reply", expect=409, text="x")
    assert "co_accept" in early["message"]
    assert api.act("housing", number, "co_accept", expect=403)["error_id"] == "permission_denied"
    api.act("urban", number, "co_accept")
    assert api.act("urban", number, "co_accept", expect=409)["error_id"] == "illegal_transition"
    assert api.act("urban", number, "co_reply", expect=422)["error_id"] == "invalid_input"
    ticket = api.act("urban", number, "co_reply", text="城管已对工地夜间施工立案查处")
    assert ticket["status"] == "in_progress"
    assert _inbox(api, "urban")["counts"]["countersign"] == 0

    shares = api.ok("leader", "GET", f"/tickets/{number}/countersign")
    urban = next(s for s in shares if s["department_code"] == "city.urban")
    assert urban["reply"] == "城管已对工地夜间施工立案查处"
    assert urban["accepted_at"] is not None

    assert api.act("housing", number, "reply", reason="已责令停止夜间施工")["status"] == "replied"
    events = _events(api, number)
    assert [e["action"] for e in events][2:] == ["accept", "co_accept", "co_reply", "reply"]
    assert events[4]["payload"] == {"department": "city.urban", "attachment_ids": []}
    assert events[4]["reason"] == "城管已对工地夜间施工立案查处"
    incorporated = events[-1]["payload"]["co_replies"]
    assert [(c["department"], c["text"], c["waived"]) for c in incorporated] == [
        ("city.urban", "城管已对工地夜间施工立案查处", False)
    ]


def test_supervisor_waives_missing_co_replies(api: Api) -> None:
    number = _dispatched(api, co=("city.urban", "city.ecology"))
    api.act("housing", number, "accept")
    api.act("ecology", number, "co_accept")
    api.act("ecology", number, "co_reply", text="环保部门已监测噪音")
    assert api.act("housing", number, "reply", expect=409, reason="x")["details"]["pending_co_units"] == 1

    assert api.act("housing", number, "waive_co_replies", expect=403, reason="x")["error_id"] == (
        "permission_denied"
    )
    assert api.act("leader", number, "waive_co_replies", expect=422)["error_id"] == "invalid_input"
    api.act("leader", number, "waive_co_replies", reason="城管局逾期未复，由主办单位答复")
    assert api.act("leader", number, "waive_co_replies", expect=409, reason="again")["error_id"] == (
        "illegal_transition"
    )
    assert api.act("urban", number, "co_accept")["status"] == "in_progress"
    assert api.act("urban", number, "co_reply", expect=409, text="迟到的回复")["error_id"] == (
        "illegal_transition"
    )

    api.act("housing", number, "reply", reason="已处理")
    events = _events(api, number)
    waiver = next(e for e in events if e["action"] == "waive_co_replies")
    assert waiver["payload"] == {"waived_departments": ["city.urban"]}
    incorporated = {c["department"]: c for c in events[-1]["payload"]["co_replies"]}
    assert incorporated["city.ecology"]["text"] == "环保部门已监测噪音"
    assert incorporated["city.urban"]["waived"] is True
    assert incorporated["city.urban"]["waive_reason"] == "城管局逾期未复，由主办单位答复"


def test_plain_dispatch_co_units_assist_without_blocking(api: Api) -> None:
    number = api.new_ticket()["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing", co_departments=["city.urban"])
    api.act("housing", number, "accept")
    assert api.ok("housing", "GET", f"/inbox/{number}")["countersign_required"] is False
    api.act("housing", number, "reply", reason="已处理")
    assert _events(api, number)[-1]["payload"]["co_replies"][0]["department"] == "city.urban"


def test_countersign_without_co_units_is_refused(api: Api) -> None:
    number = api.new_ticket()["number"]
    body = {"lead_department": "city.housing", "countersign": True}
    assert api.act("agent", number, "dispatch", expect=422, **body)["error_id"] == "invalid_input"


def test_redo_asks_the_co_units_again(api: Api) -> None:
    number = _dispatched(api, co=("city.urban",))
    api.act("housing", number, "accept")
    api.act("urban", number, "co_accept")
    api.act("urban", number, "co_reply", text="第一次会签回复")
    api.act("housing", number, "reply", reason="已处理")
    api.act("agent", number, "close")
    api.act("agent", number, "callback", satisfaction="unsatisfied")
    assert _numbers(_inbox(api, "urban"), "countersign") == [number]
    api.act("housing", number, "accept")
    assert api.act("housing", number, "reply", expect=409, reason="x")["details"]["pending_co_units"] == 1


# -- R-RET flags -----------------------------------------------------------------------------------------
def test_late_return_and_late_collection_flags(api: Api) -> None:
    same_day = _dispatched(api, lead="city.ecology")
    next_day = _dispatched(api, lead="city.ecology")
    late = _dispatched(api, lead="city.ecology")

    api.clock.advance(hours=14)  # 23:00 Shanghai, same day
    api.act("ecology", same_day, "return", reason="不属于本单位职责")
    api.clock.advance(hours=2)  # 01:00 the next day
    api.act("ecology", next_day, "return", reason="不属于本单位职责")
    api.clock.advance(hours=9)  # 25 h after dispatch
    api.act("ecology", late, "accept")

    def flags(number: str, action: str) -> dict[str, Any]:
        payload: dict[str, Any] = next(e for e in _events(api, number) if e["action"] == action)["payload"]
        return {k: v for k, v in payload.items() if k.startswith("late_")}

    assert flags(same_day, "return") == {"late_return": False, "late_collection": False}
    assert flags(next_day, "return") == {"late_return": True, "late_collection": False}
    assert flags(late, "accept") == {"late_collection": True}


# -- attachments -------------------------------------------------------------------------------------------
def test_attachments_upload_list_download_and_cite(api: Api, attachment_dir: Path) -> None:
    number = _dispatched(api)
    api.act("housing", number, "accept")
    response = _upload(api, "housing", number, "../../现场照片说明.pdf", PDF)
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded["filename"] == "现场照片说明.pdf"
    assert (uploaded["content_type"], uploaded["size"]) == ("application/pdf", len(PDF))
    assert uploaded["department_code"] == "city.housing"
    stored = list(attachment_dir.iterdir())
    assert [p.name for p in stored] == [uploaded["id"].replace("-", "")]

    listed = api.ok("leader", "GET", f"/tickets/{number}/attachments")
    assert [a["id"] for a in listed] == [uploaded["id"]]
    for user in ("housing", "leader"):
        download = api.call(user, "GET", f"/tickets/{number}/attachments/{uploaded['id']}")
        assert download.status_code == 200
        assert download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment;")
    # Another unit learns nothing: the ticket and its files are "missing".
    for path in (f"/tickets/{number}/attachments/{uploaded['id']}", f"/tickets/{number}/attachments"):
        assert api.call("urban", "GET", path).status_code == 404
    assert _upload(api, "urban", number, "x.pdf", PDF).status_code == 404
    missing = api.call("housing", "GET", f"/tickets/{number}/attachments/{'0' * 32}")
    assert (missing.status_code, missing.json()["error_id"]) == (404, "not_found")

    unknown = api.act("housing", number, "reply", expect=422, reason="x", attachment_ids=[str(uuid.uuid4())])
    assert unknown["error_id"] == "unknown_attachment"
    wrong = api.act("housing", number, "return", expect=422, reason="x", attachment_ids=[uploaded["id"]])
    assert wrong["error_id"] == "invalid_input"
    api.act("housing", number, "promise", reason="下周完成整改", promised_date="2026-12-20")
    api.act("housing", number, "reply", reason="已整改完毕", attachment_ids=[uploaded["id"]])
    assert _events(api, number)[-1]["payload"]["attachment_ids"] == [uploaded["id"]]


def test_attachment_refusals_are_typed(api: Api) -> None:
    number = _dispatched(api)
    too_big = _upload(api, "housing", number, "big.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES)
    assert (too_big.status_code, too_big.json()["error_id"]) == (413, "attachment_too_large")
    exe = _upload(api, "housing", number, "tool.exe", b"MZ\x90\x00")
    assert (exe.status_code, exe.json()["error_id"]) == (415, "unsupported_attachment_type")
    fake = _upload(api, "housing", number, "report.pdf", b"not a pdf at all")
    assert (fake.status_code, fake.json()["error_id"]) == (415, "unsupported_attachment_type")
    binary_txt = _upload(api, "housing", number, "notes.txt", b"abc\x00def")
    assert binary_txt.status_code == 415
    empty = _upload(api, "housing", number, "empty.txt", b"")
    assert (empty.status_code, empty.json()["error_id"]) == (422, "invalid_input")
    no_file = api.call("housing", "POST", f"/tickets/{number}/attachments", data={"x": "1"})
    assert (no_file.status_code, no_file.json()["error_id"]) == (422, "invalid_input")
    text = _upload(api, "housing", number, "说明.txt", "现场已核实".encode())
    assert text.status_code == 201
    assert api.ok("housing", "GET", f"/tickets/{number}/attachments")[0]["size"] == len("现场已核实".encode())
