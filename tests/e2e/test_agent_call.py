"""An agent takes the call, end to end: a real Asterisk sandbox, ``hotline serve``'s whole process (web app,
IVR, agent bridge in one loop) in a thread, a SIPp agent phone registered as agent1001, SIPp citizens.

1. Through the IVR: the citizen presses 1, describes the matter, waits in the consult queue; the phone
   rings, the agent's WebSocket gets the pre-pop with the call's draft, then the confirmation when the
   phone answers (only this agent's socket), the live state ends when the citizen hangs up; the call row
   is complete; the agent registers the draft as a ticket through the API (linked both ways, once).
2. With the IVR stopped (the dialplan fallback): the call still gets a row and a draft (made from the
   queue event), the pop carries it.
3. A citizen who gives up while waiting (the agent paused) is kept as abandoned for the callback list.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ivrharness import make_speech, ms, render_prompts, wait_for
from sqlalchemy import select
from websockets.sync.client import connect

from hotline.process import ProcessThread
from hotline.settings import Settings
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.citizen import CallResult, CitizenCall, Press, Speak, Step, Wait
from sandbox.sipp.phone import AgentPhone, finished
from sandbox.sipp.scenario import Answer
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.calls.models import Call, TicketDraft
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.tickets.lifecycle import Role

PASSWORD = "e2e-password-123"
WORDS = "我要咨询，社保卡丢了怎么补办，我的电话是幺三九零零幺三九零零零。"


class Desktop:
    """The agent's WebSocket, read in a thread; every message kept."""

    def __init__(self, base: str, token: str) -> None:
        url = base.replace("http://", "ws://") + f"/api/v1/agents/me/events?token={token}"
        self.ws = connect(url, open_timeout=10)
        self.messages: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                self.messages.append({**json.loads(raw), "_received": time.time()})
        except Exception:
            pass

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def close(self) -> None:
        self.ws.close()


