"""ivr.ari against the real Asterisk 22 sandbox, with real SIPp calls to 12345. The instance has its
own config directory and allocated ports so it runs next to the other sandbox tests. Every wait is
bounded; every test hangs up what it created; the last test checks that no channel is left, and the
module fixture stops Asterisk.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ivr.ari import (
    AriClient,
    AriEvent,
    AriNotFound,
    AriSupervisor,
    BackoffPolicy,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelVarset,
    PlaybackFinished,
    RecordingFinished,
    RecordingStarted,
    Resynced,
    StasisEnd,
    StasisStart,
)
from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range
from sandbox.sipp.citizen import ERRORS_FILE, AwaitHangup, CitizenCall, Press

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-ari-test"
APP = "hotline-ivr"
CALLER = "13800138000"
QUICK = BackoffPolicy(initial=0.2, maximum=2.0, jitter=0.2)
E = TypeVar("E", bound=AriEvent)


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(config_dir=CONFIG_DIR, ports=PORTS)
    try:
        sb.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        yield sb
    finally:
        sb.down()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the calls' SIPp files go (one sub-folder per call)."""
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (Debian package sip-tester): apt-get install sip-tester")
    return tmp_path_factory.mktemp("ari-sipp")


def client_for(sb: Sandbox) -> AriClient:
    user, password = sb.ari_credentials
    return AriClient(sb.ari_url, user, password, APP)


# --------------------------------------------------------------------------------------------- helpers
class Tap:
    """Runs a supervisor in the background; ``wait`` finds the next matching event (bounded)."""

    def __init__(self, supervisor: AriSupervisor) -> None:
        self.supervisor = supervisor
        self.queue: asyncio.Queue[AriEvent] = asyncio.Queue()
        self.backlog: list[AriEvent] = []
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        async for event in self.supervisor.events():
            await self.queue.put(event)

    async def wait(
        self, kind: type[E], match: Callable[[E], bool] = lambda _: True, timeout: float = 15.0
    ) -> E:
        for index, event in enumerate(self.backlog):
            if isinstance(event, kind) and match(event):
                del self.backlog[index]
                return event
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.task.done():
                error = self.task.exception() if self.task.done() else None
                seen = [type(e).__name__ for e in self.backlog]
                pytest.fail(f"no {kind.__name__} within {timeout:.0f} s (supervisor: {error!r}; saw {seen})")
            try:
                event = await asyncio.wait_for(self.queue.get(), min(left, 0.5))
            except TimeoutError:
                continue
            if isinstance(event, kind) and match(event):
                return event
            self.backlog.append(event)

    async def close(self) -> None:
        await self.supervisor.stop()
        await asyncio.wait_for(self.task, 5)


def errors_file(scenario: Path, port: int) -> Path:
    return scenario / f"call-{port}" / ERRORS_FILE


def start_call(scenario: Path, port: int) -> subprocess.Popen[str]:
    """Dial 12345, press 1 on answer, wait (at most 90 s) for our hang-up."""
    folder = scenario / f"call-{port}"
    folder.mkdir(exist_ok=True)
    call = CitizenCall(
        CALLER, [Press("1", 1), AwaitHangup(90_000)], port=PORTS.sip, local_port=port,
        media_port=free_udp_range(10), timeout_s=60,
    )  # fmt: skip
    return call.start(folder)


async def finish_call(proc: subprocess.Popen[str], errors: Path) -> None:
    """SIPp must end with rc 0 (it got our BYE and answered it)."""
    output, _ = await asyncio.to_thread(proc.communicate, None, 30)
    details = errors.read_text(errors="replace")[-1500:] if errors.exists() else ""
    assert proc.returncode == 0, details or output[-1500:]


async def clean_up(proc: subprocess.Popen[str], client: AriClient, tap: Tap | None) -> None:
    """Kill SIPp if still running, hang up every channel left, stop the supervisor, close the client."""
    if proc.poll() is None:
        proc.kill()
        proc.communicate()
    for channel in await client.list_channels():
        with contextlib.suppress(AriNotFound):
            await client.hangup(channel.id)
    if tap is not None:
        await tap.close()
    await client.aclose()


def run(body: Callable[[], Awaitable[Any]], seconds: float = 90.0) -> Any:
    return asyncio.run(asyncio.wait_for(body(), seconds))


