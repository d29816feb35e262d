"""Recognition results as typed values, and the pure parsing of Vosk's JSON into them.

Also the grammar check (:func:`check_grammar`), which needs only a "does the model know this word" function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from asr.errors import RecognizerError

UNKNOWN_WORD = "[unk]"


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span in seconds from the start of the stream."""

    text: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class Partial:
    """The recogniser's current guess for the utterance in progress (may still change)."""

    text: str


@dataclass(frozen=True)
class Final:
    """A finished utterance (an endpoint was detected, or the stream ended)."""

    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """Everything recognised in one piece of audio."""

    text: str
    words: tuple[Word, ...]
    segments: tuple[Final, ...]
    duration: float  # seconds of audio
    elapsed: float  # seconds of recognition (wall clock)
    model: str
    grammar: tuple[str, ...] | None = None

    @property
    def rtf(self) -> float:
        """Real-time factor: recognition time / audio time (below 1 is faster than real time)."""
        return self.elapsed / self.duration if self.duration > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["rtf"] = round(self.rtf, 4)
        return data


def parse_final(raw: str) -> Final:
    """Parse Vosk's ``Result()``/``FinalResult()`` JSON ``{"text", "result": [{word, start, end, conf}]}``."""
    data = _loads(raw)
    words = tuple(
        Word(
            text=str(w["word"]),
            start=float(w["start"]),
            end=float(w["end"]),
            conf=float(w.get("conf", 1.0)),
        )
        for w in data.get("result", ())
    )
    return Final(text=str(data.get("text", "")).strip(), words=words)


def parse_partial(raw: str) -> Partial:
    """Parse Vosk's ``PartialResult()`` JSON (``{"partial": "..."}``)."""
    return Partial(text=str(_loads(raw).get("partial", "")).strip())


def join_segments(segments: Sequence[Final]) -> tuple[str, tuple[Word, ...]]:
    """The text and words of consecutive utterances, as one."""
    text = " ".join(s.text for s in segments if s.text)
    return text, tuple(w for s in segments for w in s.words)


def check_grammar(phrases: Iterable[str], known: Callable[[str], bool]) -> list[str]:
    """Normalise a grammar (phrase list) and refuse words the model does not know.

    Vosk silently drops unknown words, which turns a menu typo into a phrase that can never match; here it
    is a :class:`RecognizerError` naming the words. ``[unk]`` (catch-all) is kept only if the model has it.
    """
    out: list[str] = []
    unknown: list[str] = []
    for phrase in phrases:
        norm = " ".join(phrase.split())
        if not norm:
            continue
        if norm == UNKNOWN_WORD:
            if known(UNKNOWN_WORD):
                out.append(norm)
            continue
        unknown += [w for w in norm.split() if not known(w)]
        out.append(norm)
    if unknown:
        raise RecognizerError(f"grammar words unknown to the model: {', '.join(unknown)}", words=unknown)
    if not out:
        raise RecognizerError("the grammar is empty")
    return out


def _loads(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RecognizerError(f"unparsable recognizer output: {raw[:80]!r}") from exc
    if not isinstance(data, dict):
        raise RecognizerError(f"unexpected recognizer output: {raw[:80]!r}")
    return data
