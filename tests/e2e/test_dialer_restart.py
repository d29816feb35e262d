"""The outbound dialer killed -9 mid-campaign and started again: no number is called twice for one attempt,
no due job is lost.

A real Asterisk sandbox of this module's own; ``hotline outbound run`` (the dialer and the survey app) as a
process of its own; eight citizens with a finished ticket each; one SIPp phone on the citizens' side of the
trunk answering every call and answering the survey (1 solved, 1 satisfied). Once the phone
has received three calls the dialer is killed with SIGKILL, then started again. In the end every job is
finished (done, or manual after its attempts) and, for every citizen, the INVITEs SIPp received equal the
attempts the database recorded.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ivrharness import render_prompts, wait_for

from hotline.process import ProcessThread
from hotline.settings import Settings
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.phone import CitizenLine, invites_by_number, invites_received
from sandbox.sipp.scenario import Answer, Press, Wait
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.outbound.service import OutboundService, national
from ticketing.outbound.vocabulary import JobKind
from ticketing.seed.demo import seed_demo_departments
from ticketing.tickets.lifecycle import Role

HOTLINE = Path(sys.executable).with_name("hotline")
PASSWORD = "e2e-password-123"
CITIZENS = [f"139001391{i:02d}" for i in range(8)]
KILL_AFTER_INVITES = 3


@dataclass
class Rig:
    box: Sandbox
    folder: Path
    settings: Settings
    env: dict[str, str]
    base: str
    prompts: dict[str, float]

    def api(self, user: str, method: str, path: str, body: object = None, ok: int = 200) -> dict[str, object]:
        token = httpx.post(f"{self.base}/api/v1/auth/token", json={"username": user, "password": PASSWORD},
                           trust_env=False).json()["access_token"]  # fmt: skip
        response = httpx.request(method, f"{self.base}/api/v1{path}", json=body, timeout=15, trust_env=False,
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert response.status_code == ok, (method, path, response.text)
        result: dict[str, object] = response.json()
        return result

    def dialer(self, log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen([str(HOTLINE), "outbound", "run"], env=self.env, stdout=out, stderr=out)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (scripts/bootstrap.sh installs sip-tester)")
    folder = tmp_path_factory.mktemp("dialer-restart")
    box = Sandbox(config_dir="/etc/asterisk/hotline-dialer-e2e", ports=free_ports(), log=lambda _: None)
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    web: ProcessThread | None = None
    try:
        prompts = render_prompts(box)
        ari_user, ari_password = box.ari_credentials
        ami_user, ami_secret = box.ami_credentials
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
            "HOTLINE_DATABASE_URL": f"sqlite:///{folder}/hotline.sqlite3",
            "HOTLINE_ARI_URL": box.ari_url, "HOTLINE_ARI_USERNAME": ari_user,
            "HOTLINE_ARI_PASSWORD": ari_password, "HOTLINE_SURVEY_APP": box.config.survey_app,
            "HOTLINE_RECORDINGS_DIR": str(box.host_path("/var/spool/asterisk/recording")),
            "HOTLINE_AMI_HOST": "127.0.0.1", "HOTLINE_AMI_PORT": str(box.ports.ami),
            "HOTLINE_AMI_USERNAME": ami_user, "HOTLINE_AMI_SECRET": ami_secret,
            "HOTLINE_OUTBOUND_WINDOWS": "00:00-24:00", "HOTLINE_OUTBOUND_WORKDAYS_ONLY": "false",
            "HOTLINE_SURVEY_DELAY_WORKDAYS": "0", "HOTLINE_OUTBOUND_SCHEDULE_SECONDS": "1",
            "HOTLINE_OUTBOUND_PACE": "2", "HOTLINE_OUTBOUND_MAX_CONCURRENT": "3",
            "HOTLINE_OUTBOUND_MAX_ATTEMPTS": "3", "HOTLINE_OUTBOUND_RETRY_MINUTES": "0",
            "HOTLINE_OUTBOUND_RING_SECONDS": "10", "HOTLINE_SURVEY_ANSWER_SECONDS": "20",
            "HOTLINE_SURVEY_COMMENT": "false",
        }  # fmt: skip
        settings = Settings(database_url=env["HOTLINE_DATABASE_URL"], asr_models_dir=folder / "no-models")
        upgrade(settings.effective_database_url)
        engine = make_engine(settings.effective_database_url)
        with make_sessionmaker(engine).begin() as session:
            seed_demo_departments(session)
            users = UserService(session)
            for name, role, unit in (
                ("agent", Role.AGENT, None),
                ("housing", Role.DEPARTMENT, "city.housing"),
            ):
                users.create(UserCreate(username=name, role=role, display_name=name, password=PASSWORD,
                                        department=unit), Actor.system())  # fmt: skip
        web = ProcessThread(settings, port=free_port(), engine=engine)  # the API only
        web.start(timeout=60)
        yield Rig(box, folder, settings, env, web.base_url, prompts)
    finally:
        if web is not None:
            web.stop()
        box.down()


def finished_ticket(rig: Rig, phone: str) -> str:
    body = {
        "category": "投诉",
        "title": f"噪音扰民 {phone[-2:]}",
        "content": "夜间施工噪音。",
        "caller": {"phone": phone},
    }
    ticket = rig.api("agent", "POST", "/tickets", body, ok=201)
    number = str(ticket["number"])
    for user, action, body in (
        ("agent", "dispatch", {"lead_department": "city.housing"}),
        ("housing", "accept", {}),
        ("housing", "reply", {"reason": "已处理。"}),
        ("agent", "close", {}),
    ):
        rig.api(user, "POST", f"/tickets/{number}/{action}", body)
    return number


def test_a_dialer_killed_mid_campaign_calls_nobody_twice_for_one_attempt_and_loses_no_job(rig: Rig) -> None:
    for phone in CITIZENS:
        finished_ticket(rig, phone)
    # Keys interrupt the questions (barge-in): the citizen answers early and the calls stay short.
    steps = (Wait(3000), Press("1", 2500), Press("1", 1000))
    phone_folder = Path(tempfile.mkdtemp(prefix="dialer-uas-"))
    line = CitizenLine(port=rig.box.ports.trunk, media_port=free_udp_range(4))
    answering = line.answer(
        phone_folder, Answer(ring_ms=500, talk_ms=None, steps=steps), calls=100, timeout_s=400
    )
    log = rig.folder / "dialer.log"
    dialer = rig.dialer(log)
    sessions = make_sessionmaker(make_engine(rig.settings.effective_database_url))
    try:
        wait_for(lambda: invites_received(phone_folder) >= KILL_AFTER_INVITES, 90, "the first calls to ring")
        dialer.send_signal(signal.SIGKILL)
        assert dialer.wait(10) == -signal.SIGKILL
        at_kill = invites_received(phone_folder)
        dialer = rig.dialer(log)

        def finished_jobs() -> list[tuple[str, str, int]] | None:
            with sessions() as s:
                jobs = OutboundService(s).listing(kind=JobKind.SURVEY)
                rows = [(j.phone, j.state, j.attempts) for j in jobs]
            if len(rows) == len(CITIZENS) and all(state in ("done", "manual") for _, state, _ in rows):
                return rows
            return None

        jobs = wait_for(finished_jobs, 300, "every survey job to finish after the restart")
    finally:
        for process in (dialer, answering):
            if process.poll() is None:
                process.kill()
                process.wait(10)
    calls = invites_by_number(phone_folder)
    print(f"\nINVITEs at the kill: {at_kill}; in all: {dict(calls)}; jobs: {jobs}")
    assert sorted(national(phone) for phone, _, _ in jobs) == sorted(CITIZENS)  # no job lost, none made twice
    for phone, _, attempts in jobs:
        assert calls[national(phone)] == attempts, (phone, calls, log.read_text(errors="replace")[-3000:])
    assert sum(calls.values()) == sum(attempts for _, _, attempts in jobs)
    assert any(state == "done" for _, state, _ in jobs)
