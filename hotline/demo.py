"""``hotline demo``: one ticket's life through the real API server, printed step by step.

Fresh SQLite database under ./var, the demo departments and accounts, a uvicorn server on loopback,
and an HTTP client that plays the agent, the department, the supervisor and the callback.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import httpx
import uvicorn

from hotline.settings import Settings
from hotline.wiring import build_app, build_engine
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.db.engine import make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.seed.demo import seed_demo_departments, seed_demo_knowledge
from ticketing.tickets.lifecycle import Role

DEMO_DB = Path("var/demo.sqlite3")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "demo-password-12345"
DEMO_USERS = (
    ("admin", Role.ADMIN, None, "系统管理员"),
    ("agent01", Role.AGENT, None, "话务员 王芳"),
    ("leader01", Role.SUPERVISOR, None, "值班长 李强"),
    ("housing01", Role.DEPARTMENT, "city.housing", "住建局 办理员"),
    ("urban01", Role.DEPARTMENT, "city.urban", "城管局 办理员"),
)


def run_demo(
    settings: Settings, *, keep_serving: bool = False, port: int = 0, with_call: bool = True
) -> None:
    """Run the walk-through; with ``keep_serving`` the server stays up until Ctrl-C.

    ``with_call`` adds the telephony part: a real Asterisk sandbox, the IVR and one SIPp citizen.
    """
    if settings.database_url is None:
        DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
        settings = settings.model_copy(update={"database_url": f"sqlite:///{DEMO_DB}"})
    url = settings.effective_database_url
    _step(f"database: {url}")
    upgrade(url)
    engine = build_engine(settings)
    with make_sessionmaker(engine).begin() as session:
        added = seed_demo_departments(session)
        seed_demo_knowledge(session)
        users = UserService(session)
        existing = {u.username for u in users.list()}
        for username, role, unit, name in DEMO_USERS:
            if username not in existing:
                users.create(
                    UserCreate(
                        username=username,
                        role=role,
                        department=unit,
                        display_name=name,
                        password=DEMO_PASSWORD,
                    ),
                    Actor.system(),
                )
    _step(f"seeded {added} departments and {len(DEMO_USERS)} accounts (password: {DEMO_PASSWORD})")

    server = uvicorn.Server(
        uvicorn.Config(
            build_app(settings, engine), host="127.0.0.1", port=port or _free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.config.port}"
    _wait_until_up(base)
    _step(f"API server on {base} (OpenAPI: {base}/docs)")
    try:
        with httpx.Client(base_url=f"{base}/api/v1", timeout=10, trust_env=False) as http:
            _walk_through(http)
        if with_call:
            from hotline.demo_call import run_demo_call

            _step("8. A citizen calls 12345: Asterisk → IVR menu → describe the matter → queue → an agent")
            run_demo_call(settings, make_sessionmaker(engine), DEMO_PASSWORD)
        if keep_serving:
            click.echo(f"\nserver keeps running on {base}; Ctrl-C to stop")
            while thread.is_alive():
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def _walk_through(http: httpx.Client) -> None:
    tokens = {name: _login(http, name) for name, *_ in DEMO_USERS}

    def call(user: str, method: str, path: str, body: dict[str, Any] | None = None, ok: int = 200) -> Any:
        response = http.request(method, path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
        if response.status_code != ok:
            raise click.ClickException(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()

    _step("1. 登记 — agent01 registers a citizen's complaint (phone channel)")
    ticket = call(
        "agent01",
        "POST",
        "/tickets",
        {
            "category": "投诉",
            "title": "工地夜间施工噪音扰民",
            "content": (
                "来电人反映和平街道幸福小区旁工地每晚十一点后仍在施工，噪音很大，影响休息，希望尽快处理。"
            ),
            "location": "东城区和平街道幸福小区东侧工地",
            "caller": {
                "name": "张三",
                "phone": "138 0013 8000",
                "address": "幸福小区3栋",
                "confidential": True,
            },
        },
        ok=201,
    )
    number = ticket["number"]
    _show(ticket, "registered, caller asked for 保密")

    _step("2. 交办 — dispatched to 市住房和城乡建设局 (lead) with 市城市管理局 (co-unit, 会签)")
    ticket = call(
        "agent01",
        "POST",
        f"/tickets/{number}/dispatch",
        {"lead_department": "city.housing", "co_departments": ["city.urban"]},
    )
    due = datetime.fromisoformat(ticket["due_at"]).astimezone(SHANGHAI)
    provisional = " (provisional calendar)" if ticket["due_provisional"] else ""
    _show(ticket, f"due {due:%Y-%m-%d %H:%M} Asia/Shanghai — 投诉: 5 working days{provisional}")

    _step("3. The department's view: it sees its ticket, never the confidential caller (R-PRIV)")
    seen = call("housing01", "GET", f"/tickets/{number}")
    click.echo(f"   housing01 sees caller = {seen['caller']}")
    refused = http.post(
        f"/tickets/{number}/close", json={}, headers={"Authorization": f"Bearer {tokens['housing01']}"}
    )
    click.echo(f"   housing01 tries 办结 → HTTP {refused.status_code} {refused.json()['error_id']}")

    _step("4. 签收 and 回复 by the lead unit")
    _show(call("housing01", "POST", f"/tickets/{number}/accept", {}), "accepted")
    ticket = call(
        "housing01",
        "POST",
        f"/tickets/{number}/reply",
        {"reason": "已责令施工单位停止夜间施工，城管执法队每晚巡查，违规将依法处罚。"},
    )
    _show(ticket, "replied")

    _step("5. 办结 by the hotline, then 回访: the caller is satisfied → 归档")
    _show(call("agent01", "POST", f"/tickets/{number}/close", {}), "closed")
    _show(
        call("agent01", "POST", f"/tickets/{number}/callback", {"satisfaction": "satisfied"}), "callback done"
    )

    _step("6. An illegal transition is refused with a typed error")
    again = http.post(
        f"/tickets/{number}/dispatch",
        json={"lead_department": "city.housing"},
        headers={"Authorization": f"Bearer {tokens['agent01']}"},
    )
    click.echo(f"   dispatch an archived ticket → HTTP {again.status_code} {again.json()}")

    _step(f"7. The event history of {number} (every state change, replayable)")
    for event in call("leader01", "GET", f"/tickets/{number}/events"):
        click.echo(
            f"   {event['at'][:19]}  {event['actor']:<10} {event['action']:<16} "
            f"{event['from_status'] or '-':>12} → {event['to_status']:<12} {event['reason'] or ''}"
        )


def _login(http: httpx.Client, username: str) -> str:
    response = http.post("/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _show(ticket: dict[str, Any], note: str) -> None:
    click.echo(f"   {ticket['number']}  {ticket['status']:<12} {ticket['status_label']:<6}  {note}")


def _step(text: str) -> None:
    click.secho(f"\n» {text}" if text[:1].isdigit() else f"» {text}", bold=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(base: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise click.ClickException(f"the API server did not come up on {base} (pid {os.getpid()})")
