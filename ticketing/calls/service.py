"""Calls and their drafts, as the IVR reports them. Every method is idempotent where the IVR may
repeat itself (a reconnect and resync replays what it knows)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.calls.models import Call, TicketDraft
from ticketing.calls.vocabulary import AsrStatus, CallEndReason, CallOrigin, DraftStatus, HangupBy, Skill
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

    # -- the queue part (app_queue's events, through the AMI bridge) ------------------------------------
    # Each method is idempotent for a replayed event: the first value recorded wins where a second
    # would be wrong (joining, answering, completing), counters only move forward.

    def find_queued(self, *, call_id: uuid.UUID | None, uniqueid: str, linkedid: str) -> Call | None:
        """The call a queue event is about: by its ``HOTLINE_CALL_ID``, else the caller's channel, else
        the Asterisk call key."""
        if call_id is not None:
            call = self._session.get(Call, call_id)
            if call is not None:
                return call
        if uniqueid:
            call = self.by_channel(uniqueid)
            if call is not None:
                return call
        if linkedid:
            return self._session.scalar(
                select(Call).where(Call.linkedid == linkedid).order_by(Call.started_at)
            )
        return None

    def queue_joined(
        self,
        *,
        call_id: uuid.UUID | None,
        uniqueid: str,
        linkedid: str,
        caller_number: str | None,
        queue: str,
        skill: Skill | None,
        position: int,
        at: datetime,
    ) -> Call:
        """A caller entered ``queue``. A call the IVR never saw (the dialplan fallback while it was down)
        gets its call row and its draft here (``origin = fallback``)."""
        call = self.find_queued(call_id=call_id, uniqueid=uniqueid, linkedid=linkedid)
        if call is None:
            call = self.start(uniqueid or linkedid, caller_number, None)
            call.origin = CallOrigin.FALLBACK.value
            call.started_at = min(call.started_at, at)
            if skill is not None:
                self.choose(call.id, skill)
            call.end_reason = CallEndReason.FAILED.value  # the IVR part did not happen
            call.ended_at = at
        call.linkedid = call.linkedid or linkedid or None
        call.queue = call.queue or queue
        if call.queue_position is None:
            call.queue_position = position
        if call.queued_at is None:
            call.queued_at = at
        self._session.flush()
        return call

    def agent_rang(
        self, call_id: uuid.UUID, *, interface: str, agent_user_id: uuid.UUID | None, at: datetime
    ) -> None:
        """An agent's phone rings for the call (the last ringing agent is kept until one answers)."""
        call = self.get(call_id)
        if call.answered_at is None:
            call.rang_at = at
            call.agent_interface = interface
            call.agent_user_id = agent_user_id
        self._session.flush()

    def agent_missed(self, call_id: uuid.UUID) -> None:
        """The ringing agent did not answer (the queue tries again)."""
        call = self.get(call_id)
        if call.answered_at is None:
            call.ring_no_answers += 1
        self._session.flush()

    def agent_answered(
        self,
        call_id: uuid.UUID,
        *,
        interface: str,
        agent_user_id: uuid.UUID | None,
        at: datetime,
        hold_seconds: float,
    ) -> None:
        """An agent took the call after ``hold_seconds`` in the queue."""
        call = self.get(call_id)
        if call.answered_at is None:
            call.answered_at = at
            call.agent_interface = interface
            call.agent_user_id = agent_user_id
            call.hold_seconds = hold_seconds
        self._session.flush()

    def completed(self, call_id: uuid.UUID, *, at: datetime, talk_seconds: float, hangup_by: str) -> None:
        """The conversation with the agent ended; ``hangup_by`` as Asterisk says (caller, agent, transfer)."""
        call = self.get(call_id)
        if call.completed_at is None:
            call.completed_at = at
            call.talk_seconds = talk_seconds
            known = {h.value for h in HangupBy}
            call.hangup_by = hangup_by if hangup_by in known else (hangup_by[:16] or None)
        self._session.flush()

    def abandoned(self, call_id: uuid.UUID, *, at: datetime, hold_seconds: float) -> None:
        """The caller hung up while waiting in the queue (kept for the missed-call callback)."""
        call = self.get(call_id)
        if call.answered_at is None and call.abandoned_at is None:
            call.abandoned_at = at
            call.hold_seconds = hold_seconds
            call.hangup_by = HangupBy.CALLER.value
        self._session.flush()

    def unserved(self, call_id: uuid.UUID, *, at: datetime, status: str) -> None:
        """The caller left the queue without an agent (``QUEUESTATUS``: TIMEOUT, JOINEMPTY, FULL…), as the
        dialplan's ``HotlineUnserved`` event says: kept for the missed-call callback."""
        call = self.get(call_id)
        if call.answered_at is None and call.unserved_at is None:
            call.unserved_at = at
            call.unserved_status = status[:16] or None
        self._session.flush()

    def start_callback(
        self, channel_id: str, phone: str, *, skill: str | None, draft_id: uuid.UUID | None
    ) -> Call:
        """The call row of a callback the hotline places (agent first): the draft of the call it returns
        travels along, so the agent's pop shows it (no new draft)."""
        existing = self._session.scalar(select(Call).where(Call.channel_id == channel_id))
        if existing is not None:
            return existing
        call = Call(
            id=uuid.uuid4(), channel_id=channel_id, caller_number=phone, caller_phone=phone,
            started_at=self._now(), skill=skill, origin=CallOrigin.CALLBACK.value, menu_path=[],
            draft_id=draft_id, end_reason=CallEndReason.QUEUED.value,
        )  # fmt: skip
        self._session.add(call)
        self._session.flush()
        return call

    def average_talk_seconds(self, queue: str, *, since: datetime, recent: int = 50) -> float | None:
        """The mean talk time of the ``recent`` latest conversations in ``queue`` that started after
        ``since`` (``None``: none)."""
        talks = self._session.scalars(
            select(Call.talk_seconds)
            .where(Call.started_at >= since, Call.queue == queue, Call.talk_seconds.is_not(None))
            .order_by(Call.started_at.desc())
            .limit(recent)
        ).all()
        values = [t for t in talks if t is not None]
        return sum(values) / len(values) if values else None

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
