"""What the agent's desktop shows for a call: the draft with its confidences, whether the recording can be
played, the caller's history (earlier tickets of the same normalised number, open ones first, and which
look like the same matter again) and the knowledge-base answers that fit the draft.

Read on the agent's behalf: the caller's identity is shown to the desk (agents may see it), and looking
the caller's tickets up by phone is a caller search, audited like one (R-PRIV).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.calls.models import Call, TicketDraft
from ticketing.categories import Category
from ticketing.clock import Clock, utcnow
from ticketing.knowledge.search import KnowledgeSearch
from ticketing.knowledge.tokens import tokenize
from ticketing.repeats import similarity
from ticketing.repeats.service import matter_of
from ticketing.tickets import privacy
from ticketing.tickets.lifecycle import OPEN_STATUSES, Status
from ticketing.tickets.models import Ticket

HISTORY_LIMIT = 20
KB_LIMIT = 5


class CallScreenService:
    """The screen pop's content."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def for_call(self, call: Call, actor: Actor) -> dict[str, Any]:
        """Everything the desktop shows about ``call`` (JSON-ready)."""
        draft = self._session.get(TicketDraft, call.draft_id) if call.draft_id else None
        history = self.history(call.caller_phone, draft, actor)
        text = draft_text(draft)
        suggestions = (
            KnowledgeSearch(self._session, now=self._now).suggest_for_text(text, KB_LIMIT) if text else []
        )
        return {
            "call": {
                "id": str(call.id),
                "caller_number": call.caller_number,
                "caller_phone": call.caller_phone,
                "skill": call.skill,
                "queue": call.queue,
                "origin": call.origin,
                "menu_path": list(call.menu_path),
                "started_at": call.started_at.isoformat(),
            },
            "draft": draft_view(draft),
            "history": history,
            "knowledge": [hit.model_dump(mode="json") for hit in suggestions],
        }

    def history(self, phone: str | None, draft: TicketDraft | None, actor: Actor) -> list[dict[str, Any]]:
        """Earlier tickets of ``phone``: open ones first, then the newest; each says whether it looks like
        the draft's matter again (same category family, similar words)."""
        if not phone:
            return []
        privacy.audit_caller_search(self._session, phone, actor, self._now())
        rows = list(
            self._session.scalars(
                select(Ticket)
                .where(Ticket.caller_phone == phone, Ticket.status != Status.DRAFT.value)
                .order_by(Ticket.created_at.desc())
                .limit(HISTORY_LIMIT)
            )
        )
        open_values = {s.value for s in OPEN_STATUSES}
        rows.sort(key=lambda t: (t.status not in open_values, -t.created_at.timestamp()))
        tokens = similarity.matter_tokens(tokenize(draft_text(draft))) if draft else ()
        out = []
        for ticket in rows:
            matter = matter_of(ticket)
            score = similarity.similarity(tokens, matter.tokens).jaccard if tokens else 0.0
            category = draft.category if draft and draft.category else ticket.category
            out.append(
                {
                    "number": ticket.number,
                    "status": ticket.status,
                    "status_label": Status(ticket.status).label_zh,
                    "category": ticket.category,
                    "category_label": Category(ticket.category).label_zh,
                    "title": ticket.title,
                    "created_at": ticket.created_at.isoformat(),
                    "open": ticket.status in open_values,
                    "looks_like_repeat": bool(
                        tokens
                        and similarity.same_family(category, ticket.category)
                        and score >= similarity.DEFAULT_THRESHOLD
                    ),
                    "similarity": round(score, 3),
                }
            )
        return out

    def call(self, call_id: uuid.UUID) -> Call | None:
        """A call by id."""
        return self._session.get(Call, call_id)


def draft_text(draft: TicketDraft | None) -> str:
    """The words of a draft (transcript, else the extracted summary)."""
    if draft is None:
        return ""
    summary = (draft.fields or {}).get("summary")
    summary_text = summary.get("text") if isinstance(summary, dict) else None
    return draft.transcript or (summary_text if isinstance(summary_text, str) else "") or ""


def draft_view(draft: TicketDraft | None) -> dict[str, Any] | None:
    """A draft as the desktop edits it: fields with their confidences, recording, recognition state."""
    if draft is None:
        return None
    return {
        "id": str(draft.id),
        "status": draft.status,
        "category": draft.category,
        "caller_phone": draft.caller_phone,
        "fields": draft.fields or {},
        "transcript": draft.transcript,
        "asr_status": draft.asr_status,
        "asr_error": draft.asr_error,
        "recording_ms": draft.recording_ms,
        "has_recording": bool(draft.recording_path),
        "recording_url": f"/api/v1/drafts/{draft.id}/recording" if draft.recording_path else None,
        "ticket_id": str(draft.ticket_id) if draft.ticket_id else None,
    }
