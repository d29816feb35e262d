"""The hotline calls citizens back, end to end: a real Asterisk sandbox, ``hotline serve``'s whole process
(web app, IVR, agent bridge, survey app and outbound dialer in one loop) in a thread, SIPp on the citizens'
side of the trunk answering (or not) the hotline's calls.

1. 回访: a ticket is 办结; the dialer calls the citizen; SIPp answers and presses 2 (未解决) then 3 (不满意)
   and # (no comment) → the ticket is back with its unit (重办) with the answers in its history.
2. A citizen who never answers: every attempt rings out (the cause is kept), then the job is on the manual
   callback list.
3. A citizen with two finished matters gets one call asking about both.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from ivrharness import render_prompts, wait_for

from hotline.process import ProcessThread
from hotline.settings import Settings
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.phone import CitizenLine, finished, invites_received
from sandbox.sipp.scenario import Answer, Press, Wait
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.calendar.service import load_calendar
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.seed.demo import seed_demo_departments
from ticketing.tickets.actions import ActionService
from ticketing.tickets.lifecycle import Action, Role
from ticketing.tickets.schemas import ActionRequest

PASSWORD = "e2e-password-123"
ANSWER_S = 20.0  # time for a key after each question: the SIPp citizen presses 1 s after it ends


class Rig:
    def __init__(self, box: Sandbox, folder: Path, settings: Settings) -> None:
        self.box, self.folder, self.settings = box, folder, settings
        self.engine = make_engine(settings.effective_database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.process = ProcessThread(settings, port=free_port(), engine=self.engine)
        self.base = ""
        self.prompts: dict[str, float] = {}

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

    def finished_ticket(self, phone: str, title: str, *, close: bool = True) -> str:
        """A complaint registered, dispatched to the housing bureau, answered and closed (办结)."""
        ticket = self.api("agent", "POST", "/tickets", {
            "category": "投诉", "title": title, "content": f"{title}，请尽快处理。", "location": "幸福小区",
            "caller": {"phone": phone},
        }, ok=201)  # fmt: skip
        number = ticket["number"]
        for user, action, body in (
            ("agent", "dispatch", {"lead_department": "city.housing"}),
            ("housing", "accept", {}),
            ("housing", "reply", {"reason": "已处理。"}),
            ("agent", "close", {}),
        ):
            if action == "close" and not close:
                break
            assert self.api(user, "POST", f"/tickets/{number}/{action}", body)["status"]
        return str(number)

    def close_together(self, *numbers: str) -> None:
        """办结 several answered tickets in one transaction (the dialer sees them finished together)."""
        with self.sessions.begin() as session:
            actions = ActionService(session, load_calendar(session))
            for number in numbers:
                actions.perform(number, Action.CLOSE, ActionRequest(), Actor.system(Role.AGENT))

    def line(self) -> CitizenLine:
        return CitizenLine(port=self.box.ports.trunk, media_port=free_udp_range(4))

    def first_question_ms(self) -> int:
        return self.ms("survey_greeting", *self.matter(), "survey_q_solved")

    def matter(self) -> tuple[str, ...]:
        """The prompts naming a complaint made today."""
        today = datetime.now(ZoneInfo("Asia/Shanghai"))
        return ("survey_matter_on", f"month_{today.month}", f"day_{today.day}", "survey_matter_complaint")

    def ms(self, *prompts: str) -> int:
        return int(1000 * sum(self.prompts[p] for p in prompts) + 1000)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    folder = tmp_path_factory.mktemp("survey-e2e")
    box = Sandbox(config_dir="/etc/asterisk/hotline-survey-e2e", ports=free_ports(), log=lambda _: None)
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    rig: Rig | None = None
    try:
        prompts = render_prompts(box)
        ari_user, ari_password = box.ari_credentials
        ami_user, ami_secret = box.ami_credentials
        settings = Settings(
            database_url=f"sqlite:///{folder}/hotline.sqlite3",
            ari_url=box.ari_url, ari_username=ari_user, ari_password=ari_password, ari_app=box.config.ari_app,
            survey_app=box.config.survey_app, recordings_dir=box.host_path("/var/spool/asterisk/recording"),
            ami_host="127.0.0.1", ami_port=box.ports.ami, ami_username=ami_user, ami_secret=ami_secret,
            asr_models_dir=folder / "no-models",
            outbound=True, outbound_windows="00:00-24:00", outbound_workdays_only=False,
            survey_delay_workdays=0, outbound_max_attempts=2, outbound_retry_minutes=0,
            outbound_ring_seconds=6,
            outbound_schedule_seconds=1, survey_answer_seconds=ANSWER_S,
        )  # fmt: skip
        upgrade(settings.effective_database_url)
        rig = Rig(box, folder, settings)
        rig.prompts = prompts
        with rig.sessions.begin() as session:
            seed_demo_departments(session)
            users = UserService(session)
            for name, role, unit in (
                ("agent", Role.AGENT, None),
                ("housing", Role.DEPARTMENT, "city.housing"),
            ):
                users.create(UserCreate(username=name, role=role, display_name=name, password=PASSWORD,
                                        department=unit), Actor.system())  # fmt: skip
        rig.process.start(timeout=90)
        rig.base = rig.process.base_url
        yield rig
    finally:
        if rig is not None:
            rig.process.stop()
            rig.engine.dispose()
        box.down()


def survey_job(rig: Rig, number: str) -> dict[str, Any] | None:
    jobs = rig.api("agent", "GET", f"/tickets/{number}/callbacks")
    return jobs[0] if jobs else None


def test_the_citizen_answers_unsolved_and_unsatisfied_and_the_ticket_goes_back_for_redo(rig: Rig) -> None:
    folder = Path(tempfile.mkdtemp(prefix="survey-uas-"))
    steps = (
        Wait(rig.first_question_ms()), Press("2"),  # 未解决
        Wait(rig.ms("survey_q_satisfaction")), Press("3"),  # 不满意
        Wait(1500), Press("#"),  # no comment
    )  # fmt: skip
    answering = rig.line().answer(folder, Answer(ring_ms=800, talk_ms=None, steps=steps), calls=1)
    try:
        number = rig.finished_ticket("13900139021", "小区门口道路破损")
        ticket = wait_for(
            lambda: (t := rig.api("agent", "GET", f"/tickets/{number}"))["status"] != "completed" and t,
            120,
            "the 回访 to send the ticket on",
        )
        result = finished(answering, folder, 30)
    finally:
        if answering.poll() is None:
            answering.kill()
    assert result.ok, result.stderr
    assert ticket["status"] == "dispatched"  # 重办 to the same unit
    assert ticket["redo_count"] == 1
    lead = [a for a in ticket["assignments"] if a["active"] and a["role"] == "lead"]
    assert [a["department_code"] for a in lead] == ["city.housing"]
    assert ticket["satisfaction"] == "unsatisfied"
    events = rig.api("agent", "GET", f"/tickets/{number}/events")
    callback = [e for e in events if e["action"] == "callback"][-1]
    assert callback["actor"] == "system"  # the automated 回访, not a person
    assert "问题未解决" in callback["reason"]
    assert "不满意" in callback["reason"]
    assert callback["payload"]["result_satisfaction"] == "unsatisfied"
    assert callback["to_status"] == "dispatched"
    job = survey_job(rig, number)
    assert job is not None
    assert job["state"] == "done"
    assert [d["outcome"] for d in job["dials"]] == ["answered"]
    assert job["dials"][0]["answered_at"] is not None
    assert job["answers"] == [
        {**job["answers"][0], "solved": False, "satisfaction": "unsatisfied", "complete": True}
    ]
    assert invites_received(folder) == 1


def test_a_citizen_who_never_answers_is_tried_then_put_on_the_manual_list(rig: Rig) -> None:
    folder = Path(tempfile.mkdtemp(prefix="survey-uas-"))
    ringing = rig.line().answer(folder, Answer(ring_ms=None), calls=2)
    try:
        number = rig.finished_ticket("13900139022", "路灯不亮")
        job = wait_for(
            lambda: (j := survey_job(rig, number)) is not None and j["state"] == "manual" and j,
            120,
            "the survey job to reach the manual list",
        )
        finished(ringing, folder, 30)
    finally:
        if ringing.poll() is None:
            ringing.kill()
    assert [d["outcome"] for d in job["dials"]] == ["no_answer", "no_answer"]
    assert all(d["hangup_cause"] for d in job["dials"]), job["dials"]
    assert job["attempts"] == 2
    manual = rig.api("agent", "GET", "/outbound/jobs?state=manual")
    assert job["id"] in [j["id"] for j in manual]
    assert rig.api("agent", "GET", f"/tickets/{number}")["status"] == "completed"  # still waiting for 回访
    assert invites_received(folder) == 2
    done = rig.api("agent", "POST", f"/outbound/jobs/{job['id']}/done", {"reason": "已人工电话回访"})
    assert done["state"] == "done"


def test_two_finished_matters_of_one_citizen_are_asked_in_one_call(rig: Rig) -> None:
    folder = Path(tempfile.mkdtemp(prefix="survey-uas-"))
    steps = (
        Wait(rig.first_question_ms()), Press("1"), Wait(rig.ms("survey_q_satisfaction")), Press("1"),
        Wait(rig.ms("survey_next_matter", *rig.matter(), "survey_q_solved")), Press("1"),
        Wait(rig.ms("survey_q_satisfaction")), Press("2"), Wait(1500), Press("#"),
    )  # fmt: skip
    answering = rig.line().answer(folder, Answer(ring_ms=800, talk_ms=None, steps=steps), calls=1)
    try:
        first = rig.finished_ticket("13900139023", "楼道堆放杂物", close=False)
        second = rig.finished_ticket("13900139023", "电梯经常故障", close=False)
        rig.close_together(first, second)

        def archived() -> list[str] | None:
            found = [rig.api("agent", "GET", f"/tickets/{n}")["status"] for n in (first, second)]
            return found if all(s == "archived" for s in found) else None

        statuses = wait_for(archived, 120, "both tickets archived by one 回访")
        result = finished(answering, folder, 30)
    finally:
        if answering.poll() is None:
            answering.kill()
    assert statuses == ["archived", "archived"]
    assert result.ok, result.stderr
    assert invites_received(folder) == 1
    job = survey_job(rig, first)
    assert job is not None
    assert sorted(job["tickets"]) == sorted([first, second])
    assert {(a["solved"], a["satisfaction"]) for a in job["answers"]} == {
        (True, "satisfied"),
        (True, "basically_satisfied"),
    }
