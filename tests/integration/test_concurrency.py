"""Concurrent writers on one ticket: optimistic locking, exactly one winner, no lost or doubled events.

Runs on SQLite (writers queue on ``BEGIN IMMEDIATE``) and on a real PostgreSQL (READ COMMITTED; the
``version`` column catches the loser at flush time). The threaded tests talk to a real uvicorn server
bound to 127.0.0.1 on a free port; every wait is bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from apiharness import Api
from sqlalchemy import select

from ticketing.accounts.actor import Actor
from ticketing.accounts.models import User
from ticketing.calendar.workdays import WorkCalendar
from ticketing.db.engine import make_sessionmaker
from ticketing.errors import IllegalTransition, StaleVersion
from ticketing.tickets.actions import ActionService
from ticketing.tickets.lifecycle import Action, Role
from ticketing.tickets.models import TicketEvent
from ticketing.tickets.schemas import ActionRequest
from ticketing.tickets.service import TicketService

N_THREADS = 8
TIMEOUT = 60.0
T = TypeVar("T")


def actions_of(api: Api, number: str) -> list[str]:
    return [e["action"] for e in api.ok("admin", "GET", f"/tickets/{number}/events")]


def event_rows(api: Api) -> int:
    with api.engine.connect() as conn:
        return len(conn.execute(select(TicketEvent.id)).all())


def actor_of(api: Api, username: str) -> Actor:
    with make_sessionmaker(api.engine)() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(
            user_id=user.id, username=user.username, role=Role(user.role), department_id=user.department_id
        )


@contextmanager
def live_server(api: Api) -> Iterator[str]:
    """The same app served by uvicorn on 127.0.0.1:<free port>; yields the API base URL."""
    config = uvicorn.Config(
        api.client.app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start within 15 s"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "uvicorn did not stop within 15 s"


def run_together(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..n-1)`` in ``n`` threads released at the same instant; bounded by TIMEOUT."""
    barrier = threading.Barrier(n, timeout=TIMEOUT)

    def start(i: int) -> T:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(start, i) for i in range(n)]
        return [f.result(timeout=TIMEOUT * 2) for f in futures]


def test_stale_expected_version_is_refused_over_http(api: Api) -> None:
    number = api.new_ticket()["number"]
    seen = api.ok("agent", "GET", f"/tickets/{number}")
    # Someone else dispatches it meanwhile.
    api.act("leader", number, "dispatch", lead_department="city.urban", expected_version=seen["version"])
    current = api.ok("agent", "GET", f"/tickets/{number}")
    assert current["version"] == seen["version"] + 1
    events = actions_of(api, number)

    for action, body in (
        ("dispatch", {"lead_department": "city.housing"}),
        ("reject", {"reason": "重复"}),
        ("urge", {"reason": "请尽快"}),
    ):
        response = api.call(
            "agent", "POST", f"/tickets/{number}/{action}", json={**body, "expected_version": seen["version"]}
        )
        assert response.status_code == 409, response.text
        assert response.json() == {
            "error_id": "stale_version",
            "message": response.json()["message"],
            "details": {"expected_version": seen["version"], "current_version": current["version"]},
        }
    # Nothing changed: same version, status, unit and history.
    after = api.ok("agent", "GET", f"/tickets/{number}")
    assert (after["version"], after["status"], after["updated_at"]) == (
        current["version"],
        "dispatched",
        current["updated_at"],
    )
    assert [a["department_code"] for a in after["assignments"]] == ["city.urban"]
    assert actions_of(api, number) == events
    # With the current version the same request goes through.
    api.act("agent", number, "urge", reason="请尽快", expected_version=current["version"])
    assert actions_of(api, number) == [*events, "urge"]


