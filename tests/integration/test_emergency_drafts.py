"""A draft that flags an emergency (R-SCOPE) is never registered as an ordinary ticket silently: the agent
must say what was done, and that is kept in the ticket's history (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

from apiharness import Api

from asr.drafting import extract_draft
from ticketing.calls.drafts import DraftService
from ticketing.calls.service import CallService
from ticketing.db.engine import make_sessionmaker


def recognised_draft(api: Api, channel: str, text: str) -> uuid.UUID:
    """A call whose recording was recognised as ``text`` (the fields the ASR worker would store)."""
    sessions = make_sessionmaker(api.engine)
    with sessions.begin() as session:
        call = CallService(session, now=api.clock).start(channel, "13900139000")
        assert call.draft_id is not None
        drafts = DraftService(session, now=api.clock)
        drafts.store_result(
            call.draft_id, transcript=text, fields=extract_draft(text).to_dict(), model="test"
        )
        return call.draft_id


def test_an_emergency_draft_needs_the_agents_word_before_it_becomes_a_ticket(api: Api) -> None:
    draft_id = recognised_draft(api, "chan-fire", "救命啊 我家厨房着火了 火很大")
    body = {"category": "help", "title": "家中起火", "content": "厨房着火", "draft_id": str(draft_id)}
    refused = api.call("agent", "POST", "/tickets", json=body)
    assert refused.status_code == 409
    error = refused.json()
    assert error["error_id"] == "emergency_unhandled"
    assert error["details"]["service"] == "119"
    assert "着火" in error["details"]["cues"]
    bad = api.call("agent", "POST", "/tickets", json={**body, "emergency_handled": "ignored"})
    assert bad.status_code == 422

    ticket = api.ok(
        "agent", "POST", "/tickets", expect=201, json={**body, "emergency_handled": "transferred"}
    )
    history = api.ok("agent", "GET", f"/tickets/{ticket['number']}/events")
    registered = history[0] if isinstance(history, list) else history["items"][0]
    assert registered["payload"]["emergency_handled"] == "transferred"


def test_an_ordinary_draft_registers_as_before(api: Api) -> None:
    draft_id = recognised_draft(api, "chan-plain", "请问社保卡丢了怎么补办")
    body = {"category": "consult", "title": "社保卡补办", "content": "社保卡丢失", "draft_id": str(draft_id)}
    api.ok("agent", "POST", "/tickets", expect=201, json=body)
