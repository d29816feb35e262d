"""Ticket drafts and their speech recognition state. A draft is never lost: a failed recognition keeps
the recording and says why (``asr_status = failed``), and can be retried."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.vocabulary import AsrStatus, DraftStatus
from ticketing.clock import Clock, utcnow
from ticketing.errors import Conflict, InvalidInput, NotFound

MAX_ERROR_LENGTH = 2000


class UnknownDraft(InvalidInput):
    """A ticket names a draft that does not exist."""

    error_id = "unknown_draft"


class DraftTaken(Conflict):
    """The draft became a ticket already (or was discarded): one draft, one ticket."""

    error_id = "draft_taken"


class EmergencyUnhandled(Conflict):
    """The draft says the caller described an emergency (110/119/120/122): the agent must say what was
    done about it (transferred, or not an emergency) before the matter becomes an ordinary ticket."""

    error_id = "emergency_unhandled"


class DraftService:
    """Claim drafts for recognition, store results and failures, reset for retry."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def get(self, draft_id: uuid.UUID) -> TicketDraft:
        """A draft by id."""
        draft = self._session.get(TicketDraft, draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id} does not exist", draft=str(draft_id))
        return draft

    def claim_pending(
        self, limit: int = 4, *, stale_after: timedelta = timedelta(minutes=10)
    ) -> list[TicketDraft]:
        """Mark up to ``limit`` drafts waiting for recognition as ``running`` and return them.

        A draft left ``running`` longer than ``stale_after`` (its worker died) is claimed again. The
        claim is a conditional UPDATE, so two workers never take the same draft.
        """
        now = self._now()
        candidates = self._session.scalars(
            select(TicketDraft.id)
            .where(
                or_(
                    TicketDraft.asr_status == AsrStatus.PENDING.value,
                    (TicketDraft.asr_status == AsrStatus.RUNNING.value)
                    & (TicketDraft.asr_started_at < now - stale_after),
                ),
                TicketDraft.recording_path.is_not(None),
            )
            .order_by(TicketDraft.created_at)
            .limit(limit)
        ).all()
        claimed: list[TicketDraft] = []
        for draft_id in candidates:
            result = self._session.execute(
                update(TicketDraft)
                .where(
                    TicketDraft.id == draft_id,
                    or_(
                        TicketDraft.asr_status == AsrStatus.PENDING.value,
                        TicketDraft.asr_started_at < now - stale_after,
                    ),
                )
                .values(
                    asr_status=AsrStatus.RUNNING.value,
                    asr_started_at=now,
                    asr_attempts=TicketDraft.asr_attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                draft = self._session.get(TicketDraft, draft_id, populate_existing=True)
                if draft is not None:
                    claimed.append(draft)
        self._session.flush()
        return claimed

    def store_result(
        self, draft_id: uuid.UUID, *, transcript: str, fields: dict[str, Any], model: str
    ) -> TicketDraft:
        """Recognition succeeded: keep the transcript and the extracted fields (with confidences)."""
        draft = self.get(draft_id)
        draft.transcript = transcript
        draft.fields = fields
        draft.asr_model = model
        draft.asr_status = AsrStatus.DONE.value
        draft.asr_error = None
        category = (
            (fields.get("category") or {}).get("code") if isinstance(fields.get("category"), dict) else None
        )
        if draft.category is None and isinstance(category, str):
            draft.category = (
                category  # the menu's choice wins; speech fills it only when the caller chose 人工
            )
        draft.updated_at = self._now()
        self._session.flush()
        return draft

    def store_failure(self, draft_id: uuid.UUID, error: str) -> TicketDraft:
        """Recognition failed: the draft and its recording stay, with the reason visible."""
        draft = self.get(draft_id)
        draft.asr_status = AsrStatus.FAILED.value
        draft.asr_error = error[:MAX_ERROR_LENGTH]
        draft.updated_at = self._now()
        self._session.flush()
        return draft

    def reset_for_retry(self, draft_ids: Sequence[uuid.UUID] | None = None) -> int:
        """Put failed drafts (or the given ones) back to ``pending``; returns how many."""
        stmt = select(TicketDraft).where(TicketDraft.recording_path.is_not(None))
        if draft_ids:
            stmt = stmt.where(TicketDraft.id.in_(list(draft_ids)))
        else:
            stmt = stmt.where(TicketDraft.asr_status == AsrStatus.FAILED.value)
        count = 0
        for draft in self._session.scalars(stmt):
            if draft.asr_status == AsrStatus.RUNNING.value:
                raise Conflict(f"draft {draft.id} is being recognised right now", draft=str(draft.id))
            draft.asr_status = AsrStatus.PENDING.value
            draft.asr_error = None
            draft.updated_at = self._now()
            count += 1
        self._session.flush()
        return count

    def register(self, draft_id: uuid.UUID, ticket_id: uuid.UUID) -> TicketDraft:
        """The draft became ticket ``ticket_id``: linked both ways, status ``registered``; a draft that is
        not open any more answers :class:`DraftTaken` (409). Raises :class:`UnknownDraft` (422)."""
        draft = self._session.get(TicketDraft, draft_id, with_for_update=True)
        if draft is None:
            raise UnknownDraft(f"draft {draft_id} does not exist", draft_id=str(draft_id))
        if draft.status != DraftStatus.OPEN.value:
            raise DraftTaken(
                f"draft {draft_id} is {draft.status}", draft_id=str(draft_id),
                ticket_id=str(draft.ticket_id) if draft.ticket_id else None,
            )  # fmt: skip
        draft.status = DraftStatus.REGISTERED.value
        draft.ticket_id = ticket_id
        draft.updated_at = self._now()
        self._session.flush()
        return draft

    def store_live_transcript(self, call_id: uuid.UUID, text: str, segments: list[dict[str, Any]]) -> None:
        """The whole-call transcript from the live stream, stored on the call."""
        call = self._session.get(Call, call_id)
        if call is None:
            raise NotFound(f"call {call_id} does not exist", call=str(call_id))
        call.live_transcript = text
        call.live_segments = segments
        self._session.flush()
