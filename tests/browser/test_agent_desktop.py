"""The agent desktop and the wallboard in a real browser, against the whole process (web app, IVR and agent
bridge in one loop, ``hotline.process.ProcessThread``), a real Asterisk sandbox of this module's own, a
SIPp agent phone registered as agent1001 and a SIPp citizen calling 12345 through the IVR.

1. The agent logs in on the login page, lands on the desktop, signs in (签入) and takes a break (小休, by
keyboard); the supervisor's wallboard shows the agent on break and then the citizen waiting. While the
citizen waits, the test plays the speech recogniser's part (recognition is off here: the only Vosk model
the registries hold is Korean) and stores the transcript and extracted fields on the call's draft, exactly
as ``asr.worker`` does. The agent presses Alt+1 (就绪), the phone rings: the pop shows the pre-filled
draft with its confidences, the recording, the caller's history (the open, similar ticket first, marked
as a likely repeat) and knowledge-base answers; the phone answers. The agent corrects the category and
the address, submits with Ctrl+Enter, 交办s to the suggested department with Alt+J. The phone hangs up:
the pop ends, the agent is in 后处理 and ends it; the wallboard counts the call as answered.

2. Without telephony (the same process with neither ARI nor AMI configured): the desktop says so in
Chinese with the typed error, a ticket can still be registered by hand (no call), the wallboard explains
it has no data.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from asr.drafting import extract_draft
from hotline.process import ProcessThread
from hotline.settings import Settings
from ivr.prompts import CATALOGUE, SOUNDS_SUBDIR, build_prompts, wav_info
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.runtime import sounds_dir
from sandbox.sipp.citizen import AwaitHangup, CallResult, CitizenCall, Press, Speak, Step, Wait
from sandbox.sipp.phone import AgentPhone, finished
from sandbox.sipp.scenario import Answer
from sandbox.sipp.speech import Speech, synthesise
from ticketing.accounts.actor import Actor
from ticketing.accounts.schemas import UserCreate
from ticketing.accounts.service import UserService
from ticketing.calendar.service import load_calendar
from ticketing.calls.drafts import DraftService
from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.service import CallService
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.scheduling import OutboundScheduler
from ticketing.outbound.service import OutboundService
from ticketing.outbound.vocabulary import AttemptOutcome
from ticketing.seed.demo import seed_demo_departments, seed_demo_knowledge
from ticketing.tickets.lifecycle import Role

T = TypeVar("T")

PASSWORD = "desktop-test-password"
CONFIG_DIR = "/etc/asterisk/hotline-desktop-test"
CALLER = "13900139001"
WORDS = "我要咨询，社保卡丢了怎么补办，我住在和平区建设路八十八号，我的电话是幺三九零零幺三九零零零幺。"
# What the recogniser would have heard (recognition is off in this module, see the docstring).
TRANSCRIPT = "我要咨询，社保卡丢了怎么补办，我住在和平区建设路88号，我的电话是13900139001。"
RING_MS = 3000  # the agent's phone rings this long before it answers
TALK_MS = 15_000  # then talks this long and hangs up (hangup_by = agent)
UI_TIMEOUT_MS = 15_000
USERS = (
    ("admin", Role.ADMIN, "管理员"),
    ("agent01", Role.AGENT, "王芳"),
    ("leader", Role.SUPERVISOR, "李班长"),
)
PLAYWRIGHT_EXPECT_MS = 5_000  # Playwright's default expect() timeout


# -- small helpers (copied from tests/e2e/ivrharness.py: tests do not import each other) ------------------
def wait_for(predicate: Callable[[], T | None], seconds: float, what: str, poll: float = 0.2) -> T:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {seconds:.1f} s waiting for {what}")
        time.sleep(poll)


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def render_prompts(box: Sandbox) -> dict[str, float]:
    """Render the prompt catalogue where the sandbox plays it from; the length of each prompt (s)."""
    out = sounds_dir(box.root, SOUNDS_SUBDIR)
    build_prompts(out)
    return {prompt_id: wav_info(out / f"{prompt_id}.wav").seconds for prompt_id in CATALOGUE}


def percent(confidence: float) -> str:
    return f"{int(confidence * 100 + 0.5)}%"  # as the page rounds (Math.round)


# -- the hotline process and the rig -----------------------------------------------------------------------
@dataclass
class Server:
    """One hotline process (what ``hotline serve`` runs) in a thread, with its database."""

    process: ProcessThread
    sessions: sessionmaker[Session]

    @property
    def base(self) -> str:
        return self.process.base_url

    def token(self, user: str) -> str:
        response = httpx.post(f"{self.base}/api/v1/auth/token", json={"username": user, "password": PASSWORD},
                              trust_env=False, timeout=10)  # fmt: skip
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api(self, user: str, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        url = f"{self.base}/api/v1{path}"
        response = httpx.request(method, url, json=body, headers=headers, timeout=15, trust_env=False)
        assert response.status_code == ok, (method, path, response.status_code, response.text)
        return response.json()

    def recorded_draft(self, number: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(call id, draft id) once the IVR has attached the caller's description to the draft."""
        with self.sessions() as session:
            call = session.scalars(select(Call).where(Call.caller_number == number)).first()
            if call is None or call.draft_id is None:
                return None
            draft = session.get(TicketDraft, call.draft_id)
            if draft is None or not draft.recording_path:
                return None
            return call.id, draft.id