def idle(channels: str) -> bool:
    no_calls = re.search(r"^0 (of \d+ max )?active calls", channels, re.MULTILINE)
    return re.search(r"^0 active channels$", channels, re.MULTILINE) is not None and no_calls is not None


# --------------------------------------------------------------------------------------------- tests
def test_call_dtmf_play_record_variables_and_continue_to_the_queue(sandbox: Sandbox, scenario: Path) -> None:
    recording = f"ari-test-{uuid.uuid4().hex[:8]}"

    async def body() -> None:
        client = client_for(sandbox)
        tap = Tap(AriSupervisor(client, QUICK))
        port = free_port()
        proc = start_call(scenario, port)
        sipp_errors = errors_file(scenario, port)
        try:
            first = await tap.wait(Resynced)
            assert first.connection == 1
            start = await tap.wait(StasisStart)
            channel = start.channel
            assert channel.caller_number == CALLER
            assert channel.dialplan.context == "from-citizens"
            assert channel.state == "Ring"

            await client.answer(channel.id)
            playback_id = await client.play(channel.id, "sound:beep", playback_id=f"pb-{recording}")
            done = await tap.wait(PlaybackFinished, lambda e: e.playback_id == playback_id)
            assert done.state == "done"
            digit = await tap.wait(ChannelDtmfReceived, lambda e: e.channel.id == channel.id)
            assert digit.digit == "1"

            live = await client.record(channel.id, recording, max_duration=2, if_exists="overwrite")
            assert live.name == recording
            await tap.wait(RecordingStarted, lambda e: e.name == recording)
            finished = await tap.wait(RecordingFinished, lambda e: e.name == recording)
            assert finished.recording.format == "wav16"
            stored = await client.get_stored_recording(recording)
            assert stored.format == "wav16"
            await client.delete_stored_recording(recording)
            with pytest.raises(AriNotFound):
                await client.get_stored_recording(recording)

            await client.set_variable(channel.id, "HOTLINE_DRAFT_ID", "d-42")
            varset = await tap.wait(ChannelVarset, lambda e: e.variable == "HOTLINE_DRAFT_ID")
            assert varset.value == "d-42"
            assert await client.get_variable(channel.id, "HOTLINE_DRAFT_ID") == "d-42"
            with pytest.raises(AriNotFound):
                await client.get_variable(channel.id, "HOTLINE_NEVER_SET")

            await client.continue_in_dialplan(channel.id, "hotline-queues", "general", 1)
            await tap.wait(StasisEnd, lambda e: e.channel.id == channel.id)
            in_queue = await client.get_channel(channel.id)
            assert in_queue.dialplan.context == "hotline-queues"
            assert in_queue.dialplan.app_name == "Queue"
            await client.hangup(channel.id)  # ARI can hang up a channel outside Stasis too
            await finish_call(proc, sipp_errors)
            with pytest.raises(AriNotFound):
                await client.answer(channel.id)
        finally:
            await clean_up(proc, client, tap)

    run(body)


def test_reconnects_after_the_websocket_is_cut_and_resyncs(sandbox: Sandbox, scenario: Path) -> None:
    async def body() -> None:
        client = client_for(sandbox)
        supervisor = AriSupervisor(client, QUICK)
        tap = Tap(supervisor)
        port = free_port()
        proc = start_call(scenario, port)
        sipp_errors = errors_file(scenario, port)
        try:
            await tap.wait(Resynced)
            channel = (await tap.wait(StasisStart)).channel
            await client.answer(channel.id)

            supervisor.drop_connection()  # as if the network dropped the TCP connection
            again = await tap.wait(Resynced, timeout=20)
            assert again.connection == supervisor.connections >= 2
            assert channel.id in again.channel_ids
            listed = next(c for c in again.channels if c.id == channel.id)
            assert listed.caller_number == CALLER
            assert listed.state == "Up"

            # the app is live again: events flow on the new connection
            playback_id = await client.play(channel.id, "sound:beep")
            await tap.wait(PlaybackFinished, lambda e: e.playback_id == playback_id)
            await client.hangup(channel.id)
            await tap.wait(StasisEnd, lambda e: e.channel.id == channel.id)
            await finish_call(proc, sipp_errors)
        finally:
            await clean_up(proc, client, tap)

    run(body)


