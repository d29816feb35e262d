"""What a simulated citizen says: text spoken by espeak-ng, converted to the 8 kHz A-law WAV that SIPp's
``rtp_stream`` plays (a literal path, payload type 8). Used by the demo, the e2e and browser tests."""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

MANDARIN = "cmn-latn-pinyin"  # Debian's "cmn" voice reads Chinese as pinyin letters; this one speaks it
KOREAN = "ko"


@dataclass(frozen=True)
class Speech:
    """An utterance for SIPp: the A-law WAV and how long it lasts."""

    alaw: Path
    seconds: float


def synthesise(folder: Path, text: str, *, voice: str = MANDARIN, name: str = "speech") -> Speech:
    """Speak ``text`` with ``voice`` into ``folder/<name>.wav``, convert it to ``<name>-alaw.wav``.
    Raises :class:`RuntimeError` when espeak-ng or sox is missing."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise RuntimeError(
            "espeak-ng and sox are needed to speak for a citizen (apt-get install espeak-ng sox)"
        )
    raw, alaw = folder / f"{name}.wav", folder / f"{name}-alaw.wav"
    subprocess.run([espeak, "-v", voice, "-w", str(raw), text], check=True, capture_output=True, timeout=60)
    subprocess.run([sox, str(raw), "-r", "8000", "-c", "1", "-e", "a-law", str(alaw)], check=True, timeout=60)
    with wave.open(str(raw), "rb") as audio:
        return Speech(alaw, audio.getnframes() / audio.getframerate())