@contextlib.contextmanager
def hotline_process(settings: Settings) -> Iterator[Server]:
    """A fresh database (demo departments and knowledge, this module's users) and the whole process."""
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    process: ProcessThread | None = None
    try:
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            seed_demo_departments(session)
            seed_demo_knowledge(session)
            users = UserService(session)
            for name, role, display in USERS:
                users.create(
                    UserCreate(username=name, role=role, display_name=display, password=PASSWORD),
                    Actor.system(),
                )
        process = ProcessThread(settings, port=free_port(), engine=engine)
        process.start(timeout=90)
        yield Server(process, sessions)
    finally:
        if process is not None:
            process.stop()
        engine.dispose()


@dataclass
class Rig:
    box: Sandbox
    server: Server
    prompts: dict[str, float]
    speech: Speech


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    folder = tmp_path_factory.mktemp("agent-desktop")
    box = Sandbox(config_dir=CONFIG_DIR, ports=free_ports(), log=lambda _: None)
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        prompts = render_prompts(box)
        speech = synthesise(folder, WORDS)
        assert speech.seconds > 1.5, f"the synthesised speech is too short: {speech.seconds:.2f} s"
        ari_user, ari_password = box.ari_credentials
        ami_user, ami_secret = box.ami_credentials
        settings = Settings(
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
            asr_models_dir=folder / "no-models",  # recognition off: the test stores the draft's fields
        )
        with hotline_process(settings) as server:
            bound = server.api("admin", "POST", "/agents", {"username": "agent01", "extension": "1001",
                               "skills": ["consult", "general"], "wrapup_seconds": 300}, ok=201)  # fmt: skip
            assert bound["interface"] == "PJSIP/agent1001"
            yield Rig(box, server, prompts, speech)
    finally:
        box.down()


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole process without telephony: no ARI, no AMI (``hotline serve`` on a desk without Asterisk)."""
    folder = tmp_path_factory.mktemp("agent-desktop-offline")
    settings = Settings(
        database_url=f"sqlite:///{folder}/hotline.sqlite3", asr_models_dir=folder / "no-models"
    )
    assert settings.ari_url is None
    assert settings.ami_host is None
    with hotline_process(settings) as server:
        yield server


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Two browser contexts of their own (two people at two screens); the calls take their time, so
    ``expect`` waits longer here (and goes back to Playwright's default afterwards)."""
    made: list[BrowserContext] = []
    expect.set_options(timeout=UI_TIMEOUT_MS)
    try:
        for _ in range(2):
            made.append(browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai"))
        yield made
    finally:
        for context in made:
            context.close()
        expect.set_options(timeout=PLAYWRIGHT_EXPECT_MS)


def log_in_at(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/ui/")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-button")


def citizen_call(box: Sandbox, number: str, steps: list[Step]) -> tuple[threading.Thread, list[CallResult]]:
    call = CitizenCall(number, steps, port=box.ports.sip, local_port=free_port(),
                       media_port=free_udp_range(4), timeout_s=150)  # fmt: skip
    results: list[CallResult] = []
    thread = threading.Thread(target=lambda: results.append(call.run()), daemon=True, name="sipp-citizen")
    thread.start()
    return thread, results


def test_the_agent_takes_a_call_on_the_desktop_and_the_wallboard_follows(
    rig: Rig, contexts: list[BrowserContext]
) -> None:
    server = rig.server
    # The caller's history: the same matter still open, and a newer, closed ticket about something else.
    earlier = {"category": "consult", "title": "社保卡丢失补办", "caller": {"phone": CALLER},
               "content": "来电人社保卡丢了，咨询怎么补办，住和平区建设路88号。"}  # fmt: skip
    open_number = server.api("agent01", "POST", "/tickets", earlier, ok=201)["number"]
    other = {"category": "consult", "title": "公积金提取材料", "content": "咨询提取住房公积金需要哪些材料。",
             "caller": {"phone": CALLER}}  # fmt: skip
    closed_number = server.api("agent01", "POST", "/tickets", other, ok=201)["number"]
    server.api(
        "agent01", "POST", f"/tickets/{closed_number}/answer_directly", {"knowledge_ref": "KB-GJJ-0001"}
    )

    desk = contexts[0].new_page()
    board = contexts[1].new_page()
    for page in (desk, board):
        page.set_default_timeout(UI_TIMEOUT_MS)
    by = desk.get_by_test_id

    # -- the agent logs in, lands on the desktop, signs in, takes a break ------------------------------
    log_in_at(desk, server.base, "agent01")
    expect(desk).to_have_url(f"{server.base}/ui/agent/index.html")
    expect(by("ws-state")).to_have_attribute("data-state", "open")
    expect(by("my-extension")).to_have_text("1001")
    expect(by("my-skills")).to_have_text("咨询、综合（人工）")
    expect(by("agent-status")).to_have_attribute("data-status", "logged_out")
    by("btn-login").click()
    expect(by("agent-status")).to_have_attribute("data-status", "ready")
    expect(by("agent-status")).to_have_text("就绪")

    by("transfer-target").fill("2001")
    by("btn-transfer").click()  # not on a call: the typed error, in Chinese
    expect(by("transfer-error")).to_contain_text("当前没有通话，无法转接")
    expect(by("transfer-error")).to_contain_text("invalid_input")

    desk.keyboard.press("Alt+2")
    expect(by("agent-status")).to_have_attribute("data-status", "paused")
    expect(by("agent-status")).to_have_text("暂停·小休")

    # -- the supervisor opens the wallboard ---------------------------------------------------------------
    log_in_at(board, server.base, "leader")
    expect(board).to_have_url(f"{server.base}/ui/supervisor/index.html")
    board.get_by_test_id("wallboard-link").click()
    expect(board).to_have_url(f"{server.base}/ui/supervisor/wallboard.html")
    expect(board.get_by_test_id("wb-ws-state")).to_have_attribute("data-state", "open")
    card = board.locator("[data-testid=agent-card][data-extension='1001']")
    expect(card).to_have_attribute("data-state", "paused")
    expect(card.get_by_test_id("agent-state")).to_have_text("小休")
    consult = board.locator("[data-testid=queue-row][data-queue='hotline-consult']")
    expect(consult.locator("[data-col=waiting]")).to_have_text("0")
    expect(consult.locator("[data-col=answered]")).to_have_text("0")
    expect(board.get_by_test_id("total-outbound")).to_have_text("—")  # no outbound dialer in this process

    # -- the citizen calls: 1 (咨询), describes the matter, #, waits in the queue -------------------------
    phone = AgentPhone("agent1001", rig.box.agent_password("1001"), port=free_port(),
                       media_port=free_udp_range(4), server_port=rig.box.ports.sip)  # fmt: skip
    assert phone.register().ok
    phone_folder = Path(tempfile.mkdtemp(prefix="desktop-phone-"))
    answering = phone.answer(phone_folder, Answer(ring_ms=RING_MS, talk_ms=TALK_MS), calls=1, timeout_s=300)
    p, speech = rig.prompts, rig.speech
    steps: list[Step] = [
        Wait(1500), Press("1", 700), Wait(ms(p["describe"]) + 800),
        Speak(speech.alaw, ms(speech.seconds) + 300), Press("#", 700),
        AwaitHangup(120_000),  # the agent's phone hangs up
    ]  # fmt: skip
    thread, results = citizen_call(rig.box, CALLER, steps)
    try:
        expect(consult.locator("[data-col=waiting]")).to_have_text("1", timeout=60_000)
        expect(board.get_by_test_id("total-waiting")).to_have_text("1")
        expect(board.get_by_test_id("total-offered")).to_have_text("1")

        # The recogniser's part, as asr.worker does it (the description is attached before the queue).
        call_id, draft_id = wait_for(lambda: server.recorded_draft(CALLER), 10, "the draft's recording")
        fields = extract_draft(TRANSCRIPT).to_dict()
        with server.sessions.begin() as session:
            DraftService(session).store_result(
                draft_id, transcript=TRANSCRIPT, fields=fields, model="stand-in"
            )

        # -- 就绪 by keyboard: the phone rings, the pop comes with the draft, the phone answers ----------
        desk.keyboard.press("Alt+1")
        expect(by("agent-status")).to_have_attribute("data-status", "ready")
        state = by("call-state")
        expect(state).to_have_attribute("data-phase", re.compile(r"^(offered|connected)$"), timeout=30_000)
        expect(by("draft-source")).to_contain_text(str(draft_id)[:8])
        expect(by("call-number")).to_have_text(CALLER)
        expect(by("call-queue")).to_contain_text("hotline-consult")
        expect(by("f-category")).to_have_value("consult")
        expect(by("conf-category")).to_have_text(f"识别 {percent(fields['category']['confidence'])}")
        expect(by("f-title")).to_have_value("社保卡丢了怎么补办")
        expect(by("f-content")).to_have_value(TRANSCRIPT)
        expect(by("f-location")).to_have_value("和平区建设路88号")
        expect(by("conf-location")).to_have_text(f"识别 {percent(fields['address']['confidence'])}")
        expect(by("f-phone")).to_have_value("+8613900139001")
        expect(by("conf-phone")).to_have_text(f"识别 {percent(fields['phones'][0]['confidence'])}")
        expect(by("recording")).to_have_attribute("src", re.compile(r"^blob:"))
        history = desk.locator("[data-testid=history-item]")
        expect(history).to_have_count(2)
        expect(history.nth(0)).to_have_attribute("data-number", open_number)  # open first
        expect(history.nth(0)).to_have_attribute("data-repeat", "1")
        expect(history.nth(0).get_by_test_id("history-repeat")).to_have_text("疑似重复")
        expect(history.nth(1)).to_have_attribute("data-number", closed_number)
        expect(history.nth(1)).to_have_attribute("data-open", "0")
        expect(desk.locator("[data-testid=kb-item][data-code^='KB-SB-']").first).to_be_visible()

        expect(state).to_have_attribute("data-phase", "connected", timeout=30_000)
        expect(card).to_have_attribute("data-state", "busy")
        expect(consult.locator("[data-col=waiting]")).to_have_text("0")
        expect(consult.locator("[data-col=answered]")).to_have_text("1")

        # -- the agent corrects the draft and registers it (Ctrl+Enter), then 交办 (Alt+J) ----------------
        by("f-category").select_option("help")  # 求助
        by("f-location").fill("和平区建设路88号3单元")
        expect(by("conf-location")).to_have_text("已修改")
        by("f-content").press("Control+Enter")
        number_link = by("ticket-number")
        expect(number_link).to_have_text(re.compile(r"^\d{8}-\d{6}$"))
        number = number_link.inner_text()
        expect(by("ticket-status")).to_have_text("已登记")
        expect(by("f-department")).to_have_value("city.hrss")  # the draft's suggested department
        expect(by("suggested-department")).to_contain_text("市人力资源和社会保障局")
        desk.keyboard.press("Alt+J")
        expect(by("handle-message")).to_contain_text("已交办至 市人力资源和社会保障局")

        ticket = server.api("agent01", "GET", f"/tickets/{number}")
        assert ticket["category"] == "help"
        assert ticket["location"] == "和平区建设路88号3单元"
        assert ticket["title"] == "社保卡丢了怎么补办"
        assert ticket["content"] == TRANSCRIPT
        assert ticket["caller"]["phone"] == "+8613900139001"
        assert ticket["draft_id"] == str(draft_id)
        assert ticket["call_id"] == str(call_id)
        assert ticket["status"] == "dispatched"
        assert [a["department_code"] for a in ticket["assignments"] if a["role"] == "lead"] == ["city.hrss"]
        assert server.api("agent01", "GET", f"/drafts/{draft_id}")["ticket_id"] == ticket["id"]

        # -- the phone hangs up: the pop ends, 后处理, which the agent ends ------------------------------
        expect(state).to_have_attribute("data-phase", "ended", timeout=TALK_MS + 30_000)
        expect(state).to_have_attribute("data-phases", "offered connected ended")
        expect(state).to_contain_text("坐席挂机")
        expect(by("agent-status")).to_have_attribute("data-status", "wrap_up")
        expect(by("wrapup")).to_be_visible()
        expect(card).to_have_attribute("data-state", "wrap_up")
        by("btn-end-wrapup").click()
        expect(by("agent-status")).to_have_attribute("data-status", "ready")
        expect(by("wrapup")).to_be_hidden()

        thread.join(60)
        assert not thread.is_alive(), "the SIPp citizen is still on the line"
        assert results, "SIPp gave no result"
        assert results[0].ok, results[0].stderr
        assert finished(answering, phone_folder, 30).ok
    finally:
        if answering.poll() is None:
            answering.kill()
            answering.wait(10)

    # -- the wallboard: answered, nobody waiting, the wait on the chart; the agent signs out -------------
    expect(consult.locator("[data-col=answered]")).to_have_text("1")
    expect(board.get_by_test_id("total-answered")).to_have_text("1")
    expect(board.get_by_test_id("total-waiting")).to_have_text("0")
    expect(board.get_by_test_id("total-abandoned")).to_have_text("0")
    expect(board.locator("[data-testid=wait-bar]")).to_have_count(1)
    expect(card).to_have_attribute("data-state", "ready")
    by("btn-logout-queues").click()
    expect(by("agent-status")).to_have_attribute("data-status", "logged_out")
    expect(card).to_have_attribute("data-state", "logged_out")


def unreachable_callback(server: Server, phone: str) -> str:
    """A caller who left the queue, called back once without an answer: on the manual list (one attempt)."""
    policy = OutboundPolicy(retry=RetryPolicy(max_attempts=1, spacing=timedelta(minutes=30)))
    with server.sessions.begin() as session:
        call = CallService(session).start(f"chan-{phone}", phone)
        call.queued_at = call.abandoned_at = datetime.now(UTC)
    with server.sessions.begin() as session:
        scheduler = OutboundScheduler(session, load_calendar(session), policy)
        (job,) = scheduler.schedule_missed_calls(datetime.now(UTC) - timedelta(days=1))
        job_id = job.id
    with server.sessions.begin() as session:
        outbound = OutboundService(session)
        attempt = outbound.begin_attempt(job_id).attempt_id
        outbound.end_attempt(attempt, AttemptOutcome.NO_ANSWER, policy, load_calendar(session))
        assert outbound.job(job_id).state == "manual"
    return str(job_id)


def test_without_telephony_the_desktop_shows_the_typed_error_and_registers_by_hand(
    page: Page, offline: Server
) -> None:
    binding = {"username": "agent01", "extension": "1009", "skills": ["general"]}
    offline.api("admin", "POST", "/agents", binding, ok=201)
    log_in_at(page, offline.base, "agent01")
    expect(page).to_have_url(f"{offline.base}/ui/agent/index.html")
    by = page.get_by_test_id
    expect(by("ws-state")).to_have_attribute("data-state", "open")
    expect(by("telephony-state")).to_contain_text("电话系统未连接")
    expect(by("my-extension")).to_have_text("1009")
    by("btn-login").click()
    expect(by("presence-error")).to_contain_text("电话系统暂时不可用")
    expect(by("presence-error")).to_contain_text("telephony_unavailable")
    expect(by("agent-status")).to_have_attribute("data-status", "logged_out")

    page.keyboard.press("Alt+N")  # 新建空白登记: a matter not from a call (e.g. a letter)
    expect(by("call-state")).to_have_attribute("data-phase", "manual")
    by("f-content").press("Control+Enter")  # nothing filled in: the page says what is missing
    expect(by("form-error")).to_contain_text("请填写类别、标题、诉求内容")
    by("f-category").select_option(label="建议")
    by("f-title").fill("建议增设公交站")
    by("f-content").fill("建议在和平街道增设一个公交站。")
    by("f-phone").fill("13700137000")
    by("f-content").press("Control+Enter")
    number = by("ticket-number")
    expect(number).to_have_text(re.compile(r"^\d{8}-\d{6}$"))
    ticket = offline.api("agent01", "GET", f"/tickets/{number.inner_text()}")
    assert (ticket["category"], ticket["title"], ticket["draft_id"]) == ("suggestion", "建议增设公交站", None)
    assert ticket["caller"]["phone"] == "+8613700137000"

    # -- 待人工回访/回拨: a missed-call callback nobody answered is left to a person -----------------------
    job_id = unreachable_callback(offline, "13600136000")
    page.reload()
    item = page.locator(f"[data-testid=callback-item][data-job='{job_id}']")
    expect(item).to_contain_text("漏接回拨 +8613600136000")
    expect(item).to_contain_text("已拨 1 次（no_answer）")
    expect(by("callbacks-count")).to_have_text("（1）")
    item.get_by_test_id("callback-done").click()  # no result written: the page asks for it
    expect(by("callbacks-error")).to_have_text("请填写处理结果")
    item.get_by_test_id("callback-reason").fill("已人工回拨，市民已另行办理")
    item.get_by_test_id("callback-done").click()
    expect(page.locator("[data-testid=callback-item]")).to_have_count(0)
    done = offline.api("agent01", "GET", f"/outbound/jobs/{job_id}")
    assert done["state"] == "done"
    assert "已人工回拨，市民已另行办理" in (done["note"] or "")

    page.evaluate("sessionStorage.clear()")
    log_in_at(page, offline.base, "leader")
    expect(page).to_have_url(f"{offline.base}/ui/supervisor/index.html")
    page.get_by_test_id("wallboard-link").click()
    expect(page.get_by_test_id("wb-error")).to_contain_text("本进程未接入电话系统")
    expect(page.get_by_test_id("wb-error")).to_contain_text("telephony_unavailable")