class Rig:
    def __init__(self, box: Sandbox, folder: Path, settings: Settings) -> None:
        self.box, self.folder, self.settings = box, folder, settings
        self.engine = make_engine(settings.effective_database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.process: ProcessThread | None = None
        self.base = ""

    def start(self, *, with_ivr: bool) -> None:
        settings = self.settings if with_ivr else self.settings.model_copy(update={"ari_url": None})
        self.process = ProcessThread(settings, port=free_port(), engine=self.engine)
        self.process.start(timeout=60)
        self.base = self.process.base_url

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def token(self, user: str) -> str:
        response = httpx.post(f"{self.base}/api/v1/auth/token", json={"username": user, "password": PASSWORD},
                              trust_env=False)  # fmt: skip
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api(self, user: str, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        url = f"{self.base}/api/v1{path}"
        response = httpx.request(method, url, json=body, headers=headers, timeout=15, trust_env=False)
        assert response.status_code == ok, (method, path, response.status_code, response.text)
        return response.json()

    def call_row(self, number: str) -> tuple[Call, TicketDraft | None] | None:
        with self.sessions() as session:
            call = session.scalars(select(Call).where(Call.caller_number == number)).first()
            if call is None:
                return None
            return call, session.get(TicketDraft, call.draft_id) if call.draft_id else None


@contextlib.contextmanager
def open_rig(folder: Path, config_dir: str, **settings: Any) -> Iterator[Rig]:
    """A sandbox of its own, a migrated database with an admin and agent01, the settings of the whole
    process (``settings`` added); the process itself is started by each test (:meth:`Rig.start`)."""
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    box = Sandbox(config_dir=config_dir, ports=free_ports(), log=lambda _: None)
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    render_prompts(box)
    ari_user, ari_password = box.ari_credentials
    ami_user, ami_secret = box.ami_credentials
    config = Settings(
        database_url=f"sqlite:///{folder}/hotline.sqlite3",
        ari_url=box.ari_url,
        ari_username=ari_user,
        ari_password=ari_password,
        ari_app=box.config.ari_app,
        recordings_dir=box.host_path("/var/spool/asterisk/recording"),
        ami_host="127.0.0.1",
        ami_port=box.ports.ami,
        ami_username=ami_user,
        ami_secret=ami_secret,
        asr_models_dir=folder / "no-models",  # speech recognition off: drafts keep their recordings
        **settings,
    )
    upgrade(config.effective_database_url)
    rig = Rig(box, folder, config)
    with rig.sessions.begin() as session:
        users = UserService(session)
        for name, role, display in (("admin", Role.ADMIN, "管理员"), ("agent01", Role.AGENT, "王芳")):
            users.create(
                UserCreate(username=name, role=role, display_name=display, password=PASSWORD), Actor.system()
            )
    try:
        yield rig
    finally:
        rig.stop()
        rig.engine.dispose()
        box.down()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(tmp_path_factory.mktemp("agent-e2e"), "/etc/asterisk/hotline-agent-e2e") as made:
        yield made


def phone(box: Sandbox) -> AgentPhone:
    p = AgentPhone("agent1001", box.agent_password("1001"), port=free_port(), media_port=free_udp_range(4),
                   server_port=box.ports.sip)  # fmt: skip
    assert p.register().ok
    return p


def citizen(box: Sandbox, number: str, steps: list[Step]) -> tuple[threading.Thread, list[CallResult]]:
    call = CitizenCall(number, steps, port=box.ports.sip, local_port=free_port(),
                       media_port=free_udp_range(4), timeout_s=90)  # fmt: skip
    results: list[CallResult] = []
    thread = threading.Thread(target=lambda: results.append(call.run()), daemon=True)
    thread.start()
    return thread, results


def test_an_ivr_call_pops_on_the_agents_desktop_and_its_draft_becomes_a_ticket(rig: Rig) -> None:
    rig.start(with_ivr=True)
    try:
        bound = rig.api("admin", "POST", "/agents", {"username": "agent01", "extension": "1001",
                        "skills": ["consult", "general"], "wrapup_seconds": 5}, ok=201)  # fmt: skip
        assert bound["interface"] == "PJSIP/agent1001"
        desktop = Desktop(rig.base, rig.token("agent01"))
        wait_for(lambda: desktop.of("presence"), 10, "the desktop's first presence")
        assert rig.api("agent01", "POST", "/agents/me/login")["status"] == "ready"
        agent_phone = phone(rig.box)
        folder = Path(tempfile.mkdtemp(prefix="agent-phone-"))
        answering = agent_phone.answer(folder, Answer(ring_ms=1500, talk_ms=None), calls=1, timeout_s=90)
        speech = make_speech(rig.folder, WORDS)
        p = render_prompts(rig.box)
        number = "13900139001"
        steps: list[Step] = [
            Wait(1500), Press("1", 700), Wait(ms(p["describe"]) + 800),
            Speak(speech.alaw, ms(speech.seconds) + 300), Press("#", 700),
            Wait(ms(p["thanks_transferring"]) + 6000),
        ]  # fmt: skip
        thread, results = citizen(rig.box, number, steps)
        wait_for(lambda: desktop.of("pop.ended"), 90, "the pop to end (the citizen hung up)")
        thread.join(30)
        assert results[0].ok, results[0].stderr
        assert finished(answering, folder, 30).ok

        row = wait_for(lambda: rig.call_row(number), 10, "the call row")
        call, draft = row
        assert draft is not None
        [offered] = desktop.of("pop.offered")
        [connected] = desktop.of("pop.connected")
        assert offered["draft"]["id"] == str(draft.id)  # the IVR's draft, found by HOTLINE_DRAFT_ID
        assert offered["call"]["id"] == str(call.id)
        assert offered["call"]["skill"] == "consult"
        assert offered["draft"]["has_recording"] is True
        assert offered["_received"] <= connected["_received"]  # pre-popped while the phone rang
        latency = connected["_received"] - connected["asterisk_at"]
        print(f"\nscreen pop: {latency * 1000:.0f} ms after Asterisk's AgentConnect")
        ended = wait_for(
            lambda: rig.call_row(number) and rig.call_row(number)[0].completed_at, 15, "completion"
        )
        call, draft = rig.call_row(number)  # type: ignore[misc]
        assert ended
        assert call.origin == "ivr"
        assert call.queue == "hotline-consult"
        assert call.answered_at is not None
        assert call.hold_seconds is not None
        assert call.talk_seconds is not None
        assert call.hangup_by == "caller"
        assert call.agent_interface == "PJSIP/agent1001"

        recording = httpx.get(f"{rig.base}{offered['draft']['recording_url']}", trust_env=False,
                              headers={"Authorization": f"Bearer {rig.token('agent01')}"})  # fmt: skip
        assert recording.status_code == 200
        assert recording.content[:4] == b"RIFF"

        edited = {
            "draft_id": str(draft.id), "category": "咨询", "title": "社保卡补办",
            "content": "来电咨询社保卡丢失补办流程。", "location": "和平街道",
            "caller": {"phone": "13900139001"},
        }  # fmt: skip
        ticket = rig.api("agent01", "POST", "/tickets", edited, ok=201)
        assert ticket["draft_id"] == str(draft.id)
        assert ticket["call_id"] == str(call.id)
        assert rig.api("agent01", "GET", f"/drafts/{draft.id}")["ticket_id"] == ticket["id"]
        again = httpx.post(
            f"{rig.base}/api/v1/tickets", json={**edited, "title": "again"},
            headers={"Authorization": f"Bearer {rig.token('agent01')}"}, trust_env=False,
        )  # fmt: skip
        assert (again.status_code, again.json()["error_id"]) == (409, "draft_taken")
        desktop.close()
    finally:
        rig.stop()


def test_with_the_ivr_stopped_the_fallback_call_still_pops_with_a_draft_and_abandons_are_kept(
    rig: Rig,
) -> None:
    rig.start(with_ivr=False)
    try:
        desktop = Desktop(rig.base, rig.token("agent01"))
        rig.api("agent01", "POST", "/agents/me/ready")
        agent_phone = phone(rig.box)
        folder = Path(tempfile.mkdtemp(prefix="agent-phone-"))
        answering = agent_phone.answer(folder, Answer(ring_ms=800, talk_ms=2000), calls=1, timeout_s=60)
        number = "13900139002"
        thread, results = citizen(rig.box, number, [Wait(12_000)])
        wait_for(lambda: desktop.of("pop.ended"), 60, "the pop to end")
        thread.join(30)
        assert results[0].ok, results[0].stderr
        assert finished(answering, folder, 30).ok
        call, draft = wait_for(lambda: rig.call_row(number), 10, "the call row")
        assert call.origin == "fallback"
        assert draft is not None
        [offered] = desktop.of("pop.offered")
        assert offered["draft"]["id"] == str(draft.id)

        rig.api("agent01", "POST", "/agents/me/pause", {"reason": "小休"})
        gone = "13900139003"
        thread, results = citizen(rig.box, gone, [Wait(4000)])
        thread.join(30)
        assert results[0].ok, results[0].stderr
        wait_for(lambda: (row := rig.call_row(gone)) and row[0].abandoned_at, 10, "the abandoned call")
        missed = rig.api("agent01", "GET", "/calls?state=abandoned")
        assert [c["caller_number"] for c in missed["items"]] == [gone]
        rig.api("agent01", "POST", "/agents/me/logout")
        desktop.close()
    finally:
        rig.stop()
