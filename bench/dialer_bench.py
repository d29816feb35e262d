"""The outbound dialer under a campaign: N due 回访 survey jobs, the pace it keeps, what each job costs it,
and whether any number is called twice.

One Asterisk sandbox of its own (free ports, ``/etc/asterisk/hotline-bench-dialer``), a SQLite file with N
due survey jobs (distinct numbers, one attempt each), one SIPp on the citizens' side of the trunk that
answers every call and hangs up after ``talk_ms`` (no survey app runs: Asterisk apologises and hangs up,
the dialer counts the attempt as failed — what is measured is the dialling, not the survey). Printed:

- **baseline**: a bare AMI loop in this process sending the same Originates at the same pace with
  ``asyncio.sleep`` between them (no database, no job rules): achieved rate and CPU per originate;
- **dialer**: :class:`~agent_bridge.dialer.dialer.OutboundDialer` working the jobs: achieved rate ÷ the
  configured pace, the most originates in any 1-second window (bursts above the pace), CPU per job in this
  process (job rules, database, AMI events), and dialer ÷ baseline;
- **duplicates**: numbers whose INVITEs (as SIPp saw them) outnumber the attempts the database recorded.

It measures; it never asserts.

    python -m bench.dialer_bench [--jobs 10000] [--pace 20]
    hotline bench dialer ...            (same options)

Needs root (the sandbox chroot) and sipp. See bench/README.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from agent_bridge.ami.connection import AmiConnection, AmiTarget
from agent_bridge.dialer import originate as plan_of
from agent_bridge.dialer.dialer import DialerConfig, OutboundDialer
from agent_bridge.dialer.originate import DialPlan
from sandbox import Sandbox
from sandbox.ports import free_ports, free_udp_range
from sandbox.sipp.phone import CitizenLine, invites_by_number
from sandbox.sipp.scenario import Answer
from ticketing.db.engine import make_engine, make_sessionmaker
from ticketing.db.migrate import upgrade
from ticketing.outbound.jobs import RetryPolicy
from ticketing.outbound.models import OutboundAttempt, OutboundJob
from ticketing.outbound.policy import OutboundPolicy
from ticketing.outbound.service import Dial
from ticketing.outbound.vocabulary import JobKind, JobState
from ticketing.outbound.windows import CallingWindows

CONFIG_DIR = "/etc/asterisk/hotline-bench-dialer"
Echo = Callable[[str], None]


@dataclass(frozen=True)
class DialerBenchConfig:
    """What to measure."""

    jobs: int = 10_000
    pace: float = 20.0  # originates per second
    max_concurrent: int = 300  # high enough that the pace, not the cap, limits
    baseline: int = 1_000  # originates of the bare AMI loop
    talk_ms: int = 500


@dataclass
class Run:
    """One way of dialling: when each originate went out, and the CPU it took."""

    name: str
    times: list[float]
    cpu_s: float

    def rate(self) -> float:
        span = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        return (len(self.times) - 1) / span if span > 0 else float("nan")

    def busiest_second(self) -> int:
        window: deque[float] = deque()
        most = 0
        for t in self.times:
            window.append(t)
            while window and window[0] <= t - 1.0:
                window.popleft()
            most = max(most, len(window))
        return most

    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu_s / len(self.times) if self.times else float("nan")


def run_benchmark(config: DialerBenchConfig, echo: Echo | None = None) -> tuple[Run, Run, int]:
    """Baseline, then the dialer; prints a table; returns both runs and the number of duplicates."""
    say = echo or print
    if shutil.which("sipp") is None:
        raise RuntimeError("missing tools: sipp (apt-get install sip-tester)")
    if os.geteuid() != 0:
        raise RuntimeError("run as root: the Asterisk sandbox is a chroot")
    box = Sandbox(config_dir=CONFIG_DIR, ports=free_ports(), log=lambda _: None)
    box.up()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-dialer-"))
    line = CitizenLine(port=box.ports.trunk, media_port=free_udp_range(4))
    total = config.jobs + config.baseline
    answering = line.answer(tmp, Answer(ring_ms=50, talk_ms=config.talk_ms), calls=total, timeout_s=7200)
    try:
        user, secret = box.ami_credentials
        target = AmiTarget("127.0.0.1", box.ports.ami, user, secret, "bench")
        say(f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}")
        say(f"Asterisk {box.version()}; {config.jobs} due survey jobs; pace {config.pace}/s")
        baseline = asyncio.run(_baseline(target, config))
        url = f"sqlite:///{tmp}/dialer.sqlite3"
        upgrade(url)
        numbers = _make_jobs(url, config.jobs)
        dialer = asyncio.run(_dialer(target, url, config))
        duplicates = _duplicates(tmp, url, numbers, total)
        say("| run | originates | rate /s | rate ÷ pace | most in 1 s | CPU ms each |")
        say("|---|---:|---:|---:|---:|---:|")
        for run in (baseline, dialer):
            say(
                f"| {run.name} | {len(run.times)} | {run.rate():.2f} | {run.rate() / config.pace:.3f} | "
                f"{run.busiest_second()} | {run.cpu_ms_each():.2f} |"
            )
        ratio = dialer.cpu_ms_each() / baseline.cpu_ms_each() if baseline.cpu_ms_each() > 0 else float("nan")
        say(f"dialer ÷ baseline CPU per originate: {ratio:.2f}")
        say(f"numbers called more often than the attempts recorded: {duplicates}")
        return baseline, dialer, duplicates
    finally:
        if answering.poll() is None:
            answering.kill()
            answering.wait(10)
        box.down()
        shutil.rmtree(tmp, ignore_errors=True)


async def _baseline(target: AmiTarget, config: DialerBenchConfig) -> Run:
    ami = AmiConnection(target)
    runner = asyncio.create_task(ami.run())
    try:
        await asyncio.wait_for(ami.connected.wait(), 30)
        plan = DialPlan(ring_timeout_s=20)
        times: list[float] = []
        cpu = time.process_time()
        start = time.monotonic()
        for i in range(config.baseline):
            due = start + i / config.pace
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            dial = _dial(f"+86137{i:08d}")
            times.append(time.monotonic())
            await ami.send(plan_of.originate(dial, plan), action_id=plan_of.action_id(dial.attempt_id))
        return Run("bare AMI loop (baseline)", times, time.process_time() - cpu)
    finally:
        await ami.stop()
        runner.cancel()


def _dial(phone: str) -> Dial:
    return Dial(
        attempt_id=uuid.uuid4(), job_id=uuid.uuid4(), kind=JobKind.SURVEY, number=1, phone=phone,
        dial_number=phone.removeprefix("+86"), skill=None, call_id=None, draft_id=None, provider="ami",
    )  # fmt: skip


def _make_jobs(url: str, count: int) -> list[str]:
    engine = make_engine(url)
    now = datetime.now(UTC)
    numbers = [f"+86139{i:08d}" for i in range(count)]
    rows = [
        {"id": uuid.uuid4(), "kind": JobKind.SURVEY.value, "state": JobState.DUE.value, "phone": phone,
         "due_at": now - timedelta(minutes=1), "dials": 0, "attempts": 0, "max_attempts": 1,
         "provider": "ami", "created_at": now, "updated_at": now}
        for phone in numbers
    ]  # fmt: skip
    with make_sessionmaker(engine).begin() as session:
        session.execute(insert(OutboundJob), rows)
    engine.dispose()
    return numbers


async def _dialer(target: AmiTarget, url: str, config: DialerBenchConfig) -> Run:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    policy = OutboundPolicy(
        windows=CallingWindows.parse("00:00-24:00", workdays_only=False),
        retry=RetryPolicy(max_attempts=1, spacing=timedelta(hours=1)),
        survey_delay_workdays=0,
    )
    dialer_config = DialerConfig(
        pace=config.pace, max_concurrent=config.max_concurrent, plan=DialPlan(ring_timeout_s=20),
        kinds=frozenset({JobKind.SURVEY}), poll_s=0.2, schedule_s=3600,
    )  # fmt: skip
    dialer = OutboundDialer(AmiConnection(target), sessions, policy, dialer_config)
    cpu = time.process_time()
    runner = asyncio.create_task(dialer.run())
    try:
        while True:
            await asyncio.sleep(0.5)
            with sessions() as session:
                due = session.scalar(
                    select(func.count())
                    .select_from(OutboundJob)
                    .where(OutboundJob.state == JobState.DUE.value)
                )
            if not due:
                break
        times = list(dialer.stats.originate_times)
        return Run("OutboundDialer", times, time.process_time() - cpu)
    finally:
        await dialer.stop()
        runner.cancel()
        engine.dispose()


def _duplicates(folder: Path, url: str, numbers: Sequence[str], total: int) -> int:
    """Numbers SIPp saw more INVITEs for than the database has attempts (waits, bounded, for the last)."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        attempts = dict(
            session.execute(
                select(OutboundJob.phone, func.count(OutboundAttempt.id))
                .join(OutboundAttempt, OutboundAttempt.job_id == OutboundJob.id)
                .group_by(OutboundJob.phone)
            ).all()
        )
    engine.dispose()
    deadline = time.monotonic() + 120
    while True:
        seen = invites_by_number(folder)
        if sum(seen.values()) >= total or time.monotonic() > deadline:
            break
        time.sleep(2)
    return sum(1 for phone in numbers if seen[phone.removeprefix("+86")] > attempts.get(phone, 0))


def main() -> None:
    """``python -m bench.dialer_bench``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=DialerBenchConfig.jobs)
    parser.add_argument("--pace", type=float, default=DialerBenchConfig.pace)
    args = parser.parse_args()
    run_benchmark(DialerBenchConfig(jobs=args.jobs, pace=args.pace))


if __name__ == "__main__":
    main()
