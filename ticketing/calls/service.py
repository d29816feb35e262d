"""Calls and their drafts, as the IVR reports them. Every method is idempotent where the IVR may
repeat itself (a reconnect and resync replays what it knows)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.vocabulary import AsrStatus, CallEndReason, DraftStatus, Skill
from ticketing.clock import Clock, utcnow
from ticketing.errors import InvalidInput, NotFound
from ticketing.phone import normalise_phone

MAX_MENU_PATH = 50


class CallService:
    """Create, advance and close call records and their drafts."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def start(self, channel_id: str, caller_number: str | None, called_number: str | None = None) -> Call:
        """The call for ``channel_id`` with its draft, created on first sight (idempotent)."""
        existing = self._session.scalar(select(Call).where(Call.channel_id == channel_id))
        if existing is not None:
            return existing
        now = self._now()
        phone = _phone_or_none(caller_number)
        call = Call(
            id=uuid.uuid4(),
            channel_id=channel_id,
            caller_number=(caller_number or None) and caller_number[:40],
            caller_phone=phone,
            called_number=called_number,
            started_at=now,
            menu_path=[],
        )
        draft = TicketDraft(
            id=uuid.uuid4(),
            call_id=call.id,
            status=DraftStatus.OPEN.value,
            caller_phone=phone,
            asr_status=AsrStatus.NONE.value,
            fields={},
            created_at=now,
            updated_at=now,
        )
        call.draft_id = draft.id
        self._session.add(call)
        self._session.flush()
        self._session.add(draft)
        self._session.flush()
        return call

    def get(self, call_id: uuid.UUID) -> Call:
        """A call by id."""
        call = self._session.get(Call, call_id)
        if call is None:
            raise NotFound(f"call {call_id} does not exist", call=str(call_id))
        return call

    def by_channel(self, channel_id: str) -> Call | None:
        """The call of an Asterisk channel, if we know it."""
        return self._session.scalar(select(Call).where(Call.channel_id == channel_id))

    def draft(self, draft_id: uuid.UUID) -> TicketDraft:
        """A draft by id."""
        draft = self._session.get(TicketDraft, draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id} does not exist", draft=str(draft_id))
        return draft

    def note(self, call_id: uuid.UUID, step: str) -> None:
        """Append a step (``menu:3``, ``invalid:7``, ``timeout``…) to the call's menu path."""
        call = self.get(call_id)
        if len(call.menu_path) < MAX_MENU_PATH:
            call.menu_path = [*call.menu_path, step[:32]]
        self._session.flush()

    def choose(self, call_id: uuid.UUID, skill: Skill) -> None:
        """The caller's menu choice: sets the call's skill and the draft's starting category."""
        call = self.get(call_id)
        call.skill = skill.value
        if call.draft_id is not None:
            draft = self.draft(call.draft_id)
            category = skill.draft_category
            draft.category = category.value if category else None
            draft.updated_at = self._now()
        self._session.flush()

    def attach_recording(self, call_id: uuid.UUID, path: str, duration_ms: int | None) -> TicketDraft:
        """The caller's description was recorded: the draft now waits for speech recognition."""
        if not path or len(path) > 500:
            raise InvalidInput("recording path missing or too long", field="path")
        call = self.get(call_id)
        if call.draft_id is None:
            raise NotFound(f"call {call_id} has no draft", call=str(call_id))
        draft = self.draft(call.draft_id)
        draft.recording_path = path
        draft.recording_ms = duration_ms
        draft.asr_status = AsrStatus.PENDING.value
        draft.updated_at = self._now()
        self._session.flush()
        return draft

    def queued(self, call_id: uuid.UUID, queue: str) -> None:
        """The call was handed to ``queue``."""
        call = self.get(call_id)
        call.queue = queue
        call.queued_at = self._now()
        self._session.flush()

    def end(self, call_id: uuid.UUID, reason: CallEndReason) -> Call:
        """Close the IVR part of the call. The first reason wins; later calls change nothing."""
        call = self.get(call_id)
        if call.end_reason is None:
            call.end_reason = reason.value
            call.ended_at = self._now()
            self._session.flush()
        return call

    def open_calls(self) -> Sequence[Call]:
        """Calls whose IVR part has not ended (for resync after a reconnect)."""
        return self._session.scalars(
            select(Call).where(Call.end_reason.is_(None)).order_by(Call.started_at)
        ).all()


def _phone_or_none(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_phone(raw)
    except InvalidInput:
        return None  # anonymous or odd caller IDs are kept raw in caller_number
