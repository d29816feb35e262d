"""The recorded path: an audio file (WAV/FLAC/OGG/Asterisk ``.wav16``) → :class:`Transcript`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

from asr.audio import load_audio
from asr.engine import AsrEngine, Transcript
from asr.errors import AsrError


def transcribe_file(
    engine: AsrEngine, path: str | Path, model: str, grammar: Sequence[str] | None = None
) -> Transcript:
    """Read ``path``, convert it to mono int16 at the model's rate and recognise it on the engine's pool.

    ``elapsed`` (and so ``rtf``) covers decoding, resampling and recognition. Raises :class:`AudioError`
    for unreadable files, :class:`ModelMissing` / :class:`ModelCorrupt` for model problems and
    :class:`RecognizerError` for an unusable grammar.
    """
    started = time.perf_counter()
    rate = engine.sample_rate(model)
    audio = load_audio(path, rate)
    transcript = engine.transcribe_samples(audio.samples, audio.rate, model=model, grammar=grammar)
    return replace(transcript, elapsed=time.perf_counter() - started)


def transcribe_files(
    engine: AsrEngine,
    paths: Iterable[str | Path],
    model: str,
    grammar: Sequence[str] | None = None,
) -> Iterator[tuple[Path, Transcript | AsrError]]:
    """Transcribe many files on all of the engine's workers; yields ``(path, result)`` in input order.

    ``elapsed`` is the file's decoding plus its recognition time (not its wait in the queue). At most
    ``2 × workers`` files are decoded and in flight at a time. A file that fails yields its
    :class:`AsrError` (e.g. :class:`AudioError`) instead of stopping the batch; a missing model raises
    before the first file.
    """
    rate = engine.sample_rate(model)
    pending: deque[tuple[Path, float, Future[Transcript] | AsrError]] = deque()
    limit = 2 * engine.workers

    def drain_one() -> tuple[Path, Transcript | AsrError]:
        path, decoding, job = pending.popleft()
        if isinstance(job, AsrError):
            return path, job
        try:
            transcript = job.result()
        except AsrError as exc:
            return path, exc
        return path, replace(transcript, elapsed=transcript.elapsed + decoding)

    for raw in paths:
        path = Path(raw)
        started = time.perf_counter()
        try:
            audio = load_audio(path, rate)
            decoding = time.perf_counter() - started
            job: Future[Transcript] | AsrError = engine.submit_samples(
                audio.samples, audio.rate, model=model, grammar=grammar
            )
        except AsrError as exc:
            job, decoding = exc, 0.0
        pending.append((path, decoding, job))
        while len(pending) >= limit:
            yield drain_one()
    while pending:
        yield drain_one()
