"""Grammar recognition of short phrases (the speech menu's recogniser), on the shared engine.

:class:`GrammarRecognizer` opens one Vosk stream per listen restricted to the phrases **plus**
``[unk]`` — Vosk's catch-all, so that other speech comes out as ``[unk]`` instead of as the nearest phrase.
Its streams take 16 kHz little-endian PCM and return only final results (:class:`PhraseHeard`: the text and
the lowest word confidence); partials are of no use to a menu.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from asr.engine import AsrEngine, Stream
from asr.results import UNKNOWN_WORD, Final

GRAMMAR_RATE = 16_000
"""Sample rate of the audio the streams are fed."""


@dataclass(frozen=True, slots=True)
class PhraseHeard:
    """A final result: ``text`` (empty for an utterance of silence) and its lowest word ``confidence``."""

    text: str
    confidence: float


class GrammarStream:
    """One listen's recognition stream."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    @property
    def closed(self) -> bool:
        """The recogniser was freed."""
        return self._stream.finished

    async def accept(self, pcm: bytes) -> PhraseHeard | None:
        """Feed audio (in the engine's threads); a final result, or ``None`` while the utterance goes on."""
        result = await self._stream.accept_async(pcm)
        return _heard(result) if isinstance(result, Final) else None

    async def close(self) -> None:
        """Free the recogniser (idempotent)."""
        if not self._stream.finished:
            await self._stream.finish_async()


class GrammarRecognizer:
    """Phrase recognition with ``model`` (a grammar-capable, i.e. small, Vosk model)."""

    def __init__(self, engine: AsrEngine, model: str) -> None:
        self._engine = engine
        self.model = model

    def problem_with(self, phrases: Sequence[str]) -> str | None:
        """Why listening for ``phrases`` cannot work (model missing or unloadable, a word unknown to it, no
        grammar support), or ``None``. Loads the model: call it in a thread."""
        try:
            stream = self._engine.open_stream(self.model, GRAMMAR_RATE, [*phrases, UNKNOWN_WORD])
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        stream.finish()
        return None

    async def open(self, phrases: Sequence[str]) -> GrammarStream:
        """A stream listening for ``phrases``; raises what the engine raises when it cannot."""
        stream = await asyncio.to_thread(
            self._engine.open_stream, self.model, GRAMMAR_RATE, [*phrases, UNKNOWN_WORD]
        )
        return GrammarStream(stream)


def _heard(final: Final) -> PhraseHeard:
    return PhraseHeard(final.text, min((w.conf for w in final.words), default=1.0))
