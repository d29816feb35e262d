"""The recognition engine: one shared Vosk ``Model`` per model directory, one recognizer per stream.

* :class:`ModelCache` loads each model once (thread-safe) and keeps it for the life of the process.
* :class:`Recognizer` wraps one ``KaldiRecognizer`` (word timings on, optional grammar) and turns its JSON
  into typed :class:`Partial` / :class:`Final` results.
* :class:`AsrEngine` runs recognition in a bounded thread pool (Vosk's C calls release the GIL), for whole
  sample arrays (:meth:`AsrEngine.transcribe_samples`) and for live streams (:meth:`AsrEngine.open_stream`).
  Every stream gets a fresh recognizer that is dropped when the stream ends, so memory stays bounded.

The result types (:class:`Word`, :class:`Partial`, :class:`Final`, :class:`Transcript`) live in
:mod:`asr.results` and are re-exported here; see :mod:`asr.transcribe` for files.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from asr.audio import Int16Array, StreamResampler, resample_int16
from asr.errors import ModelCorrupt, RecognizerError
from asr.model_registry import (
    relative_files,
    resolve_model_path,
    sample_rate_from_mfcc_conf,
    supports_grammar,
)
from asr.results import (
    Final,
    Partial,
    Transcript,
    Word,
    check_grammar,
    join_segments,
    parse_final,
    parse_partial,
)

__all__ = [
    "AsrEngine",
    "Final",
    "LoadedModel",
    "ModelCache",
    "Partial",
    "Recognizer",
    "Stream",
    "Transcript",
    "Word",
]

CHUNK_SECONDS = 0.5  # how much audio transcribe_samples feeds per AcceptWaveform call

# -- models ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedModel:
    """A loaded Vosk model shared by all recognizers."""

    name: str
    path: Path
    vosk_model: Any = field(repr=False)
    sample_rate: int
    grammar_capable: bool
    load_seconds: float

    def knows(self, word: str) -> bool:
        """True when ``word`` is in the model's vocabulary."""
        return int(self.vosk_model.vosk_model_find_word(word)) >= 0


def _vosk_loader(path: str) -> Any:
    import vosk

    return vosk.Model(path)


