"""The telephony half of ``hotline demo``: a real Asterisk sandbox and the whole hotline process (web app,
IVR, agent bridge in one loop), one SIPp citizen who presses 3 (投诉/举报) and describes the matter in
(synthesised) Mandarin, and a SIPp agent phone (agent1001) that answers; the agent's desktop socket gets
the screen pop with the draft, and the draft becomes a ticket through the API, dispatched, answered by
the department and closed; then the dialer calls the citizen back for the 回访
(:mod:`hotline.demo_survey`)."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import click
import httpx
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from websockets.sync.client import connect

from hotline.demo_survey import answer_survey, outbound_settings, report_survey
from hotline.process import ProcessThread
from hotline.settings import Settings
from ivr.prompts import SOUNDS_SUBDIR, build_prompts
from sandbox import Ports, Sandbox
from sandbox.ports import free_port, free_udp_range
from sandbox.runtime import sounds_dir
from sandbox.sipp.citizen import CitizenCall, Press, Speak, Step, Wait
from sandbox.sipp.phone import AgentPhone, finished
from sandbox.sipp.scenario import Answer
from sandbox.sipp.speech import synthesise
from ticketing.calls.models import Call, TicketDraft

DEMO_INSTANCE = "/etc/asterisk/hotline-demo"
DEMO_PORTS = Ports(sip=15160, ami=15138, http=18188, rtp_start=14000, rtp_end=14199, trunk=15170)
DEMO_CALLER = "13900139000"
DEMO_WORDS = "我要投诉，幸福小区旁边的工地每天晚上十一点以后还在施工，噪音很大，希望尽快处理。"
AGENT, AGENT_EXTENSION = "agent01", "1001"


class Desktop:
    """The agent's desktop socket, read in a thread."""

    def __init__(self, base: str, token: str) -> None:
        self.ws = connect(base.replace("http://", "ws://") + f"/api/v1/agents/me/events?token={token}")
        self.messages: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                self.messages.append({**json.loads(raw), "received": time.time()})
        except Exception:  # the socket closed
            return

    def wait(self, kind: str, seconds: float) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["type"] == kind:
                    return message
            time.sleep(0.1)
        raise click.ClickException(f"the agent's desktop got no {kind} within {seconds:.0f} s")


def run_demo_call(settings: Settings, sessions: sessionmaker[Session], password: str) -> None:
    """Sandbox up → the hotline process → agent01 logs in at phone 1001 → one citizen call, answered →
    the pop → the draft registered as a ticket → 交办, 签收, 回复, 办结 → everything down."""
    box = Sandbox(config_dir=DEMO_INSTANCE, ports=DEMO_PORTS, log=lambda m: click.echo(f"   {m}"))
    box.up()
    process: ProcessThread | None = None
    try:
        report = build_prompts(sounds_dir(box.root, SOUNDS_SUBDIR))
        click.echo(f"   prompts: {len(report.synthesised)} rendered, {len(report.skipped)} cached")
        ari_user, ari_password = box.ari_credentials
        ami_user, ami_secret = box.ami_credentials
        telephony = settings.model_copy(
            update={
                "ari_url": box.ari_url,
                "ari_username": ari_user,
                "ari_password": SecretStr(ari_password),  # model_copy does not validate
                "ari_app": box.config.ari_app,
                "recordings_dir": box.host_path("/var/spool/asterisk/recording"),
                "ami_host": "127.0.0.1",
                "ami_port": box.ports.ami,
                "ami_username": ami_user,
                "ami_secret": SecretStr(ami_secret),
                **outbound_settings(box),
            }
        )
        process = ProcessThread(telephony, port=free_port())
        process.start(timeout=60)
        base = process.base_url
        click.echo(f"   the hotline process on {base}: web app, IVR and agent bridge connected")
        http = Api(base, password)
        http.call("admin", "POST", "/agents", {"username": AGENT, "extension": AGENT_EXTENSION,
                  "skills": ["complaint_report", "general"], "wrapup_seconds": 5}, ok=201)  # fmt: skip
        desktop = Desktop(base, http.token(AGENT))
        presence = http.call(AGENT, "POST", "/agents/me/login")
        click.echo(f"   {AGENT} logs in at phone {AGENT_EXTENSION}: {presence['status']} in its skill queues")
        phone = AgentPhone(f"agent{AGENT_EXTENSION}", box.agent_password(AGENT_EXTENSION), port=free_port(),
                           media_port=free_udp_range(4), server_port=box.ports.sip)  # fmt: skip
        if not phone.register().ok:
            raise click.ClickException("the SIPp agent phone could not register")
        with tempfile.TemporaryDirectory(prefix="hotline-demo-") as tmp:
            folder = Path(tmp)
            answering = phone.answer(folder, Answer(ring_ms=2000, talk_ms=None), calls=1, timeout_s=120)
            speech, seconds = _speech(folder)
            click.echo(f"   citizen {DEMO_CALLER} dials 12345, presses 3 and speaks {seconds:.1f} s")
            steps: list[Step] = [
                Wait(1500),  # the welcome starts; a key press interrupts it
                Press("3"),  # 投诉/举报
                Wait(7500),  # "describe your matter after the tone"
                Speak(speech, int(seconds * 1000) + 500),
                Press("#"),  # done describing
                Wait(12000),  # "thank you, transferring" → queue → the agent's phone rings and answers
            ]
            result = CitizenCall(DEMO_CALLER, steps, port=box.ports.sip, local_port=free_port(),
                                 media_port=free_udp_range(4), timeout_s=120).run()  # fmt: skip
            finished(answering, folder, 30)
        click.echo(f"   SIPp citizen finished with exit code {result.returncode}")
        _print_call(sessions)
        offered = desktop.wait("pop.offered", 10)
        connected = desktop.wait("pop.connected", 10)
        _print_pop(offered, connected)
        number = _ticket_from_draft(http, offered)
        desktop.ws.close()
        http.call(AGENT, "POST", "/agents/me/logout")
        with tempfile.TemporaryDirectory(prefix="hotline-demo-survey-") as tmp:
            answering = answer_survey(box, Path(tmp), "complaint")
            try:
                ticket = http.call(AGENT, "POST", f"/tickets/{number}/close", {})
                click.echo(f"   {number}  {ticket['status']:<12} {ticket['status_label']}")
                report_survey(http, number, answering, Path(tmp))
            finally:
                if answering.poll() is None:
                    answering.kill()
    finally:
        if process is not None:
            process.stop()
        box.down()


