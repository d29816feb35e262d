"""The last scene of ``hotline demo``: the automated 回访. Once the demo ticket is 办结, the outbound
dialer of the same hotline process calls the citizen back over AMI; a SIPp phone on the citizens' side of
the trunk answers and, as the survey asks, presses 1 (问题已解决), 1 (满意) and # (no comment). The survey
app stores the answers, the ticket is 归档 (archived), and the demo prints the call and the answers."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import click

from ivr.prompts import SOUNDS_SUBDIR, wav_info
from sandbox import Sandbox
from sandbox.ports import free_udp_range
from sandbox.runtime import sounds_dir
from sandbox.sipp.phone import CitizenLine, finished, invites_received
from sandbox.sipp.scenario import Answer, Press, Wait

SURVEY_WAIT_S = 120.0


class DemoApi(Protocol):
    """The demo's HTTP client (``hotline.demo_call.Api``)."""

    def call(self, user: str, method: str, path: str, body: Any = None, ok: int = 200) -> Any: ...


def outbound_settings(box: Sandbox) -> dict[str, Any]:
    """What the demo's hotline process needs to call back at once, whatever the hour and the day."""
    return {
        "outbound": True,
        "outbound_windows": "00:00-24:00",
        "outbound_workdays_only": False,
        "survey_delay_workdays": 0,
        "outbound_schedule_seconds": 1.0,
        "outbound_ring_seconds": 20,
        "survey_app": box.config.survey_app,
    }


def answer_survey(box: Sandbox, folder: Path, category: str) -> subprocess.Popen[str]:
    """A SIPp phone on the citizens' trunk that answers one call and answers the survey about one matter
    of ``category`` registered today: 1 (solved), 1 (satisfied), # (no comment)."""
    sounds = sounds_dir(box.root, SOUNDS_SUBDIR)

    def ms(*prompts: str) -> int:
        return int(1000 * sum(wav_info(sounds / f"{p}.wav").seconds for p in prompts)) + 1000

    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    matter = ("survey_matter_on", f"month_{today.month}", f"day_{today.day}", f"survey_matter_{category}")
    steps = (
        Wait(ms("survey_greeting", *matter, "survey_q_solved")), Press("1"),  # 已解决
        Wait(ms("survey_q_satisfaction")), Press("1"),  # 满意
        Wait(1500), Press("#"),  # no comment
    )  # fmt: skip
    line = CitizenLine(port=box.ports.trunk, media_port=free_udp_range(4))
    return line.answer(folder, Answer(ring_ms=1500, talk_ms=None, steps=steps), calls=1)


def report_survey(http: DemoApi, number: str, answering: subprocess.Popen[str], folder: Path) -> None:
    """Wait (bounded) until the 回访 moved the ticket on, then print the call, the answers and the status."""
    click.echo(
        "\n» 12. The automated 回访: the dialer calls the citizen back; they press 1 (已解决), 1 (满意)"
    )
    deadline = time.monotonic() + SURVEY_WAIT_S
    while True:
        ticket = http.call("agent01", "GET", f"/tickets/{number}")
        if ticket["status"] != "completed":
            break
        if answering.poll() is not None and answering.returncode != 0:
            raise click.ClickException(f"the citizen's phone (SIPp) failed: rc {answering.returncode}")
        if time.monotonic() > deadline:
            raise click.ClickException(f"no 回访 result for {number} within {SURVEY_WAIT_S:.0f} s")
        time.sleep(0.5)
    result = finished(answering, folder, 30)
    jobs = http.call("agent01", "GET", f"/tickets/{number}/callbacks")
    for job in jobs:
        for dial in job["dials"]:
            click.echo(
                f"   attempt {dial['number']}  {dial['outcome']}  answered {dial['answered_at']}  "
                f"(the phone got {invites_received(folder)} INVITE, SIPp rc {result.returncode})"
            )
        for answer in job["answers"]:
            solved = {True: "已解决", False: "未解决", None: "—"}[answer["solved"]]
            complete = "complete" if answer["complete"] else "partial"
            click.echo(f"   answers  问题{solved}, 满意度 {answer['satisfaction']} ({complete})")
    click.echo(f"   {number}  {ticket['status']:<12} {ticket['status_label']}")