class _Store:
    """Loaded models by resolved directory, with the locks that make loading happen once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path_locks: dict[Path, threading.Lock] = {}
        self.models: dict[Path, LoadedModel] = {}


_PROCESS_STORE = _Store()  # shared by every ModelCache that uses the real Vosk loader


class ModelCache:
    """Loads each model directory once and shares it (thread-safe).

    With the default (Vosk) loader the loaded models are shared process-wide: two caches (say the server's
    and a CLI command's, or two tests') never load the same directory twice. A custom ``loader`` (tests)
    gets a private store.
    """

    def __init__(
        self, models_dir: Path, *, log_level: int | None = -1, loader: Callable[[str], Any] | None = None
    ) -> None:
        self.models_dir = Path(models_dir)
        self._loader = loader or _vosk_loader
        store = _PROCESS_STORE if loader is None else _Store()
        self._lock = store.lock
        self._path_locks = store.path_locks
        self._models = store.models
        if log_level is not None:
            import vosk

            vosk.SetLogLevel(log_level)

    def get(self, model: str) -> LoadedModel:
        """The loaded model named (or pointed at) by ``model``; loads it on first use.

        Raises :class:`ModelMissing` when it is not installed, :class:`ModelCorrupt` when Vosk refuses it.
        """
        path = resolve_model_path(model, self.models_dir).resolve()
        with self._lock:
            cached = self._models.get(path)
            if cached is not None:
                return cached
            path_lock = self._path_locks.setdefault(path, threading.Lock())
        with path_lock:
            cached = self._models.get(path)
            if cached is None:
                cached = self._load(model, path)
                with self._lock:
                    self._models[path] = cached
        return cached

    def loaded(self) -> list[LoadedModel]:
        """The models loaded so far."""
        with self._lock:
            return list(self._models.values())

    def _load(self, name: str, path: Path) -> LoadedModel:
        started = time.perf_counter()
        try:
            vosk_model = self._loader(str(path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelCorrupt(
                f"Vosk cannot load model {name!r} from {path}: {exc}; try `hotline asr models verify {name}`",
                path=str(path),
            ) from None
        files = relative_files(path)
        conf = path / "conf" / "mfcc.conf"
        rate = sample_rate_from_mfcc_conf(conf.read_text(encoding="utf-8")) if conf.is_file() else 16_000
        return LoadedModel(
            name=name,
            path=path,
            vosk_model=vosk_model,
            sample_rate=rate,
            grammar_capable=supports_grammar(files),
            load_seconds=time.perf_counter() - started,
        )


# -- recognizers -----------------------------------------------------------------------------------------


class Recognizer:
    """One ``KaldiRecognizer`` at the model's sample rate, word timings on, optionally grammar-constrained."""

    def __init__(self, model: LoadedModel, grammar: Sequence[str] | None = None) -> None:
        import vosk

        self.model = model
        self.grammar: tuple[str, ...] | None = None
        if grammar is not None:
            if not model.grammar_capable:
                raise RecognizerError(
                    f"model {model.name} has a static graph (HCLG.fst) and cannot use a grammar; "
                    "use a small model (the menu model) for grammars"
                )
            self.grammar = tuple(check_grammar(grammar, model.knows))
            rec = vosk.KaldiRecognizer(
                model.vosk_model, float(model.sample_rate), json.dumps(list(self.grammar), ensure_ascii=False)
            )
        else:
            rec = vosk.KaldiRecognizer(model.vosk_model, float(model.sample_rate))
        rec.SetWords(True)
        self._rec: Any = rec
        self._last_partial = ""

    def accept(self, pcm: bytes) -> Partial | Final | None:
        """Feed little-endian int16 PCM at the model rate.

        Returns a :class:`Final` when an utterance ended, a :class:`Partial` when the running guess changed,
        else ``None``.
        """
        if self._rec is None:
            raise RecognizerError("recognizer already finished")
        if len(pcm) % 2:
            raise RecognizerError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
        if not pcm:
            return None
        if self._rec.AcceptWaveform(pcm):
            self._last_partial = ""
            return parse_final(self._rec.Result())
        partial = parse_partial(self._rec.PartialResult())
        if partial.text and partial.text != self._last_partial:
            self._last_partial = partial.text
            return partial
        return None

    def finish(self) -> Final:
        """Flush the recognizer and free it; returns the last utterance (possibly empty)."""
        if self._rec is None:
            raise RecognizerError("recognizer already finished")
        final = parse_final(self._rec.FinalResult())
        self._rec = None  # frees the C recognizer (its memory grows with use)
        return final


