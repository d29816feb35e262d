"""Audio conversion: any rate/channels → mono int16 at the model rate; corrupt files; byte order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from asr.audio import StreamResampler, load_audio, resample_int16, swap_int16_bytes, to_mono_int16
from asr.errors import AudioError


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * freq * t)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_8k_stereo_wav_becomes_16k_mono(tmp_path: Path) -> None:
    left = sine(440, 8000, 1.0)
    stereo = np.stack([left, 0.5 * left], axis=1)  # same tone, louder left channel
    path = tmp_path / "tone.wav"
    soundfile.write(path, stereo, 8000, subtype="PCM_16")
    audio = load_audio(path, 16_000)
    assert audio.samples.dtype == np.int16
    assert audio.samples.ndim == 1
    assert (audio.rate, audio.source_rate, audio.source_channels) == (16_000, 8000, 2)
    assert len(audio.samples) == 16_000
    assert audio.duration == pytest.approx(1.0)
    assert peak_hz(audio.samples, 16_000) == pytest.approx(440, abs=2)
    # mean of 0.5 and 0.25 amplitude channels = 0.375 of full scale
    assert np.abs(audio.samples[2000:-2000]).max() == pytest.approx(0.375 * 32767, rel=0.03)


@pytest.mark.parametrize(("fmt", "ext"), [("FLAC", ".flac"), ("OGG", ".ogg")])
def test_flac_and_ogg(tmp_path: Path, fmt: str, ext: str) -> None:
    path = tmp_path / f"tone{ext}"
    soundfile.write(path, sine(1000, 44_100, 0.5), 44_100, format=fmt)
    audio = load_audio(path, 16_000)
    assert len(audio.samples) == 8000
    assert peak_hz(audio.samples, 16_000) == pytest.approx(1000, abs=4)


def test_asterisk_wav16_is_read_as_wav(tmp_path: Path) -> None:
    path = tmp_path / "call.wav16"
    soundfile.write(path, sine(300, 16_000, 0.25), 16_000, format="WAV", subtype="PCM_16")
    audio = load_audio(path, 16_000)
    assert audio.source_rate == 16_000
    assert len(audio.samples) == 4000


@pytest.mark.parametrize(
    "content",
    [b"", b"RIFF\x00\x00\x00\x00WAVEjunk", b"not audio at all" * 10],
    ids=["empty", "truncated-riff", "garbage"],
)
def test_corrupt_files_raise_audio_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=r"bad\.wav"):
        load_audio(path, 16_000)


def test_missing_and_silent_files(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such"):
        load_audio(tmp_path / "nope.wav", 16_000)
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), 16_000, format="WAV", subtype="PCM_16")
    with pytest.raises(AudioError, match="no audio"):
        load_audio(empty, 16_000)


def test_to_mono_int16_scales_integers_and_clips() -> None:
    ints = np.array([[16384, -16384], [32767, 32767]], dtype=np.int16)
    assert to_mono_int16(ints, 16_000, 16_000).tolist() == [0, 32766]
    assert to_mono_int16(np.array([2.0, -2.0]), 8000, 8000).tolist() == [32767, -32768]
    with pytest.raises(AudioError):
        to_mono_int16(np.zeros((2, 2, 2)), 8000, 8000)


def test_resample_int16_and_stream_resampler_agree_on_length() -> None:
    samples = to_mono_int16(sine(200, 8000, 1.0), 8000, 8000)
    assert resample_int16(samples, 8000, 8000) is samples
    assert len(resample_int16(samples, 8000, 16_000)) == 16_000
    resampler = StreamResampler(8000, 16_000)
    pcm = samples.tobytes()
    out = b"".join(resampler.process(pcm[i : i + 320]) for i in range(0, len(pcm), 320))
    out += resampler.process(b"", last=True)
    assert abs(len(out) // 2 - 16_000) <= 2


def test_swap_int16_bytes() -> None:
    big_endian = np.array([1, -2, 300], dtype=">i2").tobytes()
    assert np.frombuffer(swap_int16_bytes(big_endian), dtype="<i2").tolist() == [1, -2, 300]
    with pytest.raises(AudioError):
        swap_int16_bytes(b"\x00")
