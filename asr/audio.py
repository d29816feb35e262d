"""Audio in: files of any rate/channel count → mono 16-bit PCM at the model's rate.

Reads WAV, FLAC and OGG through soundfile (libsndfile), plus Asterisk's ``.wav16`` recordings, which are
plain RIFF WAV files at 16 kHz under another extension (the format is detected from the header).
Resampling uses soxr. The conversion helpers (:func:`to_mono_int16`, :func:`resample_int16`,
:func:`swap_int16_bytes`) are pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile
import soxr

from asr.errors import AudioError

Int16Array = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit samples at ``rate``, with what the source looked like."""

    samples: Int16Array
    rate: int
    source_rate: int
    source_channels: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate if self.rate else 0.0


def to_mono_int16(data: npt.NDArray[Any], source_rate: int, rate: int) -> Int16Array:
    """Down-mix (mean of channels), resample and convert float samples in [-1, 1] to int16.

    ``data`` is 1-D (mono) or 2-D ``(frames, channels)``; integer input is scaled from its dtype's range.
    """
    array = np.asarray(data)
    if array.ndim not in (1, 2):
        raise AudioError(f"expected 1-D or 2-D samples, got shape {array.shape}")
    if np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float32) / float(np.iinfo(array.dtype).max + 1)
    mono = array.mean(axis=1) if array.ndim == 2 else array
    mono = mono.astype(np.float32, copy=False)
    if source_rate != rate and len(mono):
        mono = soxr.resample(mono, source_rate, rate)
    return np.asarray(np.clip(np.rint(mono * 32767.0), -32768, 32767), dtype=np.int16)


def resample_int16(samples: Int16Array, source_rate: int, rate: int) -> Int16Array:
    """Resample mono int16 samples (no-op when the rates match)."""
    if source_rate == rate or not len(samples):
        return samples
    return np.asarray(soxr.resample(samples, source_rate, rate), dtype=np.int16)


def swap_int16_bytes(pcm: bytes) -> bytes:
    """Big-endian ↔ little-endian 16-bit PCM (Asterisk externalMedia ``slin16`` RTP is big-endian)."""
    if len(pcm) % 2:
        raise AudioError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    return np.frombuffer(pcm, dtype=">i2").astype("<i2").tobytes()


def load_audio(path: str | Path, rate: int) -> Audio:
    """Read an audio file and return it as mono int16 at ``rate``; :class:`AudioError` if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file", path=str(path))
    try:
        # libsndfile detects the container from the header, so Asterisk's ``.wav16`` needs no hint (and
        # soundfile refuses ``format=`` for existing non-RAW files anyway).
        with soundfile.SoundFile(str(path)) as handle:
            source_rate = int(handle.samplerate)
            channels = int(handle.channels)
            data = handle.read(dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        raise AudioError(f"{path}: unreadable audio ({exc})", path=str(path)) from None
    if data.size == 0:
        raise AudioError(f"{path}: contains no audio", path=str(path))
    samples = to_mono_int16(data, source_rate, rate)
    return Audio(samples=samples, rate=rate, source_rate=source_rate, source_channels=channels)


class StreamResampler:
    """Incremental mono int16 resampler for live streams (keeps filter state between chunks)."""

    def __init__(self, source_rate: int, rate: int) -> None:
        self.source_rate = source_rate
        self.rate = rate
        self._stream = soxr.ResampleStream(source_rate, rate, 1, dtype="int16")

    def process(self, pcm: bytes, *, last: bool = False) -> bytes:
        """Resample a chunk of little-endian int16 PCM; ``last=True`` flushes the filter tail."""
        if len(pcm) % 2:
            raise AudioError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
        chunk = np.frombuffer(pcm, dtype=np.int16)
        out = self._stream.resample_chunk(chunk, last=last)
        return np.asarray(out, dtype=np.int16).tobytes()
