"""Browser tier: the real app served by uvicorn on loopback, driven by headless Debian Chromium."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.api.app import create_app
from ticketing.api.context import ApiContext
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.seed.demo import seed_demo_departments, seed_demo_knowledge
from ticketing.tickets.lifecycle import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-test-password"
USERS = {
    "admin": (Role.ADMIN, None),
    "agent": (Role.AGENT, None),
    "leader": (Role.SUPERVISOR, None),
    "housing": (Role.DEPARTMENT, "city.housing"),
    "urban": (Role.DEPARTMENT, "city.urban"),
}


@dataclass
class LiveServer:
    """The app on a loopback port, plus an API client to arrange data."""

    base: str
    sessions_url: str

    def token(self, user: str) -> str:
        response = httpx.post(
            f"{self.base}/api/v1/auth/token", json={"username": user, "password": PASSWORD}, trust_env=False
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def api(self, user: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base}/api/v1",
            headers={"Authorization": f"Bearer {self.token(user)}"},
            trust_env=False,
            timeout=10,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    folder = Path(tempfile.mkdtemp(prefix="hotline-browser-"))
    url = f"sqlite:///{folder}/browser.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        seed_demo_departments(session)
        seed_demo_knowledge(session)
        users = UserService(session)
        for name, (role, unit) in USERS.items():
            users.create(
                UserCreate(username=name, display_name=name, role=role, department=unit, password=PASSWORD),
                Actor.system(),
            )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ApiContext(sessions=sessions)), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1, trust_env=False).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        pytest.fail("the live server did not start")
    yield LiveServer(base=base, sessions_url=url)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


# Module scope, not session: Playwright's sync API keeps an event loop running in the main thread while it
# is open, and every later test that calls asyncio.run() would fail with "cannot be called from a running
# event loop".
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the test command installs Debian's chromium (scripts/bootstrap.sh)"
        )
    # Playwright gives every launch a fresh, empty profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Page, server: LiveServer, user: str) -> None:
    """Log in through the login page like a person would."""
    page.goto(f"{server.base}/ui/")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