def test_a_restarted_process_finds_the_parked_call_in_its_first_resync(
    sandbox: Sandbox, scenario: Path
) -> None:
    async def body() -> None:
        old_client = client_for(sandbox)
        old = Tap(AriSupervisor(old_client, QUICK))
        port = free_port()
        proc = start_call(scenario, port)
        sipp_errors = errors_file(scenario, port)
        new_client = client_for(sandbox)
        new: Tap | None = None
        try:
            await old.wait(Resynced)
            channel = (await old.wait(StasisStart)).channel
            await old_client.answer(channel.id)
            await old.close()  # our process "dies": the call stays parked in Stasis
            await old_client.aclose()
            assert channel.id in (await new_client.get_application()).channel_ids

            new = Tap(AriSupervisor(new_client, QUICK))
            first = await new.wait(Resynced)
            assert first.connection == 1
            assert first.channel_ids == (channel.id,)
            assert first.channels[0].caller_number == CALLER

            await new_client.hangup(channel.id)
            await new.wait(StasisEnd, lambda e: e.channel.id == channel.id)
            await finish_call(proc, sipp_errors)
        finally:
            await old.close()  # idempotent: the test may fail before the "restart"
            await clean_up(proc, new_client, new)

    run(body)


def test_snoop_external_media_bridge_and_origination(sandbox: Sandbox, scenario: Path) -> None:
    tag = uuid.uuid4().hex[:8]

    async def body() -> None:
        client = client_for(sandbox)
        tap = Tap(AriSupervisor(client, QUICK))
        port = free_port()
        proc = start_call(scenario, port)
        sipp_errors = errors_file(scenario, port)
        try:
            await tap.wait(Resynced)
            channel = (await tap.wait(StasisStart)).channel
            await client.answer(channel.id)

            snoop = await client.snoop(channel.id, spy="in", snoop_id=f"snoop-{tag}")
            await tap.wait(StasisStart, lambda e: e.channel.id == snoop.id)
            media = await client.external_media("127.0.0.1:29999", channel_id=f"em-{tag}")
            assert media.channelvars.get("UNICASTRTP_LOCAL_ADDRESS") == "127.0.0.1"
            await tap.wait(StasisStart, lambda e: e.channel.id == media.id)
            bridge = await client.create_bridge("mixing", bridge_id=f"br-{tag}", name="transcribe")
            await client.add_channel(bridge.id, [snoop.id, media.id])
            entered = {
                (await tap.wait(ChannelEnteredBridge, lambda e: e.bridge.id == bridge.id)).channel.id
                for _ in range(2)
            }
            assert entered == {snoop.id, media.id}
            await client.remove_channel(bridge.id, media.id)
            await client.destroy_bridge(bridge.id)
            # Asterisk finishes destroying a bridge after answering: until then a second DELETE says
            # 409 "not in Stasis application"; once it is gone, 404
            deadline = asyncio.get_running_loop().time() + 5
            while any(b["id"] == bridge.id for b in await client.request("GET", "/bridges")):
                assert asyncio.get_running_loop().time() < deadline, "the bridge was not destroyed"
                await asyncio.sleep(0.05)
            with pytest.raises(AriNotFound):
                await client.destroy_bridge(bridge.id)
            for extra in (snoop.id, media.id):
                await client.hangup(extra)

            # nobody answers on the trunk port: the originated channel dies and we are told why
            dialled = await client.originate(
                "PJSIP/13900000000@citizens", timeout=3, channel_id=f"orig-{tag}", caller_id="12345"
            )
            gone = await tap.wait(ChannelDestroyed, lambda e: e.channel.id == dialled.id, timeout=20)
            assert gone.cause > 0

            await client.hangup(channel.id)
            await tap.wait(StasisEnd, lambda e: e.channel.id == channel.id)
            await finish_call(proc, sipp_errors)
        finally:
            await clean_up(proc, client, tap)

    run(body)


def test_no_channel_is_left(sandbox: Sandbox) -> None:
    deadline = time.monotonic() + 15
    while not idle(sandbox.cli("core show channels")):
        if time.monotonic() > deadline:
            pytest.fail(sandbox.cli("core show channels"))
        time.sleep(0.3)
