"""The session table both Stasis apps route ARI events through, on ARI frames recorded from the sandbox
(tests/fixtures/ari): events that arrive while a call is being set up reach its session in order; a
channel is set up once; nothing is kept for a call whose set-up gave up."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

from ivr.ari.events import AriEvent, parse_event
from ivr.flows import events as flow
from ivr.session_table import SessionTable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ari"


def frame(name: str, channel_id: str, **changes: Any) -> AriEvent:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["channel"]["id"] = channel_id
    data.update(changes)
    return parse_event(data)


class Recorder:
    def __init__(self) -> None:
        self.fed: list[flow.Event] = []
        self.cancelled = False

    def feed(self, event: flow.Event) -> None:
        self.fed.append(event)

    def cancel(self) -> None:
        self.cancelled = True


def test_events_during_set_up_reach_the_session_in_order_and_set_up_runs_once() -> None:
    async def scenario() -> tuple[list[flow.Event], int, bool]:
        table: SessionTable[Recorder] = SessionTable()
        gate = asyncio.Event()
        setups = 0
        session = Recorder()

        async def set_up() -> None:
            nonlocal setups
            setups += 1
            await gate.wait()  # the database work
            for kept in table.add("c1", session):
                session.feed(kept)

        table.set_up("c1", set_up)
        table.set_up("c1", set_up)  # StasisStart again: no second session
        await asyncio.sleep(0)
        assert table.known("c1")
        table.route(frame("channel_dtmf_received", "c1", digit="3"))
        table.route(frame("channel_dtmf_received", "c1", digit="#"))
        table.route(frame("channel_dtmf_received", "other", digit="9"))  # not ours: dropped
        gate.set()
        for _ in range(5):
            await asyncio.sleep(0)
        table.route(frame("channel_dtmf_received", "c1", digit="1"))
        table.hang_up_missing({"elsewhere"})
        return session.fed, setups, table.known("other")

    fed, setups, other_known = asyncio.run(scenario())
    assert setups == 1
    assert [e.digit for e in fed if isinstance(e, flow.Dtmf)] == ["3", "#", "1"]
    assert isinstance(fed[-1], flow.HungUp)  # its channel was gone after a reconnect
    assert not other_known


def test_a_set_up_that_gives_up_keeps_nothing_and_done_forgets_the_session() -> None:
    async def scenario() -> tuple[bool, int, bool]:
        table: SessionTable[Recorder] = SessionTable()

        async def give_up() -> None:
            await asyncio.sleep(0)

        table.set_up("c2", give_up)
        table.route(frame("channel_dtmf_received", "c2", digit="5"))
        for _ in range(5):
            await asyncio.sleep(0)
        session = Recorder()
        kept = table.add("c2", session)
        known_after_add = table.known("c2")
        table.done("c2")
        table.cancel_all()
        return known_after_add, len(kept), session.cancelled

    known_after_add, kept, cancelled = asyncio.run(scenario())
    assert known_after_add
    assert kept == 0  # the events of the abandoned set-up were dropped
    assert not cancelled  # done: no longer in the table, so not cancelled with the rest
