"""The telephony half of ``hotline demo``: a real Asterisk sandbox, the IVR, and one SIPp citizen who
presses 3 (投诉/举报) and describes the matter in (synthesised) Mandarin."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.ivr_runtime import AriTarget, IvrThread
from ivr.app import IvrConfig
from ivr.flows.menu import MenuConfig
from ivr.prompts import build_prompts
from sandbox import Ports, Sandbox
from sandbox.sipp.citizen import CitizenCall, Press, Speak, Step, Wait
from ticketing.calls.models import Call, TicketDraft

DEMO_INSTANCE = "/etc/asterisk/hotline-demo"
DEMO_PORTS = Ports(sip=15160, ami=15138, http=18188, rtp_start=14000, rtp_end=14199, trunk=15170)
DEMO_CALLER = "13900139000"
DEMO_WORDS = "我要投诉，幸福小区旁边的工地每天晚上十一点以后还在施工，噪音很大，希望尽快处理。"


def run_demo_call(sessions: sessionmaker[Session]) -> None:
    """Sandbox up → prompts → IVR → one SIPp call → print the call and its draft → everything down."""
    box = Sandbox(config_dir=DEMO_INSTANCE, ports=DEMO_PORTS, log=lambda m: click.echo(f"   {m}"))
    box.up()
    try:
        sounds = box.host_path("/usr/share/asterisk/sounds/hotline")
        report = build_prompts(sounds)
        click.echo(f"   prompts: {len(report.synthesised)} rendered, {len(report.skipped)} cached")
        user, password = box.ari_credentials
        target = AriTarget(
            url=box.ari_url,
            username=user,
            password=password,
            app=box.config.ari_app,
            recordings_dir=box.host_path("/var/spool/asterisk/recording"),
        )
        ivr = IvrThread(target, sessions, IvrConfig(MenuConfig(), recordings_dir=target.recordings_dir))
        ivr.start()
        try:
            with tempfile.TemporaryDirectory(prefix="hotline-demo-") as tmp:
                speech, seconds = _speech(Path(tmp))
                click.echo(f"   citizen {DEMO_CALLER} dials 12345, presses 3 and speaks {seconds:.1f} s")
                steps: list[Step] = [
                    Wait(1500),  # the welcome starts; a key press interrupts it
                    Press("3"),  # 投诉/举报
                    Wait(7500),  # "describe your matter after the tone"
                    Speak(speech, int(seconds * 1000) + 500),
                    Press("#"),  # done describing
                    Wait(10000),  # "thank you, transferring" → in the queue, waiting for an agent
                ]
                result = CitizenCall(
                    DEMO_CALLER, steps, port=DEMO_PORTS.sip, local_port=15180, media_port=15190
                ).run()
            click.echo(f"   SIPp finished with exit code {result.returncode}")
        finally:
            ivr.stop()
        _print_call(sessions)
    finally:
        box.down()


def _speech(folder: Path) -> tuple[Path, float]:
    """The citizen's words as an 8 kHz A-law WAV (espeak-ng Mandarin + sox)."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise click.ClickException(
            "espeak-ng and sox are needed for the demo call (apt-get install espeak-ng sox)"
        )
    raw, alaw = folder / "speech.wav", folder / "speech-alaw.wav"
    subprocess.run([espeak, "-v", "cmn-latn-pinyin", "-w", str(raw), DEMO_WORDS], check=True)
    subprocess.run([sox, str(raw), "-r", "8000", "-c", "1", "-e", "a-law", str(alaw)], check=True)
    seconds = float(
        subprocess.run(["soxi", "-D", str(alaw)], capture_output=True, text=True, check=True).stdout
    )
    return alaw, seconds


def _print_call(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        call = session.scalars(select(Call).order_by(Call.started_at.desc())).first()
        if call is None:
            raise click.ClickException("the demo call left no call record")
        draft = session.get(TicketDraft, call.draft_id) if call.draft_id else None
    click.echo(
        f"   call   {call.channel_id}  caller {call.caller_phone}  skill {call.skill}  queue {call.queue}  "
        f"ended: {call.end_reason}\n          menu path {' → '.join(call.menu_path)}"
    )
    if draft is not None:
        click.echo(
            f"   draft  {draft.id}  category {draft.category}  recording {draft.recording_ms} ms  "
            f"asr {draft.asr_status}\n          {draft.recording_path}"
        )
