"""The recorded path into the draft (docs/architecture.md §2 step 5): pending drafts → transcript → fields.

:class:`DraftRecognizer` polls :class:`~ticketing.calls.drafts.DraftService` for drafts waiting for
recognition, transcribes each recording on the engine's thread pool, extracts the draft fields
(:func:`asr.drafting.extract_draft`) and stores transcript, fields (with confidences) and model name.
Anything that goes wrong with one draft — the model is not installed, the audio file is missing or
corrupt, the recognizer or the extraction crashes — is stored as a failure with a reason that says
what to do (``hotline asr retry`` once fixed); the draft and its recording are never touched otherwise.

Database work happens in short transactions in a worker thread (the ORM is synchronous); the asyncio
part is only the loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asr.drafting import DraftingConfig, extract_draft
from asr.engine import AsrEngine, Transcript
from asr.errors import AsrError, AudioError, ModelMissing
from asr.transcribe import transcribe_file
from ticketing.calls.drafts import DraftService
from ticketing.calls.models import Call

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 2.0
CLAIM_BATCH = 4


@dataclass(frozen=True)
class Job:
    """A claimed draft: what the worker needs outside the transaction."""

    draft_id: uuid.UUID
    recording_path: str
    menu_skill: str | None = None  # the caller's menu branch: a prior for the category


@dataclass(frozen=True)
class Outcome:
    """What happened to one draft."""

    draft_id: uuid.UUID
    ok: bool
    detail: str  # the transcript (ok) or the failure reason
    rtf: float = 0.0
    audio_s: float = 0.0


def _menu_skill(session: Session, call_id: uuid.UUID | None) -> str | None:
    call = session.get(Call, call_id) if call_id is not None else None
    return None if call is None else call.skill


def failure_reason(exc: BaseException, path: str) -> str:
    """A reason for ``asr_error`` that names the cause and the fix."""
    retry = "then `hotline asr retry`"
    if isinstance(exc, ModelMissing):
        return f"{exc.error_id}: {exc.message}; {retry}"
    if isinstance(exc, AsrError):
        return f"{exc.error_id}: {exc.message}; the recording stays at {path}; {retry} once fixed"
    return (
        f"asr_crash: {type(exc).__name__}: {exc}; the recording stays at {path}; see the server log, {retry}"
    )


class DraftRecognizer:
    """Fills pending drafts from their recordings: until cancelled (:meth:`run`) or one round at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        engine: AsrEngine,
        model: str,
        *,
        poll_interval: float = DEFAULT_POLL_S,
        batch: int = CLAIM_BATCH,
        drafting: DraftingConfig | None = None,
        extract: Callable[[str], Any] | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self.model = model
        self.poll_interval = poll_interval
        self._batch = batch
        self._drafting = drafting
        self._extract = extract
        self.done = 0
        self.failed = 0

    async def run(self) -> None:
        """Poll and recognise until cancelled; an unexpected error in one round is logged, not fatal."""
        log.info("draft recognition running with model %s (every %.1f s)", self.model, self.poll_interval)
        while True:
            try:
                outcomes = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("draft recognition round failed; trying again in %.1f s", self.poll_interval)
                outcomes = []
            if not outcomes:  # nothing waited: sleep; otherwise look again at once
                await asyncio.sleep(self.poll_interval)

    async def run_once(self) -> list[Outcome]:
        """Claim one batch of pending drafts and recognise them; returns what happened to each."""
        jobs = await asyncio.to_thread(self._claim)
        outcomes = [await self._process(job) for job in jobs]
        return outcomes

    async def drain(self, limit: int = 1000) -> list[Outcome]:
        """Recognise pending drafts until none is left (at most ``limit``), e.g. ``asr retry --now``."""
        outcomes: list[Outcome] = []
        while len(outcomes) < limit:
            batch = await self.run_once()
            if not batch:
                break
            outcomes += batch
        return outcomes

    # -- one draft ----------------------------------------------------------------------------------------

    async def _process(self, job: Job) -> Outcome:
        try:
            transcript, fields = await asyncio.to_thread(self._recognise, job.recording_path, job.menu_skill)
        except Exception as exc:
            reason = failure_reason(exc, job.recording_path)
            if isinstance(exc, AsrError):
                log.warning("draft %s: recognition failed: %s", job.draft_id, reason)
            else:
                log.exception("draft %s: recognition crashed", job.draft_id)
            await asyncio.to_thread(self._store_failure, job.draft_id, reason)
            self.failed += 1
            return Outcome(job.draft_id, False, reason)
        await asyncio.to_thread(self._store_result, job.draft_id, transcript, fields)
        self.done += 1
        log.info(
            "draft %s: %.1f s of audio recognised (rtf %.2f, %d chars)",
            job.draft_id,
            transcript.duration,
            transcript.rtf,
            len(transcript.text),
        )
        return Outcome(job.draft_id, True, transcript.text, transcript.rtf, transcript.duration)

    def _recognise(self, path: str, menu_skill: str | None = None) -> tuple[Transcript, dict[str, Any]]:
        """Blocking (run in a thread): decode, recognise on the engine's pool, extract the fields."""
        if not path:
            raise AudioError("the draft has no recording path")
        transcript = transcribe_file(self._engine, path, self.model)
        extract = self._extract or (lambda text: extract_draft(text, self._drafting, menu_skill=menu_skill))
        fields: dict[str, Any] = extract(transcript.text).to_dict()
        return transcript, fields

    # -- short transactions (in a thread) -----------------------------------------------------------------

    def _claim(self) -> list[Job]:
        with self._sessions.begin() as session:
            drafts = DraftService(session).claim_pending(self._batch)
            skills = {d.id: _menu_skill(session, d.call_id) for d in drafts}
            return [Job(d.id, d.recording_path or "", skills[d.id]) for d in drafts]

    def _store_result(self, draft_id: uuid.UUID, transcript: Transcript, fields: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            DraftService(session).store_result(
                draft_id, transcript=transcript.text, fields=fields, model=self.model
            )

    def _store_failure(self, draft_id: uuid.UUID, reason: str) -> None:
        with self._sessions.begin() as session:
            DraftService(session).store_failure(draft_id, reason)
