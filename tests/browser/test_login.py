"""The login page in a real browser."""

from __future__ import annotations

from conftest import LiveServer
from playwright.sync_api import Page, expect


def test_wrong_password_shows_the_typed_error(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base}/")
    expect(page).to_have_title("12345 政务服务便民热线 — 登录")
    page.fill("#username", "housing")
    page.fill("#password", "not-the-password")
    page.click("#login-button")
    expect(page.locator("#error")).to_contain_text("authentication_required")
    assert page.evaluate("sessionStorage.getItem('hotline.session')") is None
