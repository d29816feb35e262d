"""The supervisor pages in a real browser: overview, ticket 督办, scores traceability, 并单, statistics."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import LiveServer, log_in
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ticketing.statistics import periods
from ticketing.supervision.service import SupervisionService
from ticketing.tickets.models import Ticket, TicketEvent

_phones = itertools.count(100)


def _phone() -> str:
    return f"13700{next(_phones):06d}"  # a caller of its own per ticket: no accidental repeats


def _ticket(server: LiveServer, unit: str | None = None, **fields: Any) -> str:
    body: dict[str, Any] = {
        "category": "complaint",
        "title": "夜间施工噪音",
        "content": "小区旁工地夜间施工，噪音扰民。",
        "caller": {"name": "李四", "phone": _phone()},
    }
    body.update(fields)
    with server.api("agent") as agent:
        created = agent.post("/tickets", json=body)
        assert created.status_code == 201, created.text
        number: str = created.json()["number"]
        if unit:
            response = agent.post(f"/tickets/{number}/dispatch", json={"lead_department": unit})
            assert response.status_code == 200, response.text
    return number


def _make_overdue(server: LiveServer, number: str) -> int:
    """Move the ticket's deadline (and the dispatch event's record of it) into the past of this month.

    Returns the id of the dispatch event: the evidence of the R-SCORE.overdue line.
    """
    now = datetime.now(UTC)
    month_start = periods.month(periods.month_of(now)).start
    due = max(now - timedelta(hours=1), month_start + timedelta(seconds=1))
    engine = create_engine(server.sessions_url)
    try:
        with Session(engine) as session, session.begin():
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            ticket.due_at = due
            dispatch = session.scalars(
                select(TicketEvent).where(
                    TicketEvent.ticket_id == ticket.id, TicketEvent.action == "dispatch"
                )
            ).one()
            dispatch.payload = {**dispatch.payload, "due_at": due.isoformat()}
            flag_modified(dispatch, "payload")
            event_id = dispatch.id
        with Session(engine) as session, session.begin():
            SupervisionService(session).mark_overdue()  # the daily job: history shows when it went overdue
    finally:
        engine.dispose()
    return event_id


def test_overdue_ticket_on_the_overview_and_its_deduction_line_in_the_scores(
    page: Page, live_server: LiveServer
) -> None:
    number = _ticket(live_server, unit="city.housing", title=f"超期测试 {uuid.uuid4().hex[:6]}")
    event_id = _make_overdue(live_server, number)

    log_in(page, live_server, "leader")
    expect(page).to_have_url(f"{live_server.base}/ui/supervisor/index.html")
    overdue_row = page.locator(f"#overdue-table tr[data-number='{number}']")
    expect(overdue_row).to_contain_text("住房")
    expect(page.locator("#count-overdue .number")).not_to_have_text("0")

    overdue_row.get_by_role("link", name=number).click()
    expect(page.locator("#history")).to_contain_text("超期")

    page.get_by_role("link", name="考核评分").click()
    expect(page).to_have_url(f"{live_server.base}/ui/supervisor/scores.html")
    page.locator("#dept-city\\.housing button.expand").click()
    line = page.locator(
        f"#lines-city\\.housing tr.score-line[data-rule='R-SCORE.overdue'][data-ticket='{number}']"
    )
    expect(line).to_be_visible()
    expect(line).to_contain_text(number)
    expect(line.locator("td.event-id")).to_have_text(str(event_id))
    expect(line).to_contain_text("-1")


def test_supervise_from_the_ticket_page_shows_in_the_history(page: Page, live_server: LiveServer) -> None:
    number = _ticket(live_server, unit="city.urban")
    log_in(page, live_server, "leader")
    expect(page).to_have_url(f"{live_server.base}/ui/supervisor/index.html")

    page.goto(f"{live_server.base}/ui/supervisor/ticket.html?ref={number}")
    form = page.locator("#form-supervise")
    form.locator("textarea[name=reason]").fill("群众反映强烈，请加快办理")
    form.get_by_role("button", name="督办").click()

    row = page.locator("#history tr", has=page.locator("td.action-supervise"))
    expect(row).to_contain_text("群众反映强烈，请加快办理")
    expect(row).to_contain_text("leader")
    expect(page.locator("#detail")).to_contain_text("（督办）")
    with live_server.api("leader") as leader:
        events = leader.get(f"/tickets/{number}/events").json()
    assert [e["reason"] for e in events if e["action"] == "supervise"] == ["群众反映强烈，请加快办理"]


def test_merge_a_repeat_from_the_repeats_page(page: Page, live_server: LiveServer) -> None:
    phone = _phone()
    first = _ticket(live_server, unit="city.urban", caller={"name": "王五", "phone": phone})
    again = _ticket(
        live_server,
        title="工地夜间施工噪音",
        content="上次反映了，工地晚上还在施工，噪音扰民睡不着。",
        caller={"name": "王五", "phone": phone},
    )
    log_in(page, live_server, "agent")
    expect(page).to_have_url(f"{live_server.base}/ui/agent/index.html")

    page.goto(f"{live_server.base}/ui/supervisor/repeats.html?ref={again}")
    row = page.locator(f"#candidates tr[data-number='{first}']")
    expect(row).to_contain_text("噪音")
    page.locator("#policy").check()
    row.get_by_role("button", name="并入此单").click()

    expect(page.locator("#merge-message")).to_contain_text(f"{again} 已并入 {first}")
    expect(page.locator("#merge-state")).to_contain_text("city.urban")
    with live_server.api("leader") as leader:
        history = leader.get(f"/tickets/{first}/events").json()
    assert history[-1]["action"] == "merge_repeat"
    assert history[-1]["payload"]["policy_not_carried_out"] is True


def test_statistics_page_shows_the_table_and_downloads_csv(page: Page, live_server: LiveServer) -> None:
    _ticket(live_server, unit="city.ecology")
    log_in(page, live_server, "leader")
    expect(page).to_have_url(f"{live_server.base}/ui/supervisor/index.html")

    page.get_by_role("link", name="统计").click()
    expect(page.locator("#statistics-table tbody tr[data-key='city.ecology']")).to_be_visible()
    expect(page.locator("#statistics-table tfoot")).to_contain_text("合计")
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert "city.ecology" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    with page.expect_download() as report:
        page.locator("#report-pdf").click()
    assert report.value.suggested_filename.startswith("hotline-report-")
    assert Path(report.value.path()).read_bytes().startswith(b"%PDF")
