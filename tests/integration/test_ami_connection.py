"""The AMI connection (agent_bridge.ami.connection) against a real Asterisk 22 sandbox of its own (free
ports): actions panoramisk 1.4 gets wrong, events to the listeners, a dropped connection (the waiting
action fails and is not sent again, the connection comes back and says so), and a frozen Asterisk
(half-open TCP: only the ping watchdog notices).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from agent_bridge.ami import actions
from agent_bridge.ami.connection import AmiConnection, AmiTarget, Connected, Disconnected
from agent_bridge.ami.errors import AmiActionFailed, AmiConnectionError
from agent_bridge.ami.events import AmiEvent, QueueMemberAdded, QueueMemberPause
from ivr.ari.backoff import BackoffPolicy
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_ports

QUEUE = "hotline-consult"
PHONE = "PJSIP/agent1002"
QUICK = BackoffPolicy(initial=0.2, maximum=1.0, jitter=0.1)
E = TypeVar("E", bound=AmiEvent)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(config_dir="/etc/asterisk/hotline-ami-test", ports=free_ports())
    try:
        box.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        yield box
    finally:
        box.down()


class Rig:
    """A connection, its runner and everything its listener heard."""

    def __init__(self, box: Sandbox, **options: Any) -> None:
        user, secret = box.ami_credentials
        self.ami = AmiConnection(
            AmiTarget("127.0.0.1", box.ports.ami, user, secret, "test"), policy=QUICK, **options
        )
        self.heard: list[AmiEvent] = []
        self.ami.add_listener(self.heard.append)
        self.runner: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Rig:
        self.runner = asyncio.create_task(self.ami.run())
        await asyncio.wait_for(self.ami.connected.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ami.stop()
        assert self.runner is not None
        await asyncio.wait_for(self.runner, 5)

    async def wait(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda e: True, seconds: float = 10
    ) -> E:
        async def find() -> E:
            while True:
                for event in self.heard:
                    if isinstance(event, kind) and predicate(event):
                        return event
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(find(), seconds)


def run(body: Callable[[], Awaitable[Any]], seconds: float = 60) -> Any:
    return asyncio.run(asyncio.wait_for(body(), seconds))


def test_member_actions_complete_and_their_events_arrive(sandbox: Sandbox) -> None:
    async def body() -> None:
        async with Rig(sandbox) as rig:
            ami = rig.ami
            added = await ami.send(actions.queue_add(QUEUE, PHONE, member_name="李娜", state_interface=PHONE))
            assert added.message == "Added interface to queue"  # returns: panoramisk 1.4 waits forever here
            event = await rig.wait(QueueMemberAdded, lambda e: e.member.interface == PHONE)
            assert event.member.name == "李娜"
            await ami.send(actions.queue_pause(PHONE, True, reason="培训"))
            paused = await rig.wait(QueueMemberPause, lambda e: e.member.paused)
            assert paused.member.paused_reason == "培训"
            status = await ami.send(actions.queue_status(QUEUE))
            [member] = [e for e in status.events if e.event == "QueueMember"]
            assert (member.get("Name"), member.flag("Paused"), member.get("PausedReason")) == (
                "李娜",
                True,
                "培训",
            )
            with pytest.raises(AmiActionFailed, match="Already there"):
                await ami.send(actions.queue_add(QUEUE, PHONE))
            await ami.send(actions.queue_remove(QUEUE, PHONE))
            with pytest.raises(AmiActionFailed, match="Not there"):
                await ami.send(actions.queue_remove(QUEUE, PHONE))
            channels = await ami.send(actions.core_show_channels())
            assert channels.events == []

    run(body)


def test_a_dropped_connection_fails_the_waiting_action_and_comes_back(sandbox: Sandbox) -> None:
    async def body() -> None:
        async with Rig(sandbox) as rig:
            ami = rig.ami
            waiting = asyncio.create_task(ami.send(actions.queue_status()))
            await asyncio.sleep(0)  # written, not yet answered
            ami.drop("test")
            with pytest.raises(AmiConnectionError):
                await waiting
            await rig.wait(Disconnected)
            await rig.wait(Connected, lambda e: ami.connections >= 2)
            assert ami.connections == 2
            assert (await ami.send(actions.ping())).outcome.value == "done"

    run(body)


def test_a_frozen_asterisk_is_noticed_by_the_ping_watchdog(sandbox: Sandbox) -> None:
    pid = sandbox.pid
    assert pid is not None

    async def body() -> None:
        async with Rig(sandbox, ping_interval=0.5, ping_timeout=0.5) as rig:
            os.kill(pid, signal.SIGSTOP)  # the TCP connection stays open; nothing answers
            try:
                lost = await rig.wait(Disconnected, seconds=10)
                assert "ping" in lost.reason
            finally:
                os.kill(pid, signal.SIGCONT)
            await rig.wait(Connected, lambda e: rig.ami.connections >= 2, seconds=20)

    run(body)
