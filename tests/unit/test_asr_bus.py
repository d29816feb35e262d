"""asr.bus: per-call pub/sub, bounded queues that drop partials (never finals) for slow subscribers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from asr.bus import LiveEnded, LiveEvent, LiveFinal, LivePartial, TranscriptBus

A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def partial(call: uuid.UUID, text: str, t: float = 0.0) -> LivePartial:
    return LivePartial(call, text, t, t)


def final(call: uuid.UUID, text: str, t: float = 0.0) -> LiveFinal:
    return LiveFinal(call, text, 0.0, t, t, t)


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 5))


def test_events_go_to_their_call_and_to_all_call_subscribers() -> None:
    async def body() -> None:
        bus = TranscriptBus()
        sub_a, sub_b, sub_all = bus.subscribe(A), bus.subscribe(B), bus.subscribe()
        bus.publish(partial(A, "a1"))
        bus.publish(final(B, "b1"))
        assert [await sub_a.get()] == [partial(A, "a1")]
        assert sub_a.pending() == 0
        assert await sub_b.get() == final(B, "b1")
        assert [await sub_all.get(), await sub_all.get()] == [partial(A, "a1"), final(B, "b1")]

    run(body())


def test_call_subscription_ends_after_the_call_ended() -> None:
    async def body() -> list[LiveEvent]:
        bus = TranscriptBus()
        sub = bus.subscribe(A)
        bus.publish(partial(A, "x"))
        bus.publish(final(A, "x y"))
        bus.publish(LiveEnded(A, "x y", 1.0, 1.0))
        bus.publish(partial(A, "after"))  # nobody listens any more
        got = [event async for event in sub]
        assert bus.subscribers(A) == 0
        return got

    got = run(body())
    assert [type(e).__name__ for e in got] == ["LivePartial", "LiveFinal", "LiveEnded"]


def test_slow_subscriber_drops_partials_never_finals() -> None:
    async def body() -> None:
        bus = TranscriptBus(max_queue=3)
        sub = bus.subscribe(A)
        for i in range(3):
            bus.publish(partial(A, f"p{i}"))
        bus.publish(partial(A, "p3"))  # full: dropped
        bus.publish(final(A, "f1"))  # full: the oldest partial makes room
        bus.publish(final(A, "f2"))
        bus.publish(final(A, "f3"))
        bus.publish(final(A, "f4"))  # only finals left: the queue grows rather than lose one
        texts = [(await sub.get()).text for _ in range(sub.pending())]
        assert texts == ["f1", "f2", "f3", "f4"]
        assert sub.dropped_partials == 4

    run(body())


def test_waiting_subscriber_wakes_up_and_close_stops_iteration() -> None:
    async def body() -> None:
        bus = TranscriptBus()
        async with bus.subscribe() as sub:
            getter = asyncio.ensure_future(sub.get())
            await asyncio.sleep(0)
            bus.publish(final(B, "hello"))
            assert (await getter).text == "hello"
            closer = asyncio.ensure_future(sub.get())
            await asyncio.sleep(0)
            sub.close()
            with pytest.raises(StopAsyncIteration):
                await closer
        assert bus.subscribers() == 0

    run(body())


def test_final_to_segment() -> None:
    word = {"word": "안녕", "start": 0.12, "end": 1.46, "conf": 1.0}
    f = LiveFinal(A, "안녕", 0.123, 1.456, 2.0, 3.0, (word,))
    assert f.to_segment() == {"text": "안녕", "start": 0.12, "end": 1.46, "words": [dict(f.words[0])]}
    with pytest.raises(ValueError, match="max_queue"):
        TranscriptBus(max_queue=0)