@pytest.mark.parametrize(
    ("first", "second"),
    [(Action.ACCEPT, Action.RETURN_TICKET), (Action.RETURN_TICKET, Action.ACCEPT)],
    ids=["accept-then-return", "return-then-accept"],
)
def test_two_sessions_with_the_same_ticket_only_one_wins(api: Api, first: Action, second: Action) -> None:
    number = api.new_ticket()["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing")
    before = api.ok("agent", "GET", f"/tickets/{number}")
    history = actions_of(api, number)
    housing = actor_of(api, "housing")
    requests = {
        Action.ACCEPT: ActionRequest(),
        Action.RETURN_TICKET: ActionRequest(reason="不属于本单位职责"),
    }
    sessions = make_sessionmaker(api.engine)

    late = sessions()
    try:
        loaded = TicketService(late, now=api.clock).load(number, housing)
        assert (loaded.status, loaded.version) == ("dispatched", before["version"])
        if api.engine.dialect.name == "sqlite":
            # SQLite writers take the database lock at BEGIN (IMMEDIATE): end the read transaction but
            # keep the loaded copy, as a request that read the ticket a moment ago would.
            late.commit()
        with sessions.begin() as early:
            ActionService(early, WorkCalendar(), now=api.clock).perform(
                number, first, requests[first], housing
            )
        with pytest.raises((StaleVersion, IllegalTransition)) as refused:
            ActionService(late, WorkCalendar(), now=api.clock).perform(
                number, second, requests[second], housing
            )
        assert refused.value.http_status == 409
        late.rollback()
    finally:
        late.close()

    after = api.ok("agent", "GET", f"/tickets/{number}")
    assert after["status"] == ("in_progress" if first is Action.ACCEPT else "returned")
    assert after["version"] == before["version"] + 1
    assert actions_of(api, number) == [*history, first.value]


def test_concurrent_accepts_exactly_one_wins(api: Api) -> None:
    number = api.new_ticket()["number"]
    api.act("agent", number, "dispatch", lead_department="city.housing")
    before = api.ok("agent", "GET", f"/tickets/{number}")
    history = actions_of(api, number)
    headers = {"Authorization": f"Bearer {api.tokens['housing']}"}

    with live_server(api) as base:

        def accept(_i: int) -> tuple[int, dict[str, Any]]:
            with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as client:
                response = client.post(f"/tickets/{number}/accept", json={})
                return response.status_code, response.json()

        results = run_together(N_THREADS, accept)

    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (N_THREADS - 1), results
    assert {body["error_id"] for code, body in results if code == 409} <= {
        "stale_version",
        "illegal_transition",
    }
    winner = next(body for code, body in results if code == 200)
    assert winner["status"] == "in_progress"
    after = api.ok("agent", "GET", f"/tickets/{number}")
    assert (after["status"], after["version"]) == ("in_progress", before["version"] + 1)
    assert actions_of(api, number) == [*history, "accept"]


def test_ticket_numbers_stay_unique_and_gapless_under_concurrency(api: Api) -> None:
    per_thread = 5
    headers = {"Authorization": f"Bearer {api.tokens['agent']}"}
    body = {"category": "consult", "title": "并发登记", "content": "同一时刻的多个来电。"}

    with live_server(api) as base:

        def register(i: int) -> list[str]:
            numbers = []
            with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as client:
                for _ in range(per_thread):
                    response = client.post("/tickets", json={**body, "title": f"并发登记 {i}"})
                    assert response.status_code == 201, response.text
                    numbers.append(response.json()["number"])
            return numbers

        results = run_together(N_THREADS, register)

    numbers = [n for batch in results for n in batch]
    total = N_THREADS * per_thread
    assert len(numbers) == len(set(numbers)) == total
    assert sorted(numbers) == [f"20261130-{i:06d}" for i in range(1, total + 1)]
    # Each thread's own registrations got increasing numbers.
    assert all(batch == sorted(batch) for batch in results)
    assert api.ok("agent", "GET", "/tickets", params={"page_size": 500})["total"] == total
    assert event_rows(api) == total
