"""Calls and drafts as the IVR records them, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from ticketing.calls.service import CallService
from ticketing.calls.vocabulary import AsrStatus, CallEndReason, Skill
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    upgrade(db_url)
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        yield session
    engine.dispose()


def test_a_call_gets_a_draft_that_follows_the_menu_and_the_recording(session: Session) -> None:
    calls = CallService(session)
    call = calls.start("1732867200.42", "13800138000", "12345")
    assert call.caller_phone == "+8613800138000"
    assert calls.start("1732867200.42", "13800138000") is call  # idempotent on the channel
    calls.note(call.id, "menu:3")
    calls.choose(call.id, Skill.COMPLAINT_REPORT)
    assert call.draft_id is not None
    draft = calls.attach_recording(call.id, "/var/spool/asterisk/recording/x.wav", 8400)
    assert (draft.category, draft.asr_status, draft.recording_ms) == ("complaint", AsrStatus.PENDING, 8400)
    calls.queued(call.id, "hotline-complaint-report")
    assert calls.open_calls() == [call]
    calls.end(call.id, CallEndReason.QUEUED)
    calls.end(call.id, CallEndReason.CALLER_HUNG_UP)  # a late hang-up does not rewrite history
    assert (call.end_reason, call.menu_path, call.queue) == ("queued", ["menu:3"], "hotline-complaint-report")
    assert calls.open_calls() == []


def test_anonymous_caller_keeps_raw_number_and_general_skill_has_no_category(session: Session) -> None:
    calls = CallService(session)
    call = calls.start("c-2", "anonymous")
    assert (call.caller_number, call.caller_phone) == ("anonymous", None)
    calls.choose(call.id, Skill.GENERAL)
    assert call.draft_id is not None
    assert calls.draft(call.draft_id).category is None


def test_draft_recognition_is_claimed_once_stored_failed_and_retried(session: Session) -> None:
    from ticketing.calls.drafts import DraftService

    calls = CallService(session)
    call = calls.start("c-asr", "13800138000")
    calls.choose(call.id, Skill.GENERAL)
    draft = calls.attach_recording(call.id, "/tmp/x.wav16", 3000)
    drafts = DraftService(session)
    assert [d.id for d in drafts.claim_pending()] == [draft.id]
    assert drafts.claim_pending() == []  # running: nobody else takes it
    assert (draft.asr_status, draft.asr_attempts) == ("running", 1)
    drafts.store_failure(draft.id, "model missing: hotline asr models install vosk-model-cn-0.22")
    assert (draft.asr_status, draft.recording_path) == ("failed", "/tmp/x.wav16")  # nothing lost
    assert drafts.reset_for_retry() == 1
    assert [d.id for d in drafts.claim_pending()] == [draft.id]
    drafts.store_result(
        draft.id, transcript="我要投诉", fields={"category": {"code": "complaint"}}, model="ko"
    )
    assert (draft.asr_status, draft.category, draft.asr_attempts) == ("done", "complaint", 2)
