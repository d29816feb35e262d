"""Reading a recorded description for an emergency while the caller is still on the line (R-SCOPE): the
IVR's screen before the queue. Recognition on the engine's pool, then the draft's emergency rules."""

from __future__ import annotations

import asyncio
from pathlib import Path

from asr.drafting.emergency import detect_emergency
from asr.drafting.text import normalise
from asr.engine import AsrEngine
from asr.transcribe import transcribe_file


class TranscriptScreener:
    """Transcribes a recording with ``model`` and says which emergency service it needs, if any."""

    def __init__(self, engine: AsrEngine, model: str) -> None:
        self._engine = engine
        self._model = model

    def screen_text(self, text: str) -> str | None:
        """The service (``110``/``119``/``120``/``122``) ``text`` calls for, or ``None``."""
        hit = detect_emergency(normalise(text))
        return None if hit is None else hit.service.value

    async def screen(self, recording_path: Path) -> str | None:
        """Transcribe the recording (in a worker thread) and screen its text."""
        transcript = await asyncio.to_thread(transcribe_file, self._engine, str(recording_path), self._model)
        return self.screen_text(transcript.text)
