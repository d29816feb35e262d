"""IVR menu benchmark: the ARI menu (our ``hotline ivr run`` process) next to the same menu in pure dialplan.

One Asterisk sandbox instance of its own (SIP 55060, AMI 55038, HTTP/ARI 58088, RTP 56000-57999, config
``/etc/asterisk/hotline-bench``, ``HOTLINE_BENCH=1``) and one IVR subprocess (``python -m hotline.cli ivr
run`` with its own settings: that instance's ARI, a SQLite file in a temp directory). A SIPp load ramp
(one scenario, SIPp's ``-r``/``-l``/``-m``) calls either ``12345`` (the ARI menu) or ``bench-menu`` (the
``bench-dialplan-menu`` context) on the same Asterisk, target after target within each step, in the same
run. Per step and target it prints successful and failed calls, calls/s, p95 INVITE→200 and INVITE→first
prompt audio (both from a loopback capture, :mod:`bench.ivr_pcap`), the calls Asterisk saw in the queue,
and the CPU seconds of our process and of Asterisk; then ARI calls/s ÷ dialplan calls/s per step. It
measures; it never asserts on times.

    python -m bench.ivr_bench [--steps 20,50,100,200] [--step-seconds 40]
    hotline bench ivr ...                (same options)

Needs root (the sandbox chroot, tcpdump), sipp and tcpdump. See bench/README.md.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.ivr_pcap import CallTiming, LoopbackCapture
from ivr.prompts import SOUNDS_SUBDIR, build_prompts, wav_info
from sandbox import Ports, RenderConfig, Sandbox
from sandbox.runtime import sounds_dir
from sandbox.sipp.load import SippLoad, run_load, scenario, write_callers, write_silence_pcap

REPO_ROOT = Path(__file__).resolve().parent.parent
PORTS = Ports(sip=55060, ami=55038, http=58088, rtp_start=56000, rtp_end=57999, trunk=55070)
CONFIG_DIR = "/etc/asterisk/hotline-bench"
SIPP_PORT = 55100
SIPP_MEDIA_PORT = 55200
QUEUE = "hotline-general"  # where key 0 leads, in both menus
RECORDINGS = "/var/spool/asterisk/recording"
CLK_TCK = os.sysconf("SC_CLK_TCK")

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One way through the menu: what SIPp dials."""

    name: str
    service: str
    code: str  # one digit in the callers' numbers


TARGETS = (Target("dialplan", "bench-menu", "1"), Target("ari", "12345", "2"))


@dataclass(frozen=True)
class IvrBenchConfig:
    """Options of one benchmark run."""

    steps: tuple[int, ...] = (20, 50, 100, 200)
    step_seconds: float = 40.0
    digit: str = "0"  # 0 = agent: welcome → (key) → transfer notice → general queue, in both menus
    key_after_ms: int = 1000
    in_queue_ms: int = 2500  # how long the caller waits in the queue before hanging up
    warmup_calls: int = 10
    db_url: str | None = None
    config_dir: str = CONFIG_DIR
    ports: Ports = PORTS
    keep_log: bool = False


@dataclass
class StepResult:
    """One step of one target."""

    step: int
    target: str
    concurrency: int
    rate: float
    offered: int
    sipp_ok: int
    sipp_failed: int
    elapsed_s: float
    queued: int
    answer_p95_ms: float | None
    prompt_p95_ms: float | None
    prompt_p50_ms: float | None
    no_prompt: int
    cpu_ours_s: float
    cpu_asterisk_s: float
    sipp_rc: int
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """Calls that SIPp completed *and* that reached the queue (Asterisk's count of callers who left
        it): a caller answered so late that it hung up before the queue completed its scenario in SIPp,
        but the menu did not serve it."""
        return min(self.sipp_ok, self.queued)

    @property
    def failed(self) -> int:
        return self.offered - self.ok

    @property
    def calls_per_s(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0


# --------------------------------------------------------------------------------------------- helpers
def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from ``/proc/<pid>/stat``."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0–1); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def machine_facts(sandbox: Sandbox) -> str:
    """nproc, memory, kernel, Python, Asterisk and SIPp versions."""
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    sipp = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False).stdout
    sipp_version = next((ln.strip() for ln in sipp.splitlines() if "SIPp" in ln), "SIPp ?")
    return (
        f"{os.cpu_count()} CPUs (nproc), {mem_kib / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, {sandbox.version() or 'Asterisk ?'}, {sipp_version}"
    )