class Api:
    """The demo's HTTP client: one token per user."""

    def __init__(self, base: str, password: str) -> None:
        self.base, self.password = base, password
        self._tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self._tokens:
            body = {"username": user, "password": self.password}
            response = httpx.post(f"{self.base}/api/v1/auth/token", json=body, trust_env=False)
            response.raise_for_status()
            self._tokens[user] = str(response.json()["access_token"])
        return self._tokens[user]

    def call(self, user: str, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        response = httpx.request(method, f"{self.base}/api/v1{path}", json=body, timeout=15, trust_env=False,
                                 headers={"Authorization": f"Bearer {self.token(user)}"})  # fmt: skip
        if response.status_code != ok:
            raise click.ClickException(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()


def _ticket_from_draft(http: Api, offered: dict[str, Any]) -> str:
    draft = offered["draft"]
    transcript = draft.get("transcript") or ""
    click.echo("\n» 10. The agent corrects the draft and submits it: the draft becomes a ticket (登记)")
    ticket = http.call(AGENT, "POST", "/tickets", {
        "draft_id": draft["id"], "category": "投诉", "title": "工地夜间施工噪音扰民",
        "content": transcript or "来电人投诉幸福小区旁工地每晚十一点后仍在施工，噪音扰民（详见录音）。",
        "location": "幸福小区旁工地", "caller": {"phone": DEMO_CALLER},
    }, ok=201)  # fmt: skip
    number = ticket["number"]
    click.echo(f"   {number}  {ticket['status']:<12} from draft {draft['id']} (call {ticket['call_id']})")
    click.echo("\n» 11. 交办 to 市住房和城乡建设局; 签收 and 回复 by the unit; 办结 by the hotline")
    for user, action, body in (
        (AGENT, "dispatch", {"lead_department": "city.housing"}),
        ("housing01", "accept", {}),
        ("housing01", "reply", {"reason": "已约谈施工单位，夜间22点后停止施工，执法队每晚巡查。"}),
    ):
        ticket = http.call(user, "POST", f"/tickets/{number}/{action}", body)
        click.echo(f"   {number}  {ticket['status']:<12} {ticket['status_label']}")
    return str(number)


def _speech(folder: Path) -> tuple[Path, float]:
    """The citizen's words as an 8 kHz A-law WAV (espeak-ng Mandarin + sox)."""
    try:
        speech = synthesise(folder, DEMO_WORDS)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    return speech.alaw, speech.seconds


def _print_call(sessions: sessionmaker[Session]) -> None:
    deadline = time.monotonic() + 10
    while True:  # the bridge records the end of the conversation a moment after the hang-up
        with sessions() as session:
            call = session.scalars(select(Call).order_by(Call.started_at.desc())).first()
            draft = session.get(TicketDraft, call.draft_id) if call and call.draft_id else None
        if call is not None and (call.completed_at is not None or time.monotonic() > deadline):
            break
        time.sleep(0.2)
    click.echo(
        f"   call   {call.channel_id}  caller {call.caller_phone}  skill {call.skill}  queue {call.queue}  "
        f"ended: {call.end_reason}\n          menu path {' → '.join(call.menu_path)}\n"
        f"          answered by {call.agent_interface} after {call.hold_seconds} s in the queue, "
        f"talked {call.talk_seconds} s, hung up by {call.hangup_by}"
    )
    if draft is not None:
        click.echo(
            f"   draft  {draft.id}  category {draft.category}  recording {draft.recording_ms} ms  "
            f"asr {draft.asr_status}\n          {draft.recording_path}"
        )


def _print_pop(offered: dict[str, Any], connected: dict[str, Any]) -> None:
    draft = offered.get("draft") or {}
    latency_ms = (connected["received"] - connected["asterisk_at"]) * 1000
    click.echo(
        "\n» 9. The screen pop on agent01's desktop (WebSocket), while the phone rang and when it answered"
    )
    click.echo(
        f"   pop.offered    call {offered['call_key']}  queue {offered['queue']}  "
        f"caller {offered['caller_number']}\n"
        f"                  draft {draft.get('id')}  category {draft.get('category')}  "
        f"recording {'yes' if draft.get('has_recording') else 'no'}  asr {draft.get('asr_status')}\n"
        f"                  caller history: {len(offered.get('history') or [])} earlier tickets; "
        f"knowledge answers: {len(offered.get('knowledge') or [])}\n"
        f"   pop.connected  {latency_ms:.0f} ms after Asterisk's AgentConnect"
    )
