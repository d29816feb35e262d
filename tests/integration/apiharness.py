"""A migrated database + the real FastAPI app + logged-in users, for API tests on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.api.app import create_app
from ticketing.api.context import ApiContext
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.seed.demo import seed_demo_departments
from ticketing.tickets.lifecycle import Role

PASSWORD = "correct-horse-battery"

USERS = {
    "admin": (Role.ADMIN, None),
    "agent": (Role.AGENT, None),
    "leader": (Role.SUPERVISOR, None),
    "housing": (Role.DEPARTMENT, "city.housing"),
    "urban": (Role.DEPARTMENT, "city.urban"),
    "ecology": (Role.DEPARTMENT, "city.ecology"),
}


@dataclass
class Clock:
    """A settable clock; starts on a Monday morning in Shanghai (2026-11-30 09:00 +08:00)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 1, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Api:
    """Test client with one bearer token per demo user."""

    client: TestClient
    engine: Engine
    clock: Clock
    tokens: dict[str, str]

    def call(self, user: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def ok(self, user: str, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.call(user, method, path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def new_ticket(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "category": "complaint",
            "title": "夜间施工噪音",
            "content": "小区旁工地夜间施工，噪音扰民。",
            "caller": {"name": "张三", "phone": "13800138000", "address": "幸福小区3栋"},
        }
        body.update(overrides)
        result: dict[str, Any] = self.ok("agent", "POST", "/tickets", expect=201, json=body)
        return result

    def act(self, user: str, number: str, action: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(
            user, "POST", f"/tickets/{number}/{action}", expect=expect, json=body
        )
        return result


def build_api(db_url: str) -> Iterator[Api]:
    """Migrate ``db_url``, seed departments and users, and yield an :class:`Api`."""
    upgrade(db_url)
    engine = make_engine(db_url)
    clock = Clock()
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        seed_demo_departments(session)
        users = UserService(session, now=clock)
        for name, (role, unit) in USERS.items():
            users.create(
                UserCreate(username=name, display_name=name, role=role, department=unit, password=PASSWORD),
                Actor.system(),
            )
    # Tests move the clock by days: tokens must outlive that.
    app = create_app(ApiContext(sessions=sessions, now=clock, token_ttl=timedelta(days=365)))
    with TestClient(app) as client:
        tokens = {}
        for name in USERS:
            response = client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[name] = response.json()["access_token"]
        yield Api(client=client, engine=engine, clock=clock, tokens=tokens)
    engine.dispose()
