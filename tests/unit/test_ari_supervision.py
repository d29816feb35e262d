"""Supervision logic: the backoff schedule, resync filtering (both pure) and the supervisor loop on fakes."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ivr.ari import (
    AriConnectionError,
    AriNotFound,
    AriSupervisor,
    BackoffPolicy,
    Channel,
    Resynced,
    StasisEnd,
    backoff_delay,
    backoff_schedule,
    parse_event,
    select_app_channels,
)
from ivr.ari.resources import Application
from ivr.ari.resync import in_stasis_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ari"


def rest(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- backoff
def test_schedule_without_jitter_doubles_up_to_the_cap() -> None:
    policy = BackoffPolicy(initial=0.5, factor=2.0, maximum=8.0, jitter=0.0)
    assert backoff_schedule(policy, 7) == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_stays_within_bounds_and_under_the_cap() -> None:
    policy = BackoffPolicy(initial=1.0, factor=2.0, maximum=10.0, jitter=0.25)
    assert backoff_delay(policy, 0, 0.0) == pytest.approx(0.75)
    assert backoff_delay(policy, 0, 0.999999) == pytest.approx(1.25, abs=1e-5)
    assert backoff_delay(policy, 10, 0.999999) == 10.0  # never above maximum
    rng = random.Random(7)
    for n, delay in enumerate(backoff_schedule(policy, 50, rng)):
        base = min(10.0, 2.0**n)
        assert base * 0.75 - 1e-9 <= delay <= min(10.0, base * 1.25) + 1e-9


def test_jitter_is_deterministic_with_a_seed_and_spreads_without() -> None:
    policy = BackoffPolicy(jitter=0.5)
    assert backoff_schedule(policy, 5, random.Random(1)) == backoff_schedule(policy, 5, random.Random(1))
    assert len({backoff_delay(policy, 3, random.random()) for _ in range(20)}) > 1


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert backoff_delay(BackoffPolicy(maximum=30.0, jitter=0), 10_000, 0.5) == 30.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": -1.0}, {"factor": 0.5}, {"jitter": 1.5}, {"max_attempts": 0}, {"maximum": -2.0}],
)
def test_invalid_policies_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"invalid|max_attempts"):
        BackoffPolicy(**kwargs)


def test_negative_attempt_is_refused() -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff_delay(BackoffPolicy(), -1, 0.5)


# --------------------------------------------------------------------------------------------- resync
def test_resync_keeps_exactly_the_app_channel_ids() -> None:
    channels = [Channel.from_json(c) for c in rest("rest_channels")]
    app = Application.from_json(rest("rest_application"))
    chosen = select_app_channels(channels, "hotline-ivr", app.channel_ids)
    assert {c.id for c in chosen} == {"1795934157.8", "em-1", "snoop-1"}
    assert "1795934157.9" not in {c.id for c in chosen}  # continued into Queue()
    assert [c.creationtime for c in chosen] == sorted(c.creationtime for c in chosen if c.creationtime)


def test_resync_fallback_uses_the_dialplan_location() -> None:
    channels = [Channel.from_json(c) for c in rest("rest_channels")]
    chosen = select_app_channels(channels, "hotline-ivr", None)
    assert {c.id for c in chosen} == {"1795934157.8", "em-1", "snoop-1"}
    assert select_app_channels(channels, "hotline-survey", None) == ()


def test_resync_with_an_empty_app() -> None:
    channels = [Channel.from_json(c) for c in rest("rest_channels")]
    assert select_app_channels(channels, "hotline-ivr", ()) == ()


def test_in_stasis_app_matches_the_app_name_not_a_prefix_and_ignores_args() -> None:
    base = rest("rest_channels")[0]

    def with_data(app_name: str, data: str) -> Channel:
        dialplan = {**base["dialplan"], "app_name": app_name, "app_data": data}
        return Channel.from_json({**base, "dialplan": dialplan})

    assert in_stasis_app(with_data("Stasis", "hotline-ivr,menu,2"), "hotline-ivr")
    assert not in_stasis_app(with_data("Stasis", "hotline-ivr-test"), "hotline-ivr")
    assert not in_stasis_app(with_data("Queue", "hotline-ivr"), "hotline-ivr")


# --------------------------------------------------------------------------------------------- loop
class FakeStream:
    """Stands in for EventStream: yields queued events, ends quietly on aclose, raises on abort."""

    def __init__(self, events: list[Any]) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        for event in events:
            self.queue.put_nowait(event)
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True
        self.queue.put_nowait(None)

    def abort(self) -> None:
        self.queue.put_nowait(AriConnectionError("cut"))

    async def __aiter__(self) -> AsyncIterator[Any]:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item


class FakeClient:
    app = "hotline-ivr"

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes  # FakeStream or exception, one per open_events() call
        self.opened = 0
        self.channels = [Channel.from_json(c) for c in rest("rest_channels")]
        self.app_ids: tuple[str, ...] | None = ("1795934157.8",)

    async def open_events(self) -> Any:
        self.opened += 1
        outcome = self.outcomes.pop(0) if self.outcomes else AriConnectionError("refused")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def get_application(self) -> Application:
        if self.app_ids is None:
            raise AriNotFound(404, '{"message":"Application not found"}')
        return Application(name=self.app, channel_ids=self.app_ids)

    async def list_channels(self) -> list[Channel]:
        return self.channels


FAST = BackoffPolicy(initial=0.01, maximum=0.02, jitter=0.0, stable_after=60.0)
END = parse_event(json.loads((FIXTURES / "stasis_end.json").read_text(encoding="utf-8")))


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_resynced_comes_first_then_events_then_reconnect_after_a_cut() -> None:
    async def scenario() -> list[Any]:
        first, second = FakeStream([END]), FakeStream([])
        client = FakeClient([AriConnectionError("down"), first, second])
        sup = AriSupervisor(client, FAST)  # type: ignore[arg-type]
        seen: list[Any] = []
        async for event in sup.events():
            seen.append(event)
            if len(seen) == 2:
                sup.drop_connection()
            if len(seen) == 3:
                assert sup.connected
                await sup.stop()
        assert first.closed
        assert second.closed
        assert client.opened == 3
        assert not sup.connected
        return seen

    seen = run(scenario())
    assert [type(e) for e in seen] == [Resynced, StasisEnd, Resynced]
    assert [e.connection for e in seen if isinstance(e, Resynced)] == [1, 2]
    assert seen[0].channel_ids == ("1795934157.8",)


def test_resync_falls_back_when_the_app_is_unknown() -> None:
    async def scenario() -> Resynced:
        client = FakeClient([FakeStream([])])
        client.app_ids = None
        sup = AriSupervisor(client, FAST)  # type: ignore[arg-type]
        async for event in sup.events():
            await sup.stop()
            assert isinstance(event, Resynced)
            return event
        raise AssertionError("no event")

    assert set(run(scenario()).channel_ids) == {"1795934157.8", "em-1", "snoop-1"}


def test_gives_up_after_max_attempts() -> None:
    async def scenario() -> None:
        client = FakeClient([])
        sup = AriSupervisor(client, BackoffPolicy(initial=0.0, jitter=0.0, max_attempts=3))  # type: ignore[arg-type]
        with pytest.raises(AriConnectionError):
            async for _ in sup.events():
                pass
        assert client.opened == 3

    run(scenario())


def test_stop_interrupts_a_long_backoff_promptly() -> None:
    async def scenario() -> float:
        client = FakeClient([])
        sup = AriSupervisor(client, BackoffPolicy(initial=60.0, maximum=60.0, jitter=0.0))  # type: ignore[arg-type]

        async def consume() -> None:
            async for _ in sup.events():
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await sup.stop()
        await asyncio.wait_for(task, 2)
        return loop.time() - started

    assert run(scenario()) < 0.5


def test_stop_interrupts_a_hanging_connect() -> None:
    async def scenario() -> None:
        class Hanging(FakeClient):
            async def open_events(self) -> Any:
                await asyncio.sleep(3600)

        sup = AriSupervisor(Hanging([]), FAST)  # type: ignore[arg-type]

        async def consume() -> None:
            async for _ in sup.events():
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        await sup.stop()
        await asyncio.wait_for(task, 1)

    run(scenario())


def test_events_cannot_run_twice() -> None:
    async def scenario() -> None:
        sup = AriSupervisor(FakeClient([FakeStream([])]), FAST)  # type: ignore[arg-type]
        gen = sup.events()
        first = await gen.__anext__()
        assert isinstance(first, Resynced)
        with pytest.raises(Exception, match="already running"):
            await sup.events().__anext__()
        await sup.stop()
        await gen.aclose()

    run(scenario())