class Stream:
    """A live recognition stream (one caller): feed PCM chunks in order, get partials and finals.

    The synchronous methods run in the caller's thread; the ``*_async`` ones run in the engine's pool.
    Calls are serialised per stream; await each call before making the next to keep the audio in order.
    """

    def __init__(self, engine: AsrEngine, recognizer: Recognizer, rate: int) -> None:
        self._engine = engine
        self._recognizer = recognizer
        self._lock = threading.Lock()
        model_rate = recognizer.model.sample_rate
        self._resampler = StreamResampler(rate, model_rate) if rate != model_rate else None
        self.rate = rate
        self.segments: list[Final] = []
        self.samples_in = 0
        self.elapsed = 0.0
        self.finished = False

    def accept(self, pcm: bytes) -> Partial | Final | None:
        """Feed little-endian int16 PCM at the stream's rate (see :meth:`Recognizer.accept`)."""
        with self._lock:
            started = time.perf_counter()
            self.samples_in += len(pcm) // 2
            data = self._resampler.process(pcm) if self._resampler else pcm
            result = self._recognizer.accept(data)
            if isinstance(result, Final):
                self.segments.append(result)
            self.elapsed += time.perf_counter() - started
            return result

    def finish(self) -> Final:
        """End the stream: flush resampler and recognizer, return the last utterance; idempotent-safe."""
        with self._lock:
            if self.finished:
                raise RecognizerError("stream already finished")
            started = time.perf_counter()
            if self._resampler is not None:
                tail = self._resampler.process(b"", last=True)
                if tail:
                    result = self._recognizer.accept(tail)
                    if isinstance(result, Final):
                        self.segments.append(result)
            final = self._recognizer.finish()
            self.segments.append(final)
            self.finished = True
            self.elapsed += time.perf_counter() - started
            return final

    async def accept_async(self, pcm: bytes) -> Partial | Final | None:
        """:meth:`accept` in the engine's thread pool."""
        return await asyncio.wrap_future(self._engine.executor.submit(self.accept, pcm))

    async def finish_async(self) -> Final:
        """:meth:`finish` in the engine's thread pool."""
        return await asyncio.wrap_future(self._engine.executor.submit(self.finish))

    def transcript(self) -> Transcript:
        """Everything recognised so far (call after :meth:`finish` for the complete text)."""
        text, words = join_segments(self.segments)
        return Transcript(
            text=text,
            words=words,
            segments=tuple(self.segments),
            duration=self.samples_in / self.rate if self.rate else 0.0,
            elapsed=self.elapsed,
            model=self._recognizer.model.name,
            grammar=self._recognizer.grammar,
        )

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.finished:
            self.finish()


class AsrEngine:
    """Shared models + a bounded pool of recognizer threads."""

    def __init__(self, models: ModelCache, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.models = models
        self.workers = workers
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asr")

    def sample_rate(self, model: str) -> int:
        """The rate the model expects (loads the model)."""
        return self.models.get(model).sample_rate

    def open_stream(self, model: str, rate: int, grammar: Sequence[str] | None = None) -> Stream:
        """A new stream with its own recognizer; ``rate`` is the rate of the PCM you will feed."""
        return Stream(self, Recognizer(self.models.get(model), grammar), rate)

    def submit_samples(
        self, samples: Int16Array, rate: int, *, model: str, grammar: Sequence[str] | None = None
    ) -> Future[Transcript]:
        """Queue recognition of mono int16 ``samples`` at ``rate`` on the pool."""
        return self.executor.submit(self._recognize, samples, rate, model, grammar)

    def transcribe_samples(
        self, samples: Int16Array, rate: int, *, model: str, grammar: Sequence[str] | None = None
    ) -> Transcript:
        """Recognise mono int16 ``samples`` at ``rate`` (resampled to the model's rate) on the pool."""
        return self.submit_samples(samples, rate, model=model, grammar=grammar).result()

    async def transcribe_samples_async(
        self, samples: Int16Array, rate: int, *, model: str, grammar: Sequence[str] | None = None
    ) -> Transcript:
        """:meth:`transcribe_samples` for asyncio callers."""
        return await asyncio.wrap_future(self.submit_samples(samples, rate, model=model, grammar=grammar))

    def close(self) -> None:
        """Wait for queued work and stop the threads (models stay cached in :attr:`models`)."""
        self.executor.shutdown(wait=True)

    def __enter__(self) -> AsrEngine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _recognize(
        self, samples: Int16Array, rate: int, model: str, grammar: Sequence[str] | None
    ) -> Transcript:
        loaded = self.models.get(model)
        started = time.perf_counter()
        data = resample_int16(np.asarray(samples, dtype=np.int16), rate, loaded.sample_rate)
        recognizer = Recognizer(loaded, grammar)
        segments: list[Final] = []
        step = max(1, int(loaded.sample_rate * CHUNK_SECONDS))
        for offset in range(0, len(data), step):
            result = recognizer.accept(data[offset : offset + step].tobytes())
            if isinstance(result, Final):
                segments.append(result)
        segments.append(recognizer.finish())
        text, words = join_segments(segments)
        return Transcript(
            text=text,
            words=words,
            segments=tuple(segments),
            duration=len(samples) / rate if rate else 0.0,
            elapsed=time.perf_counter() - started,
            model=model,
            grammar=recognizer.grammar,
        )