class IvrProcess:
    """``hotline ivr run`` in a subprocess with settings for the benchmark instance."""

    def __init__(self, sandbox: Sandbox, db_url: str, log_path: Path) -> None:
        user, password = sandbox.ari_credentials
        self.app = sandbox.config.ari_app
        self.url = sandbox.ari_url
        self.auth = (user, password)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            {
                "HOTLINE_PROFILE": "dev",
                "HOTLINE_DATABASE_URL": db_url,
                "HOTLINE_ARI_URL": sandbox.ari_url,
                "HOTLINE_ARI_USERNAME": user,
                "HOTLINE_ARI_PASSWORD": password,
                "HOTLINE_ARI_APP": self.app,
                "HOTLINE_RECORDINGS_DIR": str(sandbox.host_path(RECORDINGS)),
                "PYTHONPATH": str(REPO_ROOT),
            }
        )
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "ivr", "run"],
            env=env,
            cwd=log_path.parent,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def wait_registered(self, seconds: float = 30.0) -> None:
        """Until Asterisk lists our Stasis app (the IVR connected its websocket)."""
        deadline = time.monotonic() + seconds
        with httpx.Client(base_url=self.url, auth=self.auth, timeout=5) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise RuntimeError(
                        f"the IVR process exited (rc {self.proc.returncode}):\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"/applications/{self.app}").status_code == 200:
                        return
                time.sleep(0.3)
        raise RuntimeError(f"the IVR did not register {self.app} within {seconds:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGINT (``hotline ivr run`` stops on Ctrl-C), then SIGTERM/SIGKILL if it lingers."""
        if self.proc.poll() is None:
            for sig, wait in ((2, 10), (15, 5), (9, 5)):
                with contextlib.suppress(ProcessLookupError):
                    self.proc.send_signal(sig)
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


# --------------------------------------------------------------------------------------------- the run
class IvrBench:
    """The sandbox instance, the IVR process and the load steps of one run."""

    def __init__(self, config: IvrBenchConfig, folder: Path, echo: Echo) -> None:
        self.config = config
        self.folder = folder
        self.echo = echo
        self.sandbox = Sandbox(
            config_dir=config.config_dir,
            ports=config.ports,
            config=RenderConfig(bench_enabled=True),
            log=echo,
        )
        self.ivr: IvrProcess | None = None
        self.prompts: dict[str, float] = {}

    # ----------------------------------------------------------------------------------------- setup
    def start(self) -> None:
        self.echo(self.sandbox.up())
        out = sounds_dir(self.sandbox.root, SOUNDS_SUBDIR)
        build_prompts(out)  # idempotent; both menus play these files
        self.prompts = {p: wav_info(out / f"{p}.wav").seconds for p in ("welcome", "menu", "transfer_agent")}
        db_url = self.config.db_url or f"sqlite:///{self.folder / 'ivr-bench.sqlite3'}"
        self.ivr = IvrProcess(self.sandbox, db_url, self.folder / "ivr.log")
        self.ivr.wait_registered()
        self.echo(
            f"IVR process pid {self.ivr.pid} registered as {self.ivr.app}; database {db_url.split('@')[-1]}"
        )

    def stop(self) -> None:
        if self.ivr is not None:
            self.ivr.stop()
            self.ivr = None
        self.echo(self.sandbox.down())
        if not self.config.keep_log:  # this instance's logs only (console, messages, queue_log …)
            for path in self.sandbox.host_path(self.sandbox.config.log_dir).glob("*"):
                with contextlib.suppress(OSError):
                    if path.is_file():
                        path.unlink()

    # ----------------------------------------------------------------------------------------- calls
    @property
    def hold_ms(self) -> int:
        """From the key to the BYE: the transfer notice, then ``in_queue_ms`` waiting in the queue."""
        return round(self.prompts["transfer_agent"] * 1000) + self.config.in_queue_ms

    @property
    def call_s(self) -> float:
        """Planned length of a call from the INVITE (answered at once, then key and hold)."""
        return (self.config.key_after_ms + self.hold_ms) / 1000

    def queue_stats(self) -> tuple[int, int]:
        """(completed, abandoned) of the queue since the last reset."""
        shown = self.sandbox.cli(f"queue show {QUEUE}")
        completed = re.search(r"\bC:(\d+)", shown)
        abandoned = re.search(r"\bA:(\d+)", shown)
        return (int(completed.group(1)) if completed else 0, int(abandoned.group(1)) if abandoned else 0)

    def wait_idle(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            shown = self.sandbox.cli("core show channels count")
            if re.search(r"^0 active channels", shown, re.MULTILINE):
                return
            time.sleep(0.5)
        self.echo(f"  warning: channels still active after {seconds:.0f} s")

    def run_step(self, step: int, concurrency: int, target: Target, calls: int | None = None) -> StepResult:
        assert self.ivr is not None
        asterisk_pid = self.sandbox.pid
        if asterisk_pid is None:
            raise RuntimeError(f"Asterisk is not running:\n{self.sandbox._log_tail()}")
        if not self.ivr.alive():
            raise RuntimeError(f"the IVR process died:\n{self.ivr.log_tail()}")
        self.wait_idle()
        rate = round(concurrency / self.call_s, 2)
        total = calls if calls is not None else max(concurrency, round(rate * self.config.step_seconds))
        callers = self.folder / "callers.csv"
        write_callers(callers, f"13{target.code}{step % 10}", total)
        load = SippLoad(
            service=target.service,
            rate=rate,
            limit=concurrency,
            calls=total,
            port=self.config.ports.sip,
            local_port=SIPP_PORT,
            media_port=SIPP_MEDIA_PORT,
            timeout_s=int(self.config.step_seconds + 3 * self.call_s + 120),
        )
        silence = self.folder / "silence.pcap"
        write_silence_pcap(silence)
        xml = scenario(self.config.digit, self.config.key_after_ms, self.hold_ms, silence)
        self.sandbox.cli(f"queue reset stats {QUEUE}")
        ports = self.config.ports
        capture = LoopbackCapture(self.folder, ports.sip, (ports.rtp_start, ports.rtp_end))
        ours0, ast0 = cpu_seconds(self.ivr.pid), cpu_seconds(asterisk_pid)
        with capture:
            result = run_load(load, self.folder, xml, callers)
            time.sleep(0.5)  # the last packets reach the capture; the IVR finishes its last reports
        ours1, ast1 = cpu_seconds(self.ivr.pid), cpu_seconds(asterisk_pid)
        timings: list[CallTiming] = capture.timings()
        capture.remove()
        self.wait_idle()
        _, abandoned = self.queue_stats()
        answers = [t.answer_ms for t in timings if t.answer_ms is not None]
        prompts = [t.first_prompt_ms for t in timings if t.first_prompt_ms is not None]
        notes = []
        if result.returncode not in (0, 1):  # 1 = some calls failed, reported in the table
            notes.append(f"sipp rc {result.returncode}: {result.stderr.strip()[-300:]}")
        return StepResult(
            step=step,
            target=target.name,
            concurrency=concurrency,
            rate=rate,
            offered=total,
            sipp_ok=result.successful,
            sipp_failed=result.failed,
            elapsed_s=result.elapsed_s,
            queued=abandoned,
            answer_p95_ms=percentile(answers, 0.95),
            prompt_p95_ms=percentile(prompts, 0.95),
            prompt_p50_ms=percentile(prompts, 0.50),
            no_prompt=sum(1 for t in timings if t.answer is not None and t.first_rtp is None),
            cpu_ours_s=ours1 - ours0,
            cpu_asterisk_s=ast1 - ast0,
            sipp_rc=result.returncode,
            notes=notes,
        )


# --------------------------------------------------------------------------------------------- output
def table(rows: list[StepResult]) -> list[str]:
    """The results as a Markdown table."""
    lines = [
        "| step | target | offered concurrency (rate) | calls ok | failed | SIPp ok / failed | calls/s | "
        "p95 answer / first-prompt ms | p50 first-prompt ms | no prompt | CPU s ours | CPU s Asterisk |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.step} | {r.target} | {r.concurrency} ({r.rate:g}/s) | {r.ok:,}/{r.offered:,} "
            f"| {r.failed:,} | {r.sipp_ok:,} / {r.sipp_failed:,} | {r.calls_per_s:.2f} "
            f"| {_fmt_ms(r.answer_p95_ms)} / {_fmt_ms(r.prompt_p95_ms)} | {_fmt_ms(r.prompt_p50_ms)} "
            f"| {r.no_prompt:,} | {r.cpu_ours_s:.1f} | {r.cpu_asterisk_s:.1f} |"
        )
    return lines


def ratios(rows: list[StepResult]) -> list[str]:
    """ARI calls/s ÷ dialplan calls/s per step (goal ≥ 0.9), with CPU per offered call."""
    lines = [
        "| step | offered concurrency | ARI ÷ dialplan calls/s | ours CPU ms/offered call (ARI) | "
        "Asterisk CPU ms/offered call ARI vs dialplan |",
        "|---:|---:|---:|---:|---:|",
    ]
    by_step: dict[int, dict[str, StepResult]] = {}
    for r in rows:
        by_step.setdefault(r.step, {})[r.target] = r
    for step, pair in sorted(by_step.items()):
        ari, plan = pair.get("ari"), pair.get("dialplan")
        if ari is None or plan is None:
            continue
        ratio = ari.calls_per_s / plan.calls_per_s if plan.calls_per_s else float("nan")
        ours = 1000 * ari.cpu_ours_s / max(1, ari.offered)
        ast_ari = 1000 * ari.cpu_asterisk_s / max(1, ari.offered)
        ast_plan = 1000 * plan.cpu_asterisk_s / max(1, plan.offered)
        lines.append(
            f"| {step} | {ari.concurrency} | {ratio:.2f}{'' if ratio >= 0.9 else ' (below 0.9)'} "
            f"| {ours:.1f} | {ast_ari:.1f} vs {ast_plan:.1f} |"
        )
    return lines


# --------------------------------------------------------------------------------------------- entry
def check_tools() -> None:
    missing = [tool for tool in ("sipp", "tcpdump") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"missing tools: {', '.join(missing)} (apt-get install sip-tester tcpdump)")
    if os.geteuid() != 0:
        raise RuntimeError("run as root: the Asterisk sandbox is a chroot and tcpdump captures on lo")


@contextlib.contextmanager
def _bench(config: IvrBenchConfig, echo: Echo) -> Iterator[IvrBench]:
    with tempfile.TemporaryDirectory(prefix="hotline-ivr-bench-") as tmp:
        bench = IvrBench(config, Path(tmp), echo)
        try:
            bench.start()
            yield bench
        except BaseException:
            if bench.ivr is not None:
                echo(f"IVR log tail:\n{bench.ivr.log_tail()}")
            raise
        finally:
            bench.stop()


def run_benchmark(config: IvrBenchConfig, echo: Echo | None = None) -> list[StepResult]:
    """Run the ramp for both targets; print the tables; return the rows."""
    out: Echo = echo or (lambda line: print(line, flush=True))
    check_tools()
    rows: list[StepResult] = []
    with _bench(config, out) as bench:
        out(f"machine: {machine_facts(bench.sandbox)}")
        out(
            f"call: INVITE, key {config.digit!r} after {config.key_after_ms} ms (welcome "
            f"{bench.prompts['welcome']:.1f} s), transfer notice {bench.prompts['transfer_agent']:.1f} s, "
            f"{config.in_queue_ms} ms in the queue, BYE; planned length {bench.call_s:.1f} s"
        )
        for target in TARGETS:  # warm-up: imports, SQL compilation caches, Asterisk's sound file cache
            warm = bench.run_step(0, min(5, config.warmup_calls), target, calls=config.warmup_calls)
            out(f"warm-up {target.name}: {warm.ok}/{warm.offered} ok")
        for index, concurrency in enumerate(config.steps, start=1):
            order = TARGETS if index % 2 else tuple(reversed(TARGETS))  # alternate who goes first
            for target in order:
                out(f"step {index}: {target.name}, concurrency {concurrency} …")
                row = bench.run_step(index, concurrency, target)
                rows.append(row)
                out(
                    f"  {row.ok}/{row.offered} ok (SIPp {row.sipp_ok} ok, {row.sipp_failed} failed; "
                    f"{row.queued} in queue), {row.calls_per_s:.2f} calls/s, "
                    f"p95 answer {_fmt_ms(row.answer_p95_ms)} ms, "
                    f"first prompt {_fmt_ms(row.prompt_p95_ms)} ms, "
                    f"no prompt {row.no_prompt}, CPU ours {row.cpu_ours_s:.1f} s, "
                    f"Asterisk {row.cpu_asterisk_s:.1f} s"
                )
                for note in row.notes:
                    out(f"  note: {note}")
    out("")
    for line in table(rows):
        out(line)
    out("")
    for line in ratios(rows):
        out(line)
    return rows


def main() -> None:
    """``python -m bench.ivr_bench``: the same command as ``hotline bench ivr``."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.cli import ivr_command

    ivr_command.main(prog_name="python -m bench.ivr_bench")


if __name__ == "__main__":
    main()
