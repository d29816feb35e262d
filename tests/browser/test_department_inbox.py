"""The department inbox and ticket page in a real browser (R-RET, R-PRIV, 回复 with an attachment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LiveServer, log_in
from playwright.sync_api import Page, expect

from ticketing.attachments import service as attachments


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The live server runs in this process: point its attachment store at a scratch folder."""
    folder = tmp_path / "attachments"
    monkeypatch.setattr(attachments, "DEFAULT_STORAGE_DIR", folder)
    return folder


def _dispatch_to_housing(server: LiveServer, title: str) -> str:
    with server.api("agent") as agent:
        created = agent.post(
            "/tickets",
            json={
                "category": "complaint",
                "title": title,
                "content": "小区旁工地夜间施工，噪音扰民。",
                "caller": {"name": "张三", "phone": "13800138000", "address": "幸福小区3栋"},
            },
        )
        created.raise_for_status()
        number: str = created.json()["number"]
        agent.post(f"/tickets/{number}/dispatch", json={"lead_department": "city.housing"}).raise_for_status()
    return number


def test_unit_collects_replies_with_an_attachment_and_the_ticket_leaves_the_inbox(
    page: Page, live_server: LiveServer, attachment_dir: Path
) -> None:
    number = _dispatch_to_housing(live_server, "夜间施工噪音（浏览器）")
    log_in(page, live_server, "housing")
    expect(page).to_have_url(f"{live_server.base}/ui/department/inbox.html")

    row = page.locator(f"#to-collect tr[data-number='{number}']")
    expect(row).to_contain_text("夜间施工噪音（浏览器）")
    expect(row).to_contain_text("张*")  # masked caller (R-PRIV)
    expect(page.locator("#to-collect")).not_to_contain_text("13800138000")
    expect(page.locator("#to-collect")).not_to_contain_text("幸福小区")

    row.get_by_role("link", name=number).click()
    expect(page.locator("#ticket-status")).to_have_text("已交办")
    expect(page.locator("#reply-form")).to_be_hidden()
    page.click("#accept-button")
    expect(page.locator("#ticket-status")).to_have_text("办理中")
    expect(page.locator("#notice")).to_contain_text("签收已提交")

    page.fill("#reply-text", "已责令施工单位停止夜间施工，并处罚款。")
    page.set_input_files(
        "#reply-file",
        files=[{"name": "处理结果.txt", "mimeType": "text/plain", "buffer": "整改完毕".encode()}],
    )
    page.click("#reply-button")
    expect(page.locator("#ticket-status")).to_have_text("已回复")
    expect(page.locator("#attachments")).to_contain_text("处理结果.txt")
    expect(page.locator("#history")).to_contain_text("附件 1 个")
    expect(page.locator("#no-actions")).to_be_visible()
    assert len(list(attachment_dir.iterdir())) == 1

    page.click("#back-link")
    expect(page.locator("#count-to-collect")).to_be_visible()
    expect(page.locator(f"tr[data-number='{number}']")).to_have_count(0)


def test_return_without_a_reason_shows_the_typed_error(page: Page, live_server: LiveServer) -> None:
    number = _dispatch_to_housing(live_server, "不属于住建的事项（浏览器）")
    log_in(page, live_server, "housing")
    expect(page).to_have_url(f"{live_server.base}/ui/department/inbox.html")
    page.goto(f"{live_server.base}/ui/department/ticket.html?ref={number}")
    expect(page.locator("#return-form")).to_be_visible()

    page.click("#return-button")
    expect(page.locator("#error")).to_contain_text("needs a reason")
    expect(page.locator("#error")).to_contain_text("invalid_input")
    expect(page.locator("#ticket-status")).to_have_text("已交办")

    page.fill("#return-reason", "噪音执法属城管局职责")
    page.click("#return-button")
    expect(page).to_have_url(f"{live_server.base}/ui/department/inbox.html")
    expect(page.locator(f"tr[data-number='{number}']")).to_have_count(0)
