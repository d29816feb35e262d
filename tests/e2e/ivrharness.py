"""Helpers for the IVR end-to-end tests: one real Asterisk sandbox, the real IVR in a thread, real SIPp
citizens and a real SQLite database.

Everything here is bounded: every wait has a deadline and fails with what it saw. Calls run in threads
so that the test can look at Asterisk (ARI, CLI) while the SIPp citizen is still on the line.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.ivr_runtime import AriTarget, IvrThread
from ivr.app import IvrConfig
from ivr.flows.hours import ServiceHours
from ivr.flows.menu_config import MenuConfig
from ivr.prompts import CATALOGUE, SOUNDS_SUBDIR, build_prompts, wav_info
from sandbox import Sandbox
from sandbox.ports import free_port, free_udp_range
from sandbox.runtime import sounds_dir
from sandbox.sipp.citizen import CallResult, CitizenCall, Step
from sandbox.sipp.speech import Speech, synthesise
from ticketing.calls.models import Call, TicketDraft

T = TypeVar("T")

CALLER_PREFIX = "1391234"  # + 4 digits: a fresh, valid mobile number per call
RECORDINGS = "/var/spool/asterisk/recording"
POLL_S = 0.25


def wait_for(predicate: Callable[[], T | None], seconds: float, what: str, poll: float = POLL_S) -> T:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {seconds:.1f} s waiting for {what}")
        time.sleep(poll)


def idle(channels: str) -> bool:
    """`core show channels` reports no channel and no call."""
    no_channels = re.search(r"^0 active channels$", channels, re.MULTILINE) is not None
    no_calls = re.search(r"^0 (of \d+ max )?active calls", channels, re.MULTILINE) is not None
    return no_channels and no_calls


def ms(seconds: float) -> int:
    return round(seconds * 1000)


# --------------------------------------------------------------------------------------------- audio
def make_speech(folder: Path, text: str) -> Speech:
    """Synthesise ``text`` (espeak-ng Mandarin) for SIPp; it must be long enough to be a description."""
    speech = synthesise(folder, text)
    assert speech.seconds > 1.5, f"the synthesised speech is too short: {speech.seconds:.2f} s"
    return speech


def render_prompts(sandbox: Sandbox) -> dict[str, float]:
    """Render the prompt catalogue where the sandbox plays it from; the length of each prompt (s)."""
    out = sounds_dir(sandbox.root, SOUNDS_SUBDIR)
    build_prompts(out)  # idempotent: unchanged prompts are skipped
    return {prompt_id: wav_info(out / f"{prompt_id}.wav").seconds for prompt_id in CATALOGUE}


# --------------------------------------------------------------------------------------------- calls
@dataclass
class Placed:
    """A SIPp citizen call running in its own thread."""

    caller: str
    call: CitizenCall
    started: float = field(default_factory=time.monotonic)
    result: CallResult | None = None
    error: BaseException | None = None
    elapsed: float | None = None
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            self.result = self.call.run()
        except BaseException as exc:  # reported by finish()
            self.error = exc
        finally:
            self.elapsed = time.monotonic() - self.started

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def finish(self, timeout: float) -> CallResult:
        """Wait for SIPp; it must have ended the call cleanly (rc 0)."""
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            pytest.fail(f"SIPp call from {self.caller} still running after {timeout:.0f} s")
        if self.error is not None:
            raise AssertionError(f"SIPp call from {self.caller} failed to run: {self.error!r}")
        assert self.result is not None
        assert self.result.ok, (
            f"SIPp call from {self.caller} ended with rc {self.result.returncode}:\n"
            f"{self.result.stdout[-1500:]}\n{self.result.stderr[-1500:]}"
        )
        return self.result


@dataclass(frozen=True)
class Sighting:
    """A caller seen waiting in a queue, with what Asterisk knew about the channel at that moment."""

    channel_id: str
    channel_name: str
    queue: str
    queue_show: str
    variables: dict[str, str | None]


# --------------------------------------------------------------------------------------------- harness
class Harness:
    """The sandbox, the database and the IVR of one test module, plus helpers to place calls."""

    def __init__(
        self,
        sandbox: Sandbox,
        sessions: sessionmaker[Session],
        prompts: dict[str, float],
        speech: Speech,
        menu: MenuConfig,
    ) -> None:
        self.sandbox = sandbox
        self.sessions = sessions
        self.prompts = prompts
        self.speech = speech
        user, password = sandbox.ari_credentials
        self.target = AriTarget(
            url=sandbox.ari_url,
            username=user,
            password=password,
            app=sandbox.config.ari_app,
            recordings_dir=sandbox.host_path(RECORDINGS),
        )
        self.config = self.config_for(menu, ServiceHours())
        self.ari = httpx.Client(base_url=sandbox.ari_url, auth=(user, password), timeout=10)
        self.ivr: IvrThread | None = None
        self.ivr_config: IvrConfig | None = None
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="e2e-call")
        self._in_flight: list[Future[Any]] = []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop_ivr()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.ari.close()

    # ------------------------------------------------------------------------------------- the IVR
    def config_for(self, menu: MenuConfig, hours: ServiceHours) -> IvrConfig:
        """An IVR configuration for this sandbox (recordings read from the chroot's spool)."""
        return IvrConfig(menu=menu, hours=hours, recordings_dir=self.target.recordings_dir)

    def use_ivr(self, config: IvrConfig | None = None) -> IvrThread:
        """Make sure the IVR runs with ``config`` (the module's default when ``None``)."""
        wanted = config or self.config
        if self.ivr is not None and self.ivr_config is wanted:
            return self.ivr
        self.stop_ivr()
        ivr = IvrThread(self.target, self.sessions, wanted)
        ivr.start(timeout=20)
        self.ivr, self.ivr_config = ivr, wanted
        wait_for(self.app_registered, 10, "the Stasis app to be registered")
        return ivr

    def stop_ivr(self) -> None:
        """Stop our process's IVR (after the calls in flight ended): the Stasis app disappears."""
        self.settle()
        if self.ivr is None:
            return
        ivr, self.ivr, self.ivr_config = self.ivr, None, None
        ivr.stop(timeout=10)
        wait_for(lambda: not self.app_registered(), 10, "the Stasis app to be unregistered")

    def app_registered(self) -> bool:
        return self.ari.get(f"/applications/{self.target.app}").status_code == 200

    # ------------------------------------------------------------------------------------- calls
    def new_caller(self) -> str:
        with self._lock:
            return f"{CALLER_PREFIX}{next(self._numbers):04d}"

    def place(self, steps: Sequence[Step], caller: str | None = None, timeout_s: int = 120) -> Placed:
        """Start a SIPp citizen call in a thread (unique caller number and ports)."""
        caller = caller or self.new_caller()
        call = CitizenCall(
            caller,
            list(steps),
            port=self.sandbox.ports.sip,
            local_port=free_port(),
            media_port=free_udp_range(10),  # audio, RTCP, video …
            timeout_s=timeout_s,
        )
        placed = Placed(caller, call)
        placed._thread = threading.Thread(target=placed._run, name=f"sipp-{caller}", daemon=True)
        placed._thread.start()
        return placed

    def submit(self, work: Callable[[], T]) -> Future[T]:
        """Run ``work`` (usually a whole call scenario) in the background; tracked by :meth:`settle`."""
        future = self.pool.submit(work)
        with self._lock:
            self._in_flight.append(future)
        return future

    def settle(self, timeout: float = 150) -> None:
        """Wait until every background scenario has finished (their failures are reported by tests)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            pending = list(self._in_flight)
        for future in pending:
            with contextlib.suppress(Exception):
                future.exception(max(0.1, deadline - time.monotonic()))

    # ------------------------------------------------------------------------------------- Asterisk
    def channels(self) -> list[dict[str, Any]]:
        """Every channel Asterisk has (ARI lists channels in and out of Stasis)."""
        response = self.ari.get("/channels")
        response.raise_for_status()
        channels: list[dict[str, Any]] = response.json()
        return channels

    def channels_of(self, caller: str) -> list[dict[str, Any]]:
        return [c for c in self.channels() if c.get("caller", {}).get("number") == caller]

    def variable(self, channel_id: str, name: str) -> str | None:
        response = self.ari.get(f"/channels/{channel_id}/variable", params={"variable": name})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        value = response.json().get("value")
        return value if isinstance(value, str) and value else None

    def hangup(self, channel_id: str) -> None:
        response = self.ari.delete(f"/channels/{channel_id}")
        assert response.status_code in (204, 404), response.text

    def wait_in_queue(
        self,
        placed: Placed,
        queue: str | Sequence[str],
        seconds: float,
        variables: Sequence[str] = ("HOTLINE_CALL_ID", "HOTLINE_DRAFT_ID", "HOTLINE_SKILL"),
    ) -> Sighting:
        """Poll until ``placed``'s channel waits in ``queue`` (or in one of several queues) — ARI says it runs
        Queue() and ``queue show`` lists it; read its channel variables there and then."""
        queues = [queue] if isinstance(queue, str) else list(queue)
        deadline = time.monotonic() + seconds
        seen: list[str] = []
        while time.monotonic() < deadline:
            if not placed.running():
                pytest.fail(f"call from {placed.caller} ended before reaching {queues} (saw {seen[-5:]})")
            for channel in self.channels_of(placed.caller):
                plan = channel.get("dialplan", {})
                seen.append(f"{channel['name']} {plan.get('context')}/{plan.get('app_name')}")
                if plan.get("app_name") != "Queue":
                    continue
                for name in queues:
                    shown = self.sandbox.cli(f"queue show {name}")
                    if channel["name"] in shown:
                        values = {var: self.variable(channel["id"], var) for var in variables}
                        return Sighting(channel["id"], channel["name"], name, shown, values)
            time.sleep(POLL_S)
        pytest.fail(
            f"call from {placed.caller} not seen in {queues} within {seconds:.0f} s (saw {seen[-5:]})"
        )

    def wait_gone(self, caller: str, seconds: float = 15) -> None:
        """Bounded wait until Asterisk has no channel of ``caller`` left."""
        wait_for(lambda: not self.channels_of(caller), seconds, f"no channel of {caller} left")

    def wait_idle(self, seconds: float = 20) -> str:
        """Bounded wait for ``core show channels`` → 0 active channels, 0 active calls."""
        last = ""

        def check() -> bool:
            nonlocal last
            last = self.sandbox.cli("core show channels")
            return idle(last)

        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() >= deadline:
                pytest.fail(f"channels still active after {seconds:.0f} s:\n{last}")
            time.sleep(POLL_S)
        return last

    # ------------------------------------------------------------------------------------- database
    def rows(self, caller: str) -> list[tuple[Call, TicketDraft | None]]:
        """Every call of ``caller`` with its draft."""
        with self.sessions() as session:
            calls = session.scalars(select(Call).where(Call.caller_number == caller)).all()
            return [(c, session.get(TicketDraft, c.draft_id) if c.draft_id else None) for c in calls]

    def ended_call(self, caller: str, seconds: float = 10) -> tuple[Call, TicketDraft]:
        """The single call of ``caller`` once its IVR part has ended (bounded wait)."""

        def done() -> tuple[Call, TicketDraft] | None:
            found = self.rows(caller)
            if len(found) == 1 and found[0][0].end_reason is not None and found[0][1] is not None:
                call, draft = found[0]
                assert draft is not None
                return call, draft
            assert len(found) <= 1, f"{len(found)} call rows for {caller}"
            return None

        return wait_for(done, seconds, f"the call of {caller} to end in the database")

    def remove_recordings(self) -> None:
        """Delete the recordings our calls left in the chroot's spool (named after their channel)."""
        with contextlib.suppress(Exception), self.sessions() as session:
            for channel_id in session.scalars(select(Call.channel_id)).all():
                prefix = "call-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in channel_id)
                for path in self.target.recordings_dir.glob(f"{prefix}-*"):
                    path.unlink(missing_ok=True)

    def all_calls(self) -> list[Call]:
        with self.sessions() as session:
            return list(session.scalars(select(Call)).all())


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@contextlib.contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        timings[label] = time.monotonic() - start
