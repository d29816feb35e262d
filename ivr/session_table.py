"""The calls one Stasis app is working on, by channel: shared by the IVR (:mod:`ivr.app`) and the 回访
survey app (:mod:`ivr.survey_app`).

Setting a call up takes database work, so ``StasisStart`` starts it in a task of its own; ARI events for
that channel that arrive meanwhile (a key pressed during the welcome, a hang-up) are kept and handed to
the session once it exists, in order. A channel is set up once however often ``StasisStart`` comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Generic, Protocol, TypeVar

from ivr.ari.events import AriEvent
from ivr.flows import events as flow
from ivr.translate import channel_of, flow_event


class CallFlowSession(Protocol):
    """What the table needs of a session: events in, and a way to stop its worker."""

    def feed(self, event: flow.Event) -> None: ...

    def cancel(self) -> None: ...


S = TypeVar("S", bound=CallFlowSession)


class SessionTable(Generic[S]):
    """Sessions by channel id, the channels being set up, and the events kept for them."""

    def __init__(self) -> None:
        self._sessions: dict[str, S] = {}
        self._pending: dict[str, list[flow.Event]] = {}
        self._starting: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._sessions)

    def known(self, channel_id: str) -> bool:
        """A session runs for the channel, or is being set up."""
        return channel_id in self._sessions or channel_id in self._starting

    def items(self) -> list[tuple[str, S]]:
        """The running sessions (a copy: safe to change the table while iterating)."""
        return list(self._sessions.items())

    def set_up(self, channel_id: str, setup: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``setup`` in a task of its own unless the channel is known already; it calls :meth:`add`
        when the session exists. Events kept for a channel whose set-up ends without a session are dropped."""
        if self.known(channel_id):
            return
        self._starting.add(channel_id)

        async def run() -> None:
            try:
                await setup()
            finally:
                self._starting.discard(channel_id)
                self._pending.pop(channel_id, None)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def add(self, channel_id: str, session: S) -> list[flow.Event]:
        """``session`` now runs the channel's call; returns the events kept for it (feed them after
        starting it)."""
        self._sessions[channel_id] = session
        return self._pending.pop(channel_id, [])

    def route(self, event: AriEvent) -> None:
        """Hand an ARI event to its channel's session, or keep it while the session is being set up."""
        channel_id = channel_of(event)
        translated = flow_event(event)
        if channel_id is None or translated is None:
            return
        session = self._sessions.get(channel_id)
        if session is not None:
            session.feed(translated)
        elif channel_id in self._starting:
            self._pending.setdefault(channel_id, []).append(translated)

    def done(self, channel_id: str) -> None:
        """The channel's session finished."""
        self._sessions.pop(channel_id, None)

    def hang_up_missing(self, live: Collection[str]) -> None:
        """After a reconnect: the sessions whose channel Asterisk no longer has were hung up."""
        for channel_id, session in self.items():
            if channel_id not in live:
                session.feed(flow.HungUp())

    def cancel_all(self) -> None:
        """Stop every session's worker (process shutdown)."""
        for _, session in self.items():
            session.cancel()
